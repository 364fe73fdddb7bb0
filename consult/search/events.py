"""Outbox rows for the search index, written in the same transaction as the change that needs them.

Session events see every ORM change: a comment added, changed or deleted queues ``search.index`` for it;
a change to a draft, its versions or article texts queues one for the draft (its articles, and whether
its comments are public). Core bulk statements (the intake import) queue their own rows
(see ``queue``). The drain (consult/search/service.py) reads the database again, so a row only says
"look at this again", and draining it twice does no harm.
"""

from __future__ import annotations

from sqlalchemy import JSON, event, insert, literal, select
from sqlalchemy.orm import Session

from consult.clock import utcnow
from consult.models import ArticleText, Comment, Draft, DraftVersion, OutboxEvent
from consult.models.types import UTCDateTime

PENDING = "search_pending"  # Session.info flag: this transaction queued search work


def queue(session: Session, target_type: str, target_id: int) -> None:
    """Queue one target explicitly (for Core statements the session events cannot see)."""
    session.add(OutboxEvent(kind="search.index", target_type=target_type, target_id=target_id))
    session.info[PENDING] = True


def queue_comments_of_batch(session: Session, batch_id: int) -> None:
    """One row per comment of an intake batch (one INSERT … SELECT), so a drain can take them in
    bounded slices instead of indexing a whole 100,000-row batch in one go after the request."""
    session.execute(
        insert(OutboxEvent).from_select(
            ["kind", "target_type", "target_id", "payload", "created_at", "attempts"],
            select(
                literal("search.index"),
                literal("comment"),
                Comment.id,
                literal({}, JSON),
                literal(utcnow(), UTCDateTime),
                literal(0),
            ).where(Comment.batch_id == batch_id),
        )
    )
    session.info[PENDING] = True


def _targets(session: Session) -> set[tuple[str, int]]:
    targets: set[tuple[str, int]] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Comment) and obj.id is not None:
            targets.add(("comment", obj.id))
        elif isinstance(obj, Draft) and obj.id is not None:
            targets.add(("draft", obj.id))
        elif isinstance(obj, (DraftVersion, ArticleText)):
            draft_id = obj.draft_id if isinstance(obj, DraftVersion) else _draft_of_text(session, obj)
            if draft_id is not None:
                targets.add(("draft", draft_id))
    return targets


def _draft_of_text(session: Session, text: ArticleText) -> int | None:
    version = text.__dict__.get("version")
    if version is not None:
        return version.draft_id
    # A Core read on the flushing connection: no ORM load (and no autoflush) inside the flush event.
    query = select(DraftVersion.draft_id).where(DraftVersion.id == text.version_id)
    return session.connection().scalar(query)


def _after_flush(session: Session, flush_context) -> None:
    for target_type, target_id in _targets(session):
        queue(session, target_type, target_id)


def track_search_changes() -> None:
    """Register the session event once per process."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
