"""Reads for reaching people off the site: the Atom feeds and the posters of open drafts.

Bounded (FEED_MAX entries, newest first) and made of what is public already: titles, dates, the
staff's revision notes. No comment text, no names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from consult.extensions import db
from consult.models import Draft, FeedbackPublication

FEED_MAX = 50


@dataclass(frozen=True)
class FeedDraft:
    """A public draft as a feed entry or a poster link shows it (plain values, safe to keep)."""

    id: int
    slug: str
    short_code: str
    title: str
    opens_at: datetime | None
    closes_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class FeedPublication:
    """One publication (or revision) of a draft's feedback report."""

    draft: FeedDraft
    number: int
    published_at: datetime
    revision_note: str


def _plain(draft: Draft) -> FeedDraft:
    return FeedDraft(
        draft.id, draft.slug, draft.short_code, draft.title, draft.opens_at, draft.closes_at, draft.created_at
    )


def opened_drafts(now: datetime, limit: int | None = None) -> list[FeedDraft]:
    """Published drafts whose consultation has opened, the most recently opened first."""
    rows = db.session.scalars(
        select(Draft)
        .where(Draft.is_public, Draft.opens_at.is_not(None), Draft.opens_at <= now)
        .order_by(Draft.opens_at.desc(), Draft.id.desc())
        .limit(limit or FEED_MAX)
    )
    return [_plain(d) for d in rows]


def open_drafts(now: datetime) -> list[FeedDraft]:
    """Drafts open for comment now, closing soonest first (the posters a contact point can print)."""
    rows = db.session.scalars(
        select(Draft)
        .where(
            Draft.is_public,
            Draft.feedback_published_at.is_(None),
            Draft.opens_at.is_not(None),
            Draft.opens_at <= now,
            (Draft.closes_at.is_(None)) | (Draft.closes_at > now),
        )
        .order_by(Draft.closes_at, Draft.id)
    )
    return [_plain(d) for d in rows]


def feedback_publications(limit: int | None = None) -> list[FeedPublication]:
    """Publications of feedback reports (first ones and revisions), newest first."""
    rows = db.session.execute(
        select(FeedbackPublication, Draft)
        .join(Draft, Draft.id == FeedbackPublication.draft_id)
        .where(Draft.is_public)
        .order_by(FeedbackPublication.published_at.desc(), FeedbackPublication.id.desc())
        .limit(limit or FEED_MAX)
    ).all()
    return [FeedPublication(_plain(d), p.number, p.published_at, p.revision_note or "") for p, d in rows]
