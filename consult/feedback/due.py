"""The outbox rows a sender's chunk still has to send: the one read every composer starts from."""

from __future__ import annotations

from sqlalchemy import select

from consult.extensions import db
from consult.models import OutboxEvent


def due_events(ids: list[int]) -> list[OutboxEvent]:
    """The chunk's rows not yet processed (another worker may have sent some meanwhile), in id order."""
    return list(
        db.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.id.in_(ids), OutboxEvent.processed_at.is_(None))
            .order_by(OutboxEvent.id)
        )
    )
