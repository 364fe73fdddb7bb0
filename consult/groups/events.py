"""Outbox rows for the grouping, written in the same transaction as the comment change that needs them.

A comment added, deleted, or changed in what grouping depends on (draft, article, status) queues one
``groups.update`` row for it, with the scope it was in before (``payload``: draft and article key), so
the drain (drain.py) can take it out of that scope too. An intake batch, written with Core statements
the session events cannot see, queues one row for the batch (``queue_batch``); a bulk status change (a
group moderated at once) queues one row per comment it changes (``queue_status_change``).
"""

from __future__ import annotations

from sqlalchemy import JSON, ColumnElement, event, func, insert, literal, select
from sqlalchemy.orm import Session, attributes

from consult.clock import utcnow
from consult.models import Comment, OutboxEvent
from consult.models.counts import GENERAL
from consult.models.types import UTCDateTime

KIND = "groups.update"
PENDING = "groups_pending"  # Session.info flag: this transaction queued grouping work
WATCHED = ("draft_id", "article_id", "status")


def scope_key(article_id: int | None) -> int:
    """The article key of a scope: the article's id, or GENERAL (0) for the draft as a whole."""
    return GENERAL if article_id is None else article_id


def queue(session: Session, target_type: str, target_id: int, payload: dict | None = None) -> None:
    """Queue grouping work for a comment or an intake batch."""
    session.add(OutboxEvent(kind=KIND, target_type=target_type, target_id=target_id, payload=payload or {}))
    session.info[PENDING] = True


def queue_batch(session: Session, batch_id: int) -> None:
    """Queue the comments of an intake batch (inserted with Core statements)."""
    queue(session, "batch", batch_id)


def queue_status_change(session: Session, where: ColumnElement[bool]) -> None:
    """One row per comment matching ``where``, run before a bulk UPDATE of their status (one INSERT …
    SELECT): each with the scope it is in, as the session event gives a comment whose status changed."""
    builder = func.json_build_object if session.get_bind().dialect.name == "postgresql" else func.json_object
    scope = builder(
        "draft_id", Comment.draft_id, "article_key", func.coalesce(Comment.article_id, GENERAL), type_=JSON
    )
    session.execute(
        insert(OutboxEvent).from_select(
            ["kind", "target_type", "target_id", "payload", "created_at", "attempts"],
            select(
                literal(KIND),
                literal("comment"),
                Comment.id,
                scope,
                literal(utcnow(), UTCDateTime),
                literal(0),
            ).where(where),
        )
    )
    session.info[PENDING] = True


def _before(obj: Comment, attr: str):
    history = attributes.get_history(obj, attr, passive=attributes.PASSIVE_NO_INITIALIZE)
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, attr)


def _after_flush(session: Session, flush_context) -> None:
    for obj in session.new:
        if isinstance(obj, Comment) and obj.id is not None:
            queue(session, "comment", obj.id)
    for obj in session.dirty:
        if isinstance(obj, Comment) and obj.id is not None:
            changed = any(
                attributes.get_history(obj, a, passive=attributes.PASSIVE_NO_INITIALIZE).added
                for a in WATCHED
            )
            if changed:
                was = {
                    "draft_id": _before(obj, "draft_id"),
                    "article_key": scope_key(_before(obj, "article_id")),
                }
                queue(session, "comment", obj.id, was)
    for obj in session.deleted:
        if isinstance(obj, Comment) and obj.id is not None:
            queue(
                session,
                "comment",
                obj.id,
                {"draft_id": obj.draft_id, "article_key": scope_key(obj.article_id)},
            )


def track_group_changes() -> None:
    """Register the session event once per process."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
