"""Staff's page of group decisions (随组决定): a draft's largest groups of similar comments, each with
its decision and a form to decide for the whole group (consult/groups/decisions.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.drafts.queries import by_slug
from consult.errors import DomainError
from consult.feedback.publishing import decisions_frozen
from consult.groups.decisions import decide_group
from consult.groups.queries import PER_PAGE, groups_to_decide
from consult.i18n import _
from consult.models.counts import GENERAL
from consult.paging import decode_key
from consult.web.forms import form_page
from consult.web.review_words import outcome_choices

bp = Blueprint("admin_groups", __name__, url_prefix="/admin")
GROUPS_PER_PAGE = PER_PAGE  # groups a page shows, each with its form


def _article_arg() -> int | None:
    """The `article_id` filter: an article's id, 0 for the general opinions, or none (every group)."""
    value = request.args.get("article_id", "")
    return int(value) if value.isdigit() and len(value) <= 9 else None


def _page(slug: str, status: int = 200, **context):
    draft = by_slug(slug)
    article_id = _article_arg()
    after = decode_key(request.args.get("after"))  # malformed: the first page
    page = groups_to_decide(draft.id, article_id, after, GROUPS_PER_PAGE)
    return form_page(
        "admin/review/groups.html",
        status,
        draft=draft,
        article_id=article_id,
        general=GENERAL,
        groups=page.groups,
        next_after=page.next_after,
        after=request.args.get("after") if after is not None else None,
        outcomes=outcome_choices(),
        locked=decisions_frozen(draft),
        **context,
    )


@bp.get("/review/<slug>/groups")
@access("staff")
def group_decisions(slug: str):
    """A page of a draft's groups of similar comments, largest first (``after``: read by key), each with
    a form for the group's decision."""
    return _page(slug)


@bp.post("/review/<slug>/groups/<int:group_id>/decision")
@access("staff")
def decide_for_group(slug: str, group_id: int):
    """Save one decision for a group; the page again, with the user's text kept when refused."""
    form = request.form
    seen = form.get("decision_version", "")
    try:
        _group_id, decided = decide_group(
            current_actor(),
            RequestContext.from_request(),
            group_id,
            form.get("outcome") or "",
            form.get("reason"),
            int(seen) if seen.isdigit() and len(seen) <= 9 else None,
        )
    except DomainError as err:
        kept = {
            "group_id": group_id,
            "outcome": form.get("outcome") or "",
            "reason": form.get("reason") or "",
        }
        return _page(slug, err.status, errors=err.fields, message=err.message, kept=kept)
    flash(_("已为本组作出处理决定：%(n)d条已公开的意见随组决定。", n=decided))
    article = request.args.get("article_id")
    after = request.args.get("after") if decode_key(request.args.get("after")) else None
    anchor = f"g{group_id}"
    return redirect(
        url_for("admin_groups.group_decisions", slug=slug, article_id=article, after=after, _anchor=anchor),
        303,
    )
