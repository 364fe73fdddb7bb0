"""Review work among staff: internal notes (内部备注, never public) and assignments (分工)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.clock import utcnow
from consult.extensions import db
from consult.models.types import UTCDateTime

NOTE_MAX = 2000
# Exactly one target: an article (by its identity across versions) or a comment.
ONE_TARGET = "(article_id IS NULL) <> (comment_id IS NULL)"


class ReviewNote(db.Model):
    """A note staff leave on an article or a comment while reviewing; only staff ever see it."""

    __tablename__ = "review_note"
    __table_args__ = (
        CheckConstraint(ONE_TARGET, name="one_target"),
        Index("ix_review_note_draft_article", "draft_id", "article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assignment(db.Model):
    """Who on the staff works through an article's comments, or one comment; at most one per target."""

    __tablename__ = "assignment"
    __table_args__ = (CheckConstraint(ONE_TARGET, name="one_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), unique=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), unique=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
