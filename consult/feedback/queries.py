"""Reads of the published feedback: the latest publication of a draft and the decisions it froze."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.models import Draft, FeedbackPublication, PublishedDecision


def latest_publication(session: Session, draft_id: int) -> FeedbackPublication | None:
    """The draft's newest feedback publication, or None before the first."""
    return session.scalars(
        select(FeedbackPublication)
        .where(FeedbackPublication.draft_id == draft_id)
        .order_by(FeedbackPublication.number.desc())
        .limit(1)
    ).first()


def publications(session: Session, draft_id: int) -> list[FeedbackPublication]:
    """Every publication of the draft's feedback, the first first."""
    return list(
        session.scalars(
            select(FeedbackPublication)
            .where(FeedbackPublication.draft_id == draft_id)
            .order_by(FeedbackPublication.number)
        )
    )


def published_decisions(session: Session, publication_id: int) -> dict[int, PublishedDecision]:
    """The decisions a publication froze, by comment id."""
    query = select(PublishedDecision).where(PublishedDecision.publication_id == publication_id)
    rows = session.scalars(query)
    return {row.comment_id: row for row in rows}


def published_decision_for(session: Session, comment_id: int, draft_id: int) -> PublishedDecision | None:
    """The decision on one comment as the draft's latest publication froze it (None: none, or not yet)."""
    latest = latest_publication(session, draft_id)
    if latest is None:
        return None
    return session.scalars(
        select(PublishedDecision).where(
            PublishedDecision.publication_id == latest.id, PublishedDecision.comment_id == comment_id
        )
    ).first()


def public_decisions(session: Session, draft: Draft, comment_ids: list[int]) -> dict[int, PublishedDecision]:
    """The published decisions on some of a draft's comments (empty, with no query, before the first)."""
    if draft.feedback_published_at is None or not comment_ids:
        return {}
    latest = latest_publication(session, draft.id)
    if latest is None or not comment_ids:
        return {}
    rows = session.scalars(
        select(PublishedDecision).where(
            PublishedDecision.publication_id == latest.id, PublishedDecision.comment_id.in_(comment_ids)
        )
    )
    return {row.comment_id: row for row in rows}
