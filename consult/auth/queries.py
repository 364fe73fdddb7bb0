"""Reads for the account pages: users with their tokens, contact points with their operators."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from consult.auth.signin import UNDER_ATTACK
from consult.clock import utcnow
from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import ApiToken, AuditLog, Comment, ContactPoint, User

HISTORY_ROWS = 15
ATTACK_SHOWN_FOR = timedelta(hours=24)  # how long admins see the warning after the latest under-attack row


def active_token_counts():
    """Active (unrevoked) tokens per user, as a subquery."""
    return (
        select(ApiToken.user_id, func.count(ApiToken.id).label("n"))
        .where(ApiToken.revoked_at.is_(None))
        .group_by(ApiToken.user_id)
        .subquery()
    )


def user_rows(role: str | None, state: str, point_slug: str | None) -> list[tuple[User, int]]:
    """Users with their number of active tokens, filtered by role, state and contact point."""
    tokens = active_token_counts()
    query = (
        select(User, func.coalesce(tokens.c.n, 0))
        .outerjoin(tokens, tokens.c.user_id == User.id)
        .options(joinedload(User.contact_point))
        .order_by(User.active.desc(), User.username)
    )
    if role:
        query = query.where(User.role == role)
    if state in ("active", "inactive"):
        query = query.where(User.active == (state == "active"))
    if point_slug:
        query = query.join(ContactPoint, ContactPoint.id == User.contact_point_id).where(
            ContactPoint.slug == point_slug
        )
    return [(user, n) for user, n in db.session.execute(query).unique()]


def all_contact_points() -> list[ContactPoint]:
    """Every contact point, by name."""
    return list(db.session.scalars(select(ContactPoint).order_by(ContactPoint.name)))


def account(user_id: int) -> User:
    """One user with their contact point, or NotFound."""
    user = db.session.scalar(select(User).options(joinedload(User.contact_point)).where(User.id == user_id))
    if user is None:
        raise NotFound(_("账号不存在"))
    return user


def account_history(user_id: int, token_ids: list[int]) -> list[AuditLog]:
    """The latest audit rows about a user and their tokens."""
    about_user = and_(AuditLog.target_type == "user", AuditLog.target_id == str(user_id))
    about_tokens = and_(
        AuditLog.target_type == "api_token", AuditLog.target_id.in_([str(t) for t in token_ids])
    )
    query = select(AuditLog).where(or_(about_user, about_tokens) if token_ids else about_user)
    return list(db.session.scalars(query.order_by(AuditLog.id.desc()).limit(HISTORY_ROWS)))


def contact_point_rows() -> list[tuple[ContactPoint, int, int]]:
    """Contact points with their number of active operators and of comments."""
    operators = (
        select(User.contact_point_id.label("pid"), func.count(User.id).label("n"))
        .where(User.active.is_(True), User.contact_point_id.is_not(None))
        .group_by(User.contact_point_id)
        .subquery()
    )
    comments = (
        select(Comment.contact_point_id.label("pid"), func.count(Comment.id).label("n"))
        .where(Comment.contact_point_id.is_not(None))
        .group_by(Comment.contact_point_id)
        .subquery()
    )
    query = (
        select(ContactPoint, func.coalesce(operators.c.n, 0), func.coalesce(comments.c.n, 0))
        .outerjoin(operators, operators.c.pid == ContactPoint.id)
        .outerjoin(comments, comments.c.pid == ContactPoint.id)
        .order_by(ContactPoint.name)
    )
    return [tuple(row) for row in db.session.execute(query)]


def sign_in_attacks(user_id: int | None = None) -> dict[int, AuditLog]:
    """Accounts found at their sign-in ceiling (consult/auth/signin.py) within ATTACK_SHOWN_FOR: the
    latest "auth.account_under_attack" row per account id; only `user_id`'s when given."""
    query = select(AuditLog).where(
        AuditLog.action == UNDER_ATTACK,
        AuditLog.target_type == "user",
        AuditLog.created_at > utcnow() - ATTACK_SHOWN_FOR,
    )
    if user_id is not None:
        query = query.where(AuditLog.target_id == str(user_id))
    latest: dict[int, AuditLog] = {}
    for row in db.session.scalars(query.order_by(AuditLog.id)):
        if row.target_id.isdigit():
            latest[int(row.target_id)] = row
    return latest
