"""The adoption feedback (采纳情况反馈): publications, the decisions each froze, satisfaction ratings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
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
    # The report's summary, computed once when published (consult/feedback/stored.py) with its places
    # (ReportPlace); None for a publication made before it was kept (`feedback rebuild-reports`).
    participants: Mapped[int | None] = mapped_column(Integer)
    contact_point_ids: Mapped[list[int] | None] = mapped_column(JSON)  # whose opinions are in it
    by_channel: Mapped[dict[str, int] | None] = mapped_column(JSON)


class ReportPlace(db.Model):
    """One article (or the general opinions, article_id GENERAL) of a publication's report, with its counts.

    Written with the publication; a take-down (or a comment published again) moves its counts, so the
    public report reads these rows and never counts comments. The place's label, chapter and text are
    those of `text_id` (the current version's text, or a removed article's last one).
    """

    __tablename__ = "feedback_report_place"
    __table_args__ = (UniqueConstraint("publication_id", "article_id"),)

    publication_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_publication.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer)  # GENERAL (0): the general opinions
    text_id: Mapped[int | None] = mapped_column(ForeignKey("article_text.id", ondelete="SET NULL"))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    adopted: Mapped[int] = mapped_column(Integer, default=0)
    partially_adopted: Mapped[int] = mapped_column(Integer, default=0)
    not_adopted: Mapped[int] = mapped_column(Integer, default=0)
    already_provided: Mapped[int] = mapped_column(Integer, default=0)
    out_of_scope: Mapped[int] = mapped_column(Integer, default=0)
    undecided: Mapped[int] = mapped_column(Integer, default=0)


class PublishedUndecided(db.Model):
    """A comment a publication covered without a decision (with its PublishedDecision rows: its members)."""

    __tablename__ = "published_undecided"

    publication_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_publication.id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Groups counted once (consult/feedback/grouped.py fold): the entry standing for a group's members
    # with the same decision carries their number; the others are folded into it (not listed).
    group_size: Mapped[int | None] = mapped_column(Integer)
    folded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


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
    # Groups counted once (consult/feedback/grouped.py fold): the entry standing for a group's members
    # with the same decision carries their number; the others are folded into it (not listed).
    group_size: Mapped[int | None] = mapped_column(Integer)
    folded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


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
