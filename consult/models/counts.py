"""Comment counts kept as the comments change, so no page counts comments when it is viewed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db
from consult.models.enums import CHANNELS, COMMENT_STATUSES
from consult.models.types import enum_check, enum_column_type

# The key's stand-ins for "none", so the key can be a primary key (no NULL) and an upsert's conflict target.
GENERAL = 0  # article_id of a comment on the draft as a whole
UNDECIDED = ""  # outcome of a comment without a decision


class CommentCount(db.Model):
    """How many comments of a draft are on one article (or general), in one status, with one outcome.

    Kept by consult/comments/counts.py in the transaction that writes the comments and decisions; a draft's
    totals are sums of its rows (no per-draft row that every comment of a busy draft would wait on).
    """

    __tablename__ = "comment_count"
    # The primary key (draft first) serves every read: a draft's rows are a few per article.
    __table_args__ = (enum_check("status", COMMENT_STATUSES),)

    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), primary_key=True)
    # GENERAL (0) for comments on the draft as a whole; articles are never deleted while comments name them.
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(enum_column_type(COMMENT_STATUSES), primary_key=True)
    # The decision's outcome, UNDECIDED ("") without one.
    outcome: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class CommentDayCount(db.Model):
    """How many comments of a draft arrived on one local day through one channel and are in one status.

    Kept by consult/comments/day_counts.py in the transaction that writes the comments, like CommentCount:
    the public figure per channel (published, summed over days) and the staff's arrivals per day and channel
    (every status) are read from it, never counted from the comments.
    """

    __tablename__ = "comment_day_count"
    __table_args__ = (enum_check("channel", CHANNELS), enum_check("status", COMMENT_STATUSES))

    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), primary_key=True)
    # The calendar day of submitted_at in the configured zone (TIMEZONE, Asia/Shanghai), when it was written.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(enum_column_type(CHANNELS), primary_key=True)
    status: Mapped[str] = mapped_column(enum_column_type(COMMENT_STATUSES), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
