"""Comments (意见) and the decision on each (处理情况)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Index, Integer, String, Text, case, false, null
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import CHANNELS, COMMENT_STATUSES, OUTCOMES
from consult.models.types import UTCDateTime, enum_check, enum_column_type

BODY_MAX = 5000
AUTHOR_NAME_MAX = 50
CONTACT_MAX = 200
RECEIPT_CODE_MAX = 16


def _name_public_default(context) -> bool:
    """A name is public when its owner said so: whoever signs on the web form or the staff entry form is
    told "将公开显示"; people heard by a contact point were not, so their names are not public unless the
    point marks the row as agreeing (consult/intake/rows.py), which the import sets explicitly."""
    return context.get_current_parameters().get("channel", "web") != "contact_point"


class Comment(db.Model):
    """An opinion on a draft as a whole or on one article, from any channel."""

    __tablename__ = "comment"
    __table_args__ = (
        enum_check("status", COMMENT_STATUSES),
        enum_check("channel", CHANNELS),
        # The public pages and the moderation queue read in these orders.
        Index("ix_comment_draft_status_submitted", "draft_id", "status", "submitted_at", "id"),
        Index("ix_comment_article_status_submitted", "article_id", "status", "submitted_at", "id"),
        Index("ix_comment_status_submitted", "status", "submitted_at", "id"),
        # A draft's comments of one status and article, in time: the general opinions' keyset listing
        # (article_id IS NULL) seeks it. Counts no longer read comments: they are in comment_count.
        Index(
            "ix_comment_draft_status_article_submitted",
            "draft_id",
            "status",
            "article_id",
            "submitted_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # draft_id, article_id and status keep their old value when set (active_history): comment_count
    # (consult/comments/counts.py) moves the comment from the old key to the new one.
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), active_history=True)
    # The version the commenter read; the article keeps its identity across versions.
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_version.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"), active_history=True)
    body: Mapped[str] = mapped_column(Text)
    # A redacted copy published instead of the original (phone or ID-card numbers); original stays private.
    masked_body: Mapped[str | None] = mapped_column(Text)
    # channel and submitted_at too, for comment_day_count (consult/comments/day_counts.py).
    channel: Mapped[str] = mapped_column(enum_column_type(CHANNELS), default="web", active_history=True)
    status: Mapped[str] = mapped_column(
        enum_column_type(COMMENT_STATUSES), default="pending", active_history=True
    )
    receipt_code: Mapped[str] = mapped_column(String(RECEIPT_CODE_MAX), unique=True)
    author_name: Mapped[str | None] = mapped_column(String(AUTHOR_NAME_MAX))
    # Whether the public may see author_name (see public_name); staff always see it.
    name_public: Mapped[bool] = mapped_column(Boolean, default=_name_public_default, server_default=false())
    contact: Mapped[str | None] = mapped_column(String(CONTACT_MAX))
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, active_history=True)
    # When an offline opinion reached the office (letters, deputies, forums).
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address_hash: Mapped[str | None] = mapped_column(String(64))
    moderation_reason: Mapped[str | None] = mapped_column(String(500))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    contact_point_id: Mapped[int | None] = mapped_column(ForeignKey("contact_point.id"), index=True)
    # The deputy's or expert's account that wrote it (channel deputy or expert, signed in or by token).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("intake_batch.id"), index=True)
    # Never import the same opinion twice: hash of contact point, draft, article and body.
    intake_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    draft = relationship("Draft")
    article = relationship("Article")
    draft_version = relationship("DraftVersion")
    decision: Mapped[Decision | None] = relationship(back_populates="comment", uselist=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def public_body(self) -> str:
        """What the public sees: the masked copy when there is one."""
        return self.masked_body if self.masked_body is not None else self.body

    # The one rule of which name the public sees, in Python (comment.public_name) and in SQL.

    @hybrid_property
    def public_name(self) -> str | None:
        """The name the public sees: the author's name when it may be published, else None (匿名)."""
        return self.author_name if self.name_public else None

    @public_name.inplace.expression
    @classmethod
    def _public_name_expression(cls) -> ColumnElement[str | None]:
        return case((cls.name_public, cls.author_name), else_=null())


# An ORM bulk write of decisions passes, under this execution option, a SELECT of what it moves:
# rows (draft_id, article_id, status, outcome before, outcome after, n), before None for a decision
# inserted, after None for one deleted; consult/comments/counts.py moves comment_count by them.
DECISION_MOVES = "decision_moves"


class Decision(db.Model):
    """The decision on one comment: outcome and public reason. One per comment."""

    __tablename__ = "decision"
    __table_args__ = (enum_check("outcome", OUTCOMES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Both keep their old value when set (active_history), for comment_count (consult/comments/counts.py).
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), unique=True, active_history=True
    )
    outcome: Mapped[str] = mapped_column(enum_column_type(OUTCOMES), active_history=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # A copy of its group's decision (随组决定, consult/groups/decisions.py), kept in step with the group's
    # and dropped when the comment leaves the group; a decision of the comment's own (inherited False)
    # wins over the group's and is never touched by it.
    inherited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment_group.id", ondelete="SET NULL"), index=True
    )

    comment: Mapped[Comment] = relationship(back_populates="decision")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


IDEMPOTENCY_KEY_MAX = 64


class SubmissionKey(db.Model):
    """A submission already answered: an API Idempotency-Key or a comment form's one-time id.

    The unique key is the "never twice" rule: two requests racing with the same key cannot both store a
    comment. Keys count for 24 hours (comments.operations.KEY_HOURS); older rows are removed as new
    ones arrive.
    """

    __tablename__ = "submission_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "api:<Idempotency-Key>" or "form:<submission id>", so the two doors cannot collide.
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX + 8), unique=True)
    # SHA-256 of what was submitted (draft, article, body, name, contact, consent).
    fingerprint: Mapped[str] = mapped_column(String(64))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
