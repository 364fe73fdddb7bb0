"""The adoption feedback (采纳情况反馈): publications, the decisions each froze, satisfaction ratings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import OUTCOMES
from consult.models.types import UTCDateTime, enum_check, enum_column_type

REVISION_NOTE_MAX = 2000
SATISFACTION_COMMENT_MAX = 1000


class FeedbackPublication(db.Model):
    """One publication of a draft's feedback report: number 1 first, then each revision with its note."""

    __tablename__ = "feedback_publication"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Shown on the public report for every publication after the first (修订说明).
    revision_note: Mapped[str] = mapped_column(Text, default="")
    # Published comments that had no decision when this was published: with the PublishedDecision rows
    # they are the report's comments, so a comment published later waits for the next publication.
    undecided_comment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class PublishedDecision(db.Model):
    """A decision as a publication froze it: what the public and the receipt show until the next one."""

    __tablename__ = "published_decision"
    __table_args__ = (
        enum_check("outcome", OUTCOMES),
        UniqueConstraint("publication_id", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("feedback_publication.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(enum_column_type(OUTCOMES))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Satisfaction(db.Model):
    """A commenter's rating of the feedback (满意度测评), 1–5: one per receipt code, a second replaces it."""

    __tablename__ = "satisfaction"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_satisfaction_draft", "draft_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(SATISFACTION_COMMENT_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
