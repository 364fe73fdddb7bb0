"""Accounts with roles, and personal API tokens (stored hashed)."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import ROLES
from consult.models.types import UTCDateTime, enum_check, enum_column_type


def new_session_nonce() -> str:
    """A fresh nonce; changing it signs the account out of every session."""
    return secrets.token_hex(16)


USERNAME_MAX = 80
DISPLAY_NAME_MAX = 80
TOKEN_NAME_MAX = 80
EMAIL_MAX = 200
# The roles whose holders comment as themselves (人大代表, 立法专家顾问): the role is their comments' channel.
COMMENTING_ROLES = ("deputy", "expert")


class User(UserMixin, db.Model):
    """A staff member, administrator, contact-point operator, deputy or expert."""

    __tablename__ = "user"
    __table_args__ = (
        enum_check("role", ROLES),
        # An operator belongs to exactly one contact point; staff and admins to none.
        CheckConstraint(
            "(role = 'contact_point') = (contact_point_id IS NOT NULL)", name="contact_point_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX), default="")
    # Where invitations to comment are sent (deputies and experts); never shown publicly.
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(enum_column_type(ROLES))
    contact_point_id: Mapped[int | None] = mapped_column(ForeignKey("contact_point.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contact_point = relationship("ContactPoint")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """Flask-Login's session id: user id and nonce, so sign-out elsewhere invalidates it."""
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_staff(self) -> bool:
        """Staff or admin."""
        return self.role in ("staff", "admin")

    @property
    def comment_channel(self) -> str | None:
        """The channel of this account's own comments (deputy, expert), or None: it comments as anyone."""
        return self.role if self.role in COMMENTING_ROLES else None


class ApiToken(db.Model):
    """A personal API token; only its hash is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class LoginAttempt(db.Model):
    """One sign-in attempt, kept to throttle guessing per account and per address across workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address_hash", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address_hash: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
