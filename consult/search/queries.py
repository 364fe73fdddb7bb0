"""Searching as the public and as staff; public hits are checked against the database before they show."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select

from consult.db import end_read
from consult.extensions import db
from consult.models import ArticleText, Comment, ContactPoint, Draft
from consult.paging import Page
from consult.search.base import Query
from consult.search.service import backend

QUERY_MAX = 200
PER_PAGE = 20
# Deeper pages rank more candidates (page × per_page): search pages stop here, on the pages and in the API.
SEARCH_PAGE_MAX = 10_000


@dataclass(frozen=True)
class PublicPage(Page):
    """A page of public hits; ``partial`` when nothing matched every term and these match some."""

    partial: bool = False
    estimated: bool = False  # the total is an estimate ("约"), not a count


@dataclass(frozen=True)
class PublicHit:
    """A result as the public page and the JSON show it."""

    kind: str
    id: int
    draft_slug: str
    draft_title: str
    article_id: int | None
    article_label: str | None
    snippet: Markup


def clean_query(raw: str | None) -> str:
    """What was typed, trimmed and bounded (an over-long query is cut, not refused)."""
    return " ".join((raw or "").split())[:QUERY_MAX]


def public_search(q: str, draft_slug: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Articles of public drafts and published comments matching ``q``, best first."""
    q = clean_query(q)
    if not q:
        return PublicPage([], page, per_page, 0)
    draft_id = None
    if draft_slug:
        draft_id = db.session.scalar(select(Draft.id).where(Draft.slug == draft_slug, Draft.is_public))
        if draft_id is None:
            return PublicPage([], page, per_page, 0)
    end_read()
    found = backend().search(Query(text=q, public_only=True, draft_id=draft_id, page=page, per_page=per_page))
    return PublicPage(
        _checked(found.hits), page, per_page, found.total, partial=found.partial, estimated=found.estimated
    )


def _checked(hits) -> list[PublicHit]:
    """Keep only hits the database still allows the public to see (the index may lag by a drain)."""
    drafts = {
        d.id: d
        for d in db.session.scalars(
            select(Draft).where(Draft.id.in_({h.draft_id for h in hits}), Draft.is_public)
        )
    }
    comment_ids = [h.id for h in hits if h.kind == "comment"]
    comments = {
        c.id: c
        for c in db.session.scalars(
            select(Comment).where(Comment.id.in_(comment_ids), Comment.status == "published")
        )
    }
    current = {d.id: d.current_version.id for d in drafts.values() if d.current_version}
    article_ids = {h.id for h in hits if h.kind == "article"} | {
        c.article_id for c in comments.values() if c.article_id
    }
    labels = {
        (t.version_id, t.article_id): t.label
        for t in db.session.scalars(
            select(ArticleText).where(
                ArticleText.article_id.in_(article_ids), ArticleText.version_id.in_(current.values())
            )
        )
    }
    result = []
    for hit in hits:
        draft = drafts.get(hit.draft_id)
        if draft is None:
            continue
        if hit.kind == "article":
            label = labels.get((current.get(draft.id), hit.id))
            if label is None:
                continue  # no longer in the current version
            article_id = hit.id
        else:
            comment = comments.get(hit.id)
            if comment is None or comment.draft_id != draft.id or not draft.show_comments:
                continue
            article_id = comment.article_id
            label = labels.get((current.get(draft.id), article_id)) if article_id else None
        result.append(
            PublicHit(hit.kind, hit.id, draft.slug, draft.title, article_id, label, Markup(hit.snippet))
        )
    end_read()
    return result


def staff_search(
    q: str,
    *,
    draft_slug: str | None = None,
    article_id: int | None = None,
    status: str | None = None,
    channel: str | None = None,
    contact_point: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[int], int]:
    """Comment ids (best first) and the total, every comment searchable, filtered inside the index."""
    draft_id = point_id = None
    if draft_slug:
        draft_id = db.session.scalar(select(Draft.id).where(Draft.slug == draft_slug))
        if draft_id is None:
            return [], 0
    if contact_point:
        point_id = db.session.scalar(select(ContactPoint.id).where(ContactPoint.slug == contact_point))
        if point_id is None:
            return [], 0
    end_read()
    found = backend().search(
        Query(
            text=clean_query(q),
            public_only=False,
            kind="comment",
            draft_id=draft_id,
            article_id=article_id,
            status=status,
            channel=channel,
            contact_point_id=point_id,
            page=page,
            per_page=per_page,
        )
    )
    return [hit.id for hit in found.hits], found.total
