"""Staff pages for article explanations (条文释义): one article's explanation, edited from the draft page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.drafts.explanations import digest, explain_article
from consult.drafts.queries import article_in_draft, by_slug
from consult.errors import Conflict, DomainError, NotFound
from consult.i18n import _
from consult.web.forms import check_form_token, csrf_checked_in_view, form_page

bp = Blueprint("admin_explanations", __name__, url_prefix="/admin")


def _render(slug: str, article_id: int, values=None, errors=None, message=None, conflict=False, status=200):
    draft = by_slug(slug)
    text = article_in_draft(draft, article_id)
    return form_page(
        "admin/drafts/explanation.html",
        status,
        draft=draft,
        text=text,
        values=values or {"explanation": text.explanation or "", "seen": digest(text.explanation)},
        errors=errors,
        message=message,
        conflict=conflict,
    )


@bp.get("/drafts/<slug>/articles/<int:article_id>/explanation")
@access("staff")
def edit_explanation(slug: str, article_id: int):
    """The form for one article's explanation in the current version."""
    return _render(slug, article_id)


@bp.post("/drafts/<slug>/articles/<int:article_id>/explanation")
@access("staff")
@csrf_checked_in_view
def save_explanation(slug: str, article_id: int):
    """Save (or, left empty, remove) the explanation; a refusal shows the form again with the text kept."""
    values = {
        "explanation": (request.form.get("explanation") or "").replace("\r\n", "\n"),
        "seen": request.form.get("seen") or "",
    }
    try:
        check_form_token()
        done = explain_article(
            current_actor(),
            RequestContext.from_request(),
            slug,
            article_id,
            values["explanation"],
            values["seen"] or None,
        )
    except NotFound:
        raise
    except DomainError as err:
        conflict = isinstance(err, Conflict)
        if conflict:
            # Keep what was typed; a second 保存 deliberately replaces what the other person saved.
            values["seen"] = digest(article_in_draft(by_slug(slug), article_id).explanation)
        return _render(slug, article_id, values, err.fields, err.message, conflict, err.status)
    label = done.text.label
    if not done.changed:
        flash(_("%(label)s的释义没有改动。", label=label))
    elif done.text.explanation:
        flash(_("已保存%(label)s的释义。", label=label))
    else:
        flash(_("已删除%(label)s的释义。", label=label))
    return redirect(url_for("admin_drafts.edit_draft", slug=slug, _anchor=f"explain-{article_id}"), code=303)
