"""Drafts, their versions, articles (identity across versions) and article texts (one per version)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Integer, String, Text, UniqueConstraint, and_, not_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.clock import utcnow
from consult.extensions import db
from consult.models.types import UTCDateTime

# The short address /d/<code> (consult/drafts/short_codes.py draws the code; room to lengthen it later).
SHORT_CODE_MAX = 12
# An article's plain-language explanation (条文释义): a few paragraphs, not a second draft.
EXPLANATION_MAX = 3000


class Draft(db.Model):
    """One regulation under consultation (法规草案)."""

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # Drawn once at creation and never changed: the short address printed on posters (/d/<code>).
    # server_default: the column was added to a table with rows (the migration fills each in).
    short_code: Mapped[str] = mapped_column(
        String(SHORT_CODE_MAX), server_default="", unique=True, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # 起草说明: staff-authored, a small allowlist of HTML through sanitize.py.
    summary: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Public only once published; its public status then follows the dates.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while staff revise decisions after the feedback was published; the public still sees the last one.
    feedback_revising_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When `contacts purge` removed the contact details of the draft's comments.
    contacts_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 跟帖评论 rules may require real-name checks: showing comments publicly is a per-draft setting.
    show_comments: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    versions: Mapped[list[DraftVersion]] = relationship(
        back_populates="draft", order_by="DraftVersion.number", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def status_at(self, now: datetime) -> str:
        """draft (unpublished), upcoming, open, closed or concluded (feedback published)."""
        if self.published_at is None:
            return "draft"
        if self.feedback_published_at is not None:
            return "concluded"
        if self.opens_at is None or now < self.opens_at:
            return "upcoming"
        if self.closes_at is not None and now >= self.closes_at:
            return "closed"
        return "open"

    def days_left(self, now: datetime) -> int | None:
        """Whole days until the consultation closes, a part of a day counting as one (open drafts only)."""
        if self.status_at(now) != "open" or self.closes_at is None:
            return None
        return max(0, int(-(-(self.closes_at - now).total_seconds() // 86400)))

    def clock_moves_at(self, now: datetime) -> datetime | None:
        """The first moment after ``now`` at which status_at or days_left answers differently (None:
        never, by the clock alone). What the clock shows of a draft holds until then, so a page can keep
        it."""
        status = self.status_at(now)
        if status == "upcoming":
            return self.opens_at  # None: not scheduled, upcoming until staff set a date
        if status != "open" or self.closes_at is None:
            return None  # closed and concluded stay so by the clock; open with no end stays open
        # days_left is d while (d - 1) days < closes_at - now <= d days: it drops as the rest reaches
        # d - 1 whole days, and on the last day the draft closes at closes_at itself.
        days = self.days_left(now)
        return self.closes_at - timedelta(days=days - 1) if days > 1 else self.closes_at

    @property
    def status(self) -> str:
        """The status now."""
        return self.status_at(utcnow())

    @property
    def is_open(self) -> bool:
        """Whether comments are accepted now."""
        return self.status == "open"

    # Rules about a draft, usable in Python (draft.is_public) and in SQL (where(Draft.is_public)).

    @hybrid_property
    def is_public(self) -> bool:
        """Whether the public may see the draft (it was published)."""
        return self.published_at is not None

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> ColumnElement[bool]:
        return cls.published_at.is_not(None)

    @hybrid_property
    def decisions_frozen(self) -> bool:
        """Whether a feedback publication froze the decisions (and no revision is open)."""
        return self.feedback_published_at is not None and self.feedback_revising_at is None

    @decisions_frozen.inplace.expression
    @classmethod
    def _decisions_frozen_expression(cls) -> ColumnElement[bool]:
        return and_(cls.feedback_published_at.is_not(None), cls.feedback_revising_at.is_(None))

    @hybrid_property
    def accepts_offline_opinions(self) -> bool:
        """Whether opinions that arrived another way (letters, deputies, contact points) may be added:
        until the feedback is published, and again while a revision of it is open."""
        return not self.decisions_frozen

    @accepts_offline_opinions.inplace.expression
    @classmethod
    def _accepts_offline_opinions_expression(cls) -> ColumnElement[bool]:
        return not_(cls.decisions_frozen)

    @property
    def current_version(self) -> DraftVersion | None:
        """The newest version: a revised text becomes current as soon as it is saved."""
        return self.versions[-1] if self.versions else None


class DraftVersion(db.Model):
    """One published text of a draft (征求意见稿, 修改稿)."""

    __tablename__ = "draft_version"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100), default="")
    source_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    draft: Mapped[Draft] = relationship(back_populates="versions")
    texts: Mapped[list[ArticleText]] = relationship(
        back_populates="version", order_by="ArticleText.order", cascade="all, delete-orphan"
    )


class Article(db.Model):
    """An article's identity across versions: comments and decisions refer to it."""

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    texts: Mapped[list[ArticleText]] = relationship(back_populates="article")


class ArticleText(db.Model):
    """One article in one version: chapter, section, printed label, number, order and text."""

    __tablename__ = "article_text"
    __table_args__ = (
        UniqueConstraint("article_id", "version_id"),
        UniqueConstraint("version_id", "number"),
        UniqueConstraint("version_id", "order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_version.id", ondelete="CASCADE"))
    chapter: Mapped[str | None] = mapped_column(String(200))
    section: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    order: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # 条文释义: staff's plain-language explanation of this article in this version (plain text, at most
    # EXPLANATION_MAX characters; None when there is none). A new version carries it over from the text
    # of the same article it continues (consult/drafts/operations.py), so each version keeps its own.
    explanation: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article] = relationship(back_populates="texts")
    version: Mapped[DraftVersion] = relationship(back_populates="texts")
