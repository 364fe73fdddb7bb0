"""Reads of invitations shared by the staff page, the JSON API and the invitee's own page.

An invitation is answered once its deputy or expert has commented on the draft (signed in or with a
token, so the comment carries their account): on the draft as a whole, or on one of the articles asked
about when some were chosen. Spam does not count; a comment still waiting for moderation does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import ArticleText, Comment, Draft, Invitation, User
from consult.models.users import COMMENTING_ROLES


@dataclass(frozen=True)
class ArticleRef:
    """An article asked about: its id across versions and its label in the current version."""

    id: int
    label: str


@dataclass(frozen=True)
class InvitationView:
    """One invitation as pages and the API show it."""

    invitation: Invitation
    articles: list[ArticleRef]
    answered_at: datetime | None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def id(self) -> int:
        return self.invitation.id


def _answers(session: Session, invitation: Invitation):
    query = select(func.min(Comment.submitted_at)).where(
        Comment.author_id == invitation.user_id,
        Comment.draft_id == invitation.draft_id,
        Comment.status != "spam",
    )
    if invitation.article_ids:
        query = query.where(or_(Comment.article_id.is_(None), Comment.article_id.in_(invitation.article_ids)))
    return session.scalar(query)


def has_answered(session: Session, invitation: Invitation) -> bool:
    """Whether the invitee has commented as the invitation asked."""
    return _answers(session, invitation) is not None


def _labels(drafts: list[Draft], invitations: list[Invitation]) -> dict[tuple[int, int], str]:
    """(draft id, article id) → the article's label in the draft's current version."""
    wanted = {a for inv in invitations for a in inv.article_ids}
    draft_of_version = {d.current_version.id: d.id for d in drafts if d.current_version is not None}
    versions = list(draft_of_version)
    if not wanted or not versions:
        return {}
    rows = db.session.execute(
        select(ArticleText.version_id, ArticleText.article_id, ArticleText.label).where(
            ArticleText.version_id.in_(versions), ArticleText.article_id.in_(wanted)
        )
    ).all()
    return {(draft_of_version[v], a): label for v, a, label in rows}


def _views(invitations: list[Invitation]) -> list[InvitationView]:
    drafts = list({inv.draft_id: inv.draft for inv in invitations}.values())
    labels = _labels(drafts, invitations)
    views = []
    for inv in invitations:
        articles = [ArticleRef(a, labels.get((inv.draft_id, a), "")) for a in inv.article_ids]
        views.append(InvitationView(inv, articles, _answers(db.session, inv)))
    return views


def draft_invitations(draft_id: int) -> list[InvitationView]:
    """A draft's invitations, the ones not yet answered first, then by due time."""
    invitations = list(
        db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.user), joinedload(Invitation.draft))
            .where(Invitation.draft_id == draft_id)
            .order_by(Invitation.due_at, Invitation.id)
        )
    )
    views = _views(invitations)
    return sorted(views, key=lambda v: v.answered)  # stable: due order kept within each


def my_invitations(user_id: int) -> list[InvitationView]:
    """An invitee's invitations, newest first (only drafts that are published)."""
    invitations = list(
        db.session.scalars(
            select(Invitation)
            .join(Draft, Draft.id == Invitation.draft_id)
            .options(joinedload(Invitation.draft))
            .where(Invitation.user_id == user_id, Draft.is_public)
            .order_by(Invitation.invited_at.desc(), Invitation.id.desc())
        )
    )
    return _views(invitations)


def invitation_view(invitation_id: int) -> InvitationView:
    """One invitation as pages and the API show it (NotFound when there is none)."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(_("邀请不存在"))
    return _views([invitation])[0]


def invitable_accounts(draft_id: int) -> list[User]:
    """The accounts staff may invite to a draft: active deputies and experts with an e-mail address, not
    invited to it yet."""
    invited = select(Invitation.user_id).where(Invitation.draft_id == draft_id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role.in_(COMMENTING_ROLES),
                User.active.is_(True),
                User.email.is_not(None),
                User.id.not_in(invited),
            )
            .order_by(User.role, User.display_name, User.username)
        )
    )
