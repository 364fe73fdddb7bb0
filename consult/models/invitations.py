"""Invitations (征求专家意见): staff ask a deputy or an expert for an opinion on a draft or articles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.clock import utcnow
from consult.extensions import db
from consult.models.types import UTCDateTime


class Invitation(db.Model):
    """One deputy or expert invited to comment on one draft (all of it, or chosen articles) by a date."""

    __tablename__ = "invitation"
    # Never twice: one invitation per draft and account (a second one would send a second mail).
    __table_args__ = (UniqueConstraint("draft_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # The articles asked about (their ids across versions, DOMAIN.md `Article`); empty: the whole draft.
    article_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # One reminder per invitation: set when it is queued, and a second one is refused.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    draft = relationship("Draft")
    user = relationship("User", foreign_keys=[user_id])
