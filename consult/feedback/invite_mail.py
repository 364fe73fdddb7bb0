"""The invitation and reminder mails to deputies and experts (outbox kind ``mail.invite``).

Queued by consult/invitations/operations.py in the invitation's (or reminder's) transaction and sent
once by ``notify send`` with the feedback mails (notifications.send_due). A row whose invitation is
gone, or whose account was deactivated since, is set aside with the reason instead of sent.
"""

from __future__ import annotations

from email.message import EmailMessage

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.extensions import db
from consult.feedback import mail
from consult.feedback.compose import Outgoing
from consult.feedback.due import due_events
from consult.feedback.links import public_links
from consult.i18n import _, localtime
from consult.models import ArticleText, Invitation
from consult.vocabulary import role_label

KIND = "mail.invite"


def subject(draft_title: str, reminder: bool) -> str:
    """邀请您对《草案》提出意见 (a reminder says so); one line, whatever the title holds."""
    title = " ".join(draft_title.split())
    if reminder:
        return _("提醒：邀请您对《%(title)s》提出意见", title=title)
    return _("邀请您对《%(title)s》提出意见", title=title)


def _labels(invitation: Invitation) -> list[str]:
    version = invitation.draft.current_version
    if not invitation.article_ids or version is None:
        return []
    rows = dict(
        db.session.execute(
            select(ArticleText.article_id, ArticleText.label).where(
                ArticleText.version_id == version.id, ArticleText.article_id.in_(invitation.article_ids)
            )
        ).all()
    )
    return [rows[a] for a in invitation.article_ids if a in rows]


def invitation_message(row_id: int, invitation: Invitation, to: str, reminder: bool) -> EmailMessage:
    """The mail: who invites whom to what, by when, and the links to the draft and to their invitations."""
    draft, user = invitation.draft, invitation.user
    with public_links():
        body = mail.render_body(
            "invitation.txt",
            name=user.display_name,
            role=role_label(user.role),
            title=draft.title,
            labels=_labels(invitation),
            due=localtime(invitation.due_at),
            reminder=reminder,
            draft_url=url_for("public.draft_page", slug=draft.slug, _external=True),
            mine_url=url_for("invitee.my_invitations_page", _external=True),
        )
    return mail.new_message(row_id, to, subject(draft.title, reminder), body)


def compose(ids: list[int]) -> list[Outgoing]:
    """The messages of one chunk of due ``mail.invite`` rows."""
    events = due_events(ids)
    invitations = {
        inv.id: inv
        for inv in db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.draft), joinedload(Invitation.user))
            .where(Invitation.id.in_([e.target_id for e in events]))
        )
    }
    outgoing = []
    for event in events:
        invitation = invitations.get(event.target_id)
        to = str(event.payload.get("to") or "")
        if invitation is None:
            outgoing.append(Outgoing(event.id, event.attempts, None, None, _("邀请已不存在，邮件未发送")))
        elif not invitation.user.active:
            outgoing.append(Outgoing(event.id, event.attempts, None, None, _("账号已停用，邮件未发送")))
        else:
            reminder = bool(event.payload.get("reminder"))
            message = invitation_message(event.id, invitation, to, reminder)
            outgoing.append(Outgoing(event.id, event.attempts, to, message))
    return outgoing
