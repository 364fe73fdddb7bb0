"""Reads about drafts that the HTML pages and the JSON API share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import ArticleText, CommentCount, Draft

STAGE_ORDER = ("open", "upcoming", "closed", "concluded")


@dataclass(frozen=True)
class DraftListing:
    """A public draft with its status and count of published comments."""

    draft: Draft
    status: str
    comment_count: int

    def days_left(self, now: datetime) -> int | None:
        """Whole days until the consultation closes (open drafts only)."""
        return self.draft.days_left(now) if self.status == "open" else None


def public_draft_rows() -> list[tuple[Draft, int]]:
    """Every published draft with its number of published comments (read from the kept counts)."""
    # Read from the counts kept as comments change (consult/comments/counts.py), never counted here.
    counts = (
        select(CommentCount.draft_id, func.sum(CommentCount.n).label("n"))
        .where(CommentCount.status == "published")
        .group_by(CommentCount.draft_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Draft, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.draft_id == Draft.id)
        .where(Draft.is_public)
    ).all()
    return [(draft, int(n)) for draft, n in rows]


def public_drafts(now: datetime, rows: list[tuple[Draft, int]] | None = None) -> list[DraftListing]:
    """Published drafts, open ones first (closing soonest first), then upcoming, closed, concluded.

    `rows`: public_draft_rows() already read (a page that keeps them under the change counter).
    """
    listings = [
        DraftListing(d, d.status_at(now), n) for d, n in (public_draft_rows() if rows is None else rows)
    ]

    def key(item: DraftListing):
        d = item.draft
        stage = STAGE_ORDER.index(item.status)
        if item.status in ("open", "upcoming"):
            when = (d.closes_at if item.status == "open" else d.opens_at) or now
            return (stage, when.timestamp())
        finished = d.feedback_published_at or d.closes_at or now
        return (stage, -finished.timestamp())

    return sorted(listings, key=key)


def public_drafts_by_stage(
    now: datetime, rows: list[tuple[Draft, int]] | None = None
) -> dict[str, list[DraftListing]]:
    """public_drafts grouped by stage, in STAGE_ORDER."""
    groups: dict[str, list[DraftListing]] = {stage: [] for stage in STAGE_ORDER}
    for item in public_drafts(now, rows):
        groups[item.status].append(item)
    return groups


def by_slug(
    slug: str | None, *, public: bool = False, session: Session | None = None, lock: bool = False
) -> Draft:
    """The one lookup of a draft by its slug: a published one only when `public`; the one NotFound.

    `session`: inside an operation's write transaction; `lock`: hold the row (SELECT … FOR UPDATE on
    PostgreSQL) for the rest of that transaction.
    """
    query = select(Draft).where(Draft.slug == (slug or ""))
    if public:
        query = query.where(Draft.is_public)
    if lock:
        query = query.with_for_update()
    draft = (session or db.session).scalar(query)
    if draft is None:
        raise NotFound(_("草案不存在或尚未公布") if public else _("草案不存在"))
    return draft


def public_draft(slug: str) -> Draft:
    """A published draft by slug, or NotFound (what every public page and endpoint asks)."""
    return by_slug(slug, public=True)


@dataclass(frozen=True)
class ChapterGroup:
    """A chapter heading with its articles (texts of the current version), for tables of contents."""

    heading: str | None
    articles: list[ArticleText]


def current_articles(draft: Draft) -> list[ArticleText]:
    """The current version's articles in order."""
    version = draft.current_version
    if version is None:
        return []
    return list(
        db.session.scalars(
            select(ArticleText).where(ArticleText.version_id == version.id).order_by(ArticleText.order)
        )
    )


def chapters(articles: list[ArticleText]) -> list[ChapterGroup]:
    """Group articles under their chapter headings, keeping order."""
    groups: list[ChapterGroup] = []
    for text in articles:
        if not groups or groups[-1].heading != text.chapter:
            groups.append(ChapterGroup(text.chapter, []))
        groups[-1].articles.append(text)
    return groups


def article_in_draft(draft: Draft, article_id: int) -> ArticleText:
    """The current text of one article of the draft, or NotFound."""
    version = draft.current_version
    text = (
        db.session.scalar(
            select(ArticleText).where(
                ArticleText.version_id == version.id, ArticleText.article_id == article_id
            )
        )
        if version
        else None
    )
    if text is None:
        raise NotFound(_("该条款不存在"))
    return text
