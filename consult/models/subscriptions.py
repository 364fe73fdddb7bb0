"""Subscriptions to new consultations and published feedback (by e-mail, or SMS with a gateway).

The address is personal data: it is kept only while it is needed (consult/reach/purge.py removes
unconfirmed and unsubscribed rows). No token is stored: the links carry an HMAC of the row's id and
its nonce (consult/reach/tokens.py), so a new nonce withdraws every earlier link.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import SUBSCRIPTION_CHANNELS
from consult.models.types import UTCDateTime, enum_check, enum_column_type

ADDRESS_MAX = 254  # the longest e-mail address SMTP carries (RFC 5321 path limit)
NONCE_LENGTH = 32
EVENT_MAX = 40


class Subscription(db.Model):
    """One address (e-mail or mobile number) that asked to be told; one row per address."""

    __tablename__ = "subscription"
    __table_args__ = (
        enum_check("channel", SUBSCRIPTION_CHANNELS),
        UniqueConstraint("channel", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(enum_column_type(SUBSCRIPTION_CHANNELS))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    # The topics mail is sent about (only once confirmed) …
    drafts: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[bool] = mapped_column(Boolean, default=False)
    # … and the ones the latest request asked for, which the confirmation link makes the topics: a
    # stranger who types someone's address cannot change what that person receives.
    asked_drafts: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_feedback: Mapped[bool] = mapped_column(Boolean, default=False)
    # The secret part of the links (with SECRET_KEY); a new confirmation request draws a new one.
    nonce: Mapped[str] = mapped_column(String(NONCE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # At most one confirmation message per address per SUBSCRIPTION_CONFIRM_INTERVAL_MINUTES.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def topics(self) -> list[str]:
        """The confirmed topics, in SUBSCRIPTION_TOPICS order."""
        return [t for t, on in (("drafts", self.drafts), ("feedback", self.feedback)) if on]


class SubscriptionNotice(db.Model):
    """One event told to one subscriber: the unique key that keeps it to once ("draft:12", "feedback:3")."""

    __tablename__ = "subscription_notice"
    __table_args__ = (UniqueConstraint("subscription_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(EVENT_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
