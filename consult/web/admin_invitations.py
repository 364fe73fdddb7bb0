"""The draft's invitations page for staff: invite deputies and experts, see who answered, remind once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from consult.auth.access import access, current_actor
from consult.clock import utcnow
from consult.context import RequestContext
from consult.drafts.queries import by_slug, current_articles
from consult.errors import DomainError, NotFound
from consult.i18n import _
from consult.invitations.operations import InvitationInput, invite, remind
from consult.invitations.queries import draft_invitations, invitable_accounts, invitation_view
from consult.web.forms import form_page

bp = Blueprint("admin_invitations", __name__, url_prefix="/admin")


def _render(slug: str, values=None, errors=None, message=None, status: int = 200):
    draft = by_slug(slug)
    rows = draft_invitations(draft.id)
    return form_page(
        "admin/drafts/invitations.html",
        status,
        draft=draft,
        rows=rows,
        answered=sum(1 for r in rows if r.answered),
        accounts=invitable_accounts(draft.id),
        articles=current_articles(draft),
        values=values or {"username": "", "article_ids": [], "due": ""},
        errors=errors,
        message=message,
        now=utcnow(),
    )


@bp.get("/drafts/<slug>/invitations")
@access("staff")
def invitations(slug: str):
    """Who was invited, who answered and who has not; the form to invite one more."""
    return _render(slug)


@bp.post("/drafts/<slug>/invitations")
@access("staff")
def invite_form(slug: str):
    """Invite a deputy or an expert; the mail goes out with the next `notify send`."""
    form = request.form
    values = {
        "username": form.get("username", ""),
        "article_ids": form.getlist("article_ids"),
        "due": form.get("due", ""),
    }
    data = InvitationInput(values["username"], values["article_ids"] or None, values["due"])
    try:
        invitation = invite(current_actor(), RequestContext.from_request(), slug, data)
    except NotFound:
        raise
    except DomainError as err:
        return _render(slug, values, err.fields, err.message, err.status)
    flash(_("已邀请 %(name)s，邀请邮件即将发出。", name=invitation.user.display_name))
    return redirect(url_for("admin_invitations.invitations", slug=slug), code=303)


@bp.post("/invitations/<int:invitation_id>/remind")
@access("staff")
def remind_form(invitation_id: int):
    """Send the one reminder; a second one is refused with a message saying when the first went."""
    view = invitation_view(invitation_id)
    slug, name = view.invitation.draft.slug, view.invitation.user.display_name
    try:
        remind(current_actor(), RequestContext.from_request(), invitation_id)
    except NotFound:
        raise
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(_("已向 %(name)s 发送提醒。", name=name))
    return redirect(url_for("admin_invitations.invitations", slug=slug, _anchor="invitations"), code=303)
