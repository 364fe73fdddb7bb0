"""Groups of similar comments (同类意见) per draft and article, their members and the LSH band keys.

Kept by consult/groups/ (ingest.py) from the outbox as comments arrive and change; ``groups rebuild``
recomputes a draft's. A group's id is stable while members join; what staff did (a member split out,
groups merged, a group confirmed) is in the member's ``state`` and the group's ``confirmed`` flag,
which no recomputation undoes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import OUTCOMES
from consult.models.types import UTCDateTime, enum_check, enum_column_type

# auto: joined by similarity; split: staff took it out, it stays out; merged: staff merged its group
# into this one; confirmed: it was a member when staff confirmed the group. The last two are pinned.
MEMBER_STATES = ("auto", "split", "merged", "confirmed")
PINNED_STATES = ("merged", "confirmed")


class CommentGroup(db.Model):
    """Near-duplicate comments on one article (or on the draft as a whole, article_key 0)."""

    __tablename__ = "comment_group"
    __table_args__ = (
        Index("ix_comment_group_scope", "draft_id", "article_key", "size"),
        enum_check("outcome", OUTCOMES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    article_key: Mapped[int] = mapped_column(Integer)  # the article's id, or 0 (GENERAL)
    size: Mapped[int] = mapped_column(Integer, default=0)
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Many members within a short time from few addresses: a possible organised campaign (staff only).
    burst: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The group's decision (随组决定, consult/groups/decisions.py): every published member without a
    # decision of its own carries a copy (Decision.inherited), members that join later too.
    outcome: Mapped[str | None] = mapped_column(enum_column_type(OUTCOMES))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decision_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0: none yet


class GroupMember(db.Model):
    """A comment's place in the grouping: its group (None when split out) and how it got there."""

    __tablename__ = "comment_group_member"
    __table_args__ = (
        enum_check("state", MEMBER_STATES),
        Index("ix_comment_group_member_scope", "draft_id", "article_key"),
    )

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment_group.id", ondelete="CASCADE"), index=True
    )
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    article_key: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(enum_column_type(MEMBER_STATES), default="auto")


class CommentBand(db.Model):
    """One LSH band key of a comment's MinHash signature (consult/groups/similarity.py): comments of a
    scope sharing a band key are candidates, found by the index instead of a scan."""

    __tablename__ = "comment_band"
    # A lookup is `key IN (the new comment's keys)` within the scope: one index seek per key (an OR of
    # band-and-key pairs would read every band of the scope); the band is checked on the rows found.
    __table_args__ = (Index("ix_comment_band_lookup", "draft_id", "article_key", "key"),)

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger)
    # The comment's draft, copied for the lookup index; no foreign key of its own: the rows go with their
    # comment (and a comment with its draft), and a constraint checked on each of about 37 rows a comment
    # made a third of a PostgreSQL rebuild's writing (100,000 comments: 3.7 million checks of one row).
    draft_id: Mapped[int] = mapped_column(Integer)
    article_key: Mapped[int] = mapped_column(Integer)
