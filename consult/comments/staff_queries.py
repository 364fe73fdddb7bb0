"""Reads for the staff workspace: every comment, with filters and stable pagination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.comments.queries import Page
from consult.extensions import db
from consult.models import ArticleText, Comment, ContactPoint, Draft


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
        # A plain substring filter until full-text search lands (issue 6); case-insensitive on both databases.
        where.append(func.lower(Comment.body).contains(f.q.lower(), autoescape=True))
    if f.since:
        where.append(Comment.submitted_at >= f.since)
    if f.until:
        where.append(Comment.submitted_at < f.until)
    return where


def staff_comments(f: CommentFilter, page: int = 1, per_page: int = 50, oldest_first: bool = True) -> Page:
    """Every comment matching the filter; the moderation queue reads oldest first."""
    where = _where(f)
    total = db.session.scalar(select(func.count(Comment.id)).where(*where)) or 0
    order = (
        (Comment.submitted_at.asc(), Comment.id.asc())
        if oldest_first
        else (Comment.submitted_at.desc(), Comment.id.desc())
    )
    rows = db.session.scalars(
        select(Comment)
        .where(*where)
        .options(selectinload(Comment.decision), selectinload(Comment.draft))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), page, per_page, total)


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
