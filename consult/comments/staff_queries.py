"""Reads for the staff workspace: every comment, with filters and stable pagination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import selectinload

from consult import paging
from consult.extensions import db
from consult.models import ArticleText, Comment, ContactPoint, Draft
from consult.paging import Page
from consult.search.queries import staff_search


@dataclass(frozen=True)
class CommentFilter:
    """What staff narrowed the list to; None means any."""

    status: str | None = None
    draft_slug: str | None = None
    article_id: int | None = None
    channel: str | None = None
    contact_point: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(f: CommentFilter) -> list:
    where = []
    if f.status:
        where.append(Comment.status == f.status)
    if f.draft_slug:
        where.append(Comment.draft_id == select(Draft.id).where(Draft.slug == f.draft_slug).scalar_subquery())
    if f.article_id is not None:
        where.append(Comment.article_id == f.article_id)
    if f.channel:
        where.append(Comment.channel == f.channel)
    if f.contact_point:
        where.append(
            Comment.contact_point_id
            == select(ContactPoint.id).where(ContactPoint.slug == f.contact_point).scalar_subquery()
        )
    if f.q:
        # With a date range the database filters: a plain substring, case-insensitive on both databases.
        where.append(func.lower(Comment.body).contains(f.q.lower(), autoescape=True))
    if f.since:
        where.append(Comment.submitted_at >= f.since)
    if f.until:
        where.append(Comment.submitted_at < f.until)
    return where


@dataclass(frozen=True)
class StaffPage(Page):
    """A page that knows whether more follow it (under a cursor the page number is only shown)."""

    more: bool = False

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.more


def encode_cursor(comment: Comment) -> str:
    """Where the queue's next page starts: after this comment (consult.paging's keyset cursor)."""
    return paging.encode_cursor(comment.submitted_at, comment.id)


def staff_comments(
    f: CommentFilter,
    page: int = 1,
    per_page: int = 50,
    oldest_first: bool = True,
    after: tuple[datetime, int] | None = None,
) -> Page:
    """Every comment matching the filter; the moderation queue reads oldest first.

    With ``after`` (a decoded cursor, oldest first only) the page starts after that comment by the index
    (keyset pagination), so a deep page costs what the first does; ``page`` is then only displayed.
    """
    if f.q and f.since is None and f.until is None:
        return _searched(f, page, per_page)
    where = _where(f)
    total = db.session.scalar(select(func.count(Comment.id)).where(*where)) or 0
    order = (
        (Comment.submitted_at.asc(), Comment.id.asc())
        if oldest_first
        else (Comment.submitted_at.desc(), Comment.id.desc())
    )
    query = (
        select(Comment)
        .where(*where)
        .options(selectinload(Comment.decision), selectinload(Comment.draft))
        .order_by(*order)
        .limit(per_page + 1)  # one more tells whether a next page exists
    )
    if after is not None and oldest_first:
        query = query.where(tuple_(Comment.submitted_at, Comment.id) > tuple_(*after))
    else:
        query = query.offset((page - 1) * per_page)
    rows = list(db.session.scalars(query).all())
    return StaffPage(rows[:per_page], page, per_page, total, more=len(rows) > per_page)


def _searched(f: CommentFilter, page: int, per_page: int) -> StaffPage:
    """With words to find: the search index ranks and filters; the page's comments come from the database."""

    ids, total = staff_search(
        f.q,
        draft_slug=f.draft_slug,
        article_id=f.article_id,
        status=f.status,
        channel=f.channel,
        contact_point=f.contact_point,
        page=page,
        per_page=per_page,
    )
    found = {
        c.id: c
        for c in db.session.scalars(
            select(Comment)
            .where(Comment.id.in_(ids))
            .options(selectinload(Comment.decision), selectinload(Comment.draft))
        )
    }
    rows = [found[i] for i in ids if i in found]
    return StaffPage(rows, page, per_page, total, more=page * per_page < total)


def article_labels(comments: list[Comment]) -> dict[int, str]:
    """Current printed labels of the articles the comments are on."""
    ids = {c.article_id for c in comments if c.article_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(ArticleText.article_id, ArticleText.label, ArticleText.version_id)
        .where(ArticleText.article_id.in_(ids))
        .order_by(ArticleText.version_id)
    ).all()
    return {article_id: label for article_id, label, _ in rows}  # the newest version's label wins


def contact_point_slugs(comments: list[Comment]) -> dict[int, str]:
    """Slugs of the contact points the comments came through."""
    ids = {c.contact_point_id for c in comments if c.contact_point_id}
    if not ids:
        return {}
    return dict(
        db.session.execute(select(ContactPoint.id, ContactPoint.slug).where(ContactPoint.id.in_(ids))).all()
    )
