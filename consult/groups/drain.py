"""Draining the grouping's outbox rows: one writer at a time, idempotent, nothing lost.

Each ``groups.update`` row names a comment (or an intake batch, whose comments are taken in chunks);
the drain reads the comment as it is now and brings its grouping up to date (ingest.update_comment),
one row per write transaction, then marks the row done in that same transaction. A failed row keeps
its attempt count and error and is tried again by the next drain. One writer at a time (a file lock
in the instance folder, or a PostgreSQL advisory lock), which staff's changes to groups take too
(operations.py), so a recomputation never interleaves with a split or a merge.

Under `make run` the rows are drained after each commit (``GROUPS_DRAIN_INLINE``); in production
`flask --app consult groups worker` drains them.
"""

from __future__ import annotations

import contextlib
import os
import threading

import click
from flask import current_app
from sqlalchemy import select, update

from consult.changes import bump
from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.groups.events import KIND, PENDING
from consult.groups.ingest import CHUNK, update_comment
from consult.locks import single_process
from consult.models import Comment, OutboxEvent

BATCH = 200
ADVISORY_KEY = 7_204_431_716  # any fixed number: "the grouping writer"
_local = threading.local()


def writer_lock(wait: bool = True) -> contextlib.AbstractContextManager[bool]:
    """Hold the grouping's single-writer lock while the block runs; yields whether it was taken."""
    cfg = current_app.config
    postgres = db.engine.dialect.name == "postgresql"
    return single_process(postgres, ADVISORY_KEY, os.path.join(cfg["INSTANCE_PATH"], "groups.lock"), wait)


def pending() -> list[OutboxEvent]:
    """Grouping rows not yet drained, oldest first (at most BATCH)."""
    return db.session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.processed_at.is_(None), OutboxEvent.kind == KIND)
        .order_by(OutboxEvent.id)
        .limit(BATCH)
    ).all()


def drain(wait: bool = False) -> int:
    """Drain every pending grouping row; the number drained (0 also when another writer holds the lock)."""
    if getattr(_local, "draining", False):
        return 0  # the drain's own commits must not start another drain
    _local.draining = True
    done = 0
    try:
        end_read()
        with writer_lock(wait) as got:
            if not got:
                return 0
            while True:
                rows = [(e.id, e.target_type, e.target_id, dict(e.payload or {})) for e in pending()]
                end_read()
                if not rows:
                    break
                for row in rows:
                    _apply(*row)
                    done += 1
    finally:
        _local.draining = False
        end_read()
    return done


def _apply(event_id: int, target_type: str, target_id: int, payload: dict) -> None:
    try:
        if target_type == "batch":
            ids = db.session.scalars(
                select(Comment.id).where(Comment.batch_id == target_id).order_by(Comment.id)
            ).all()
            end_read()
            for start in range(0, len(ids), CHUNK):
                with write_transaction() as session:
                    for comment_id in ids[start : start + CHUNK]:
                        update_comment(session, comment_id)
                    bump(session)
        with write_transaction() as session:
            if target_type == "comment":
                was = (payload["draft_id"], payload["article_key"]) if "draft_id" in payload else None
                update_comment(session, target_id, was)
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id == event_id).values(processed_at=utcnow())
            )
            bump(session)  # the staff queue's cached answers show each comment's group
    except Exception as err:
        end_read()
        with write_transaction() as session:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id)
                .values(attempts=OutboxEvent.attempts + 1, last_error=str(err)[:2000])
            )
        raise


def drain_after_commit() -> None:
    """Registered with consult.db.after_commit: under `make run` the groups follow each request's commit."""
    session = db.session()
    if not session.info.pop(PENDING, False):
        return
    if not current_app.config["GROUPS_DRAIN_INLINE"] or click.get_current_context(silent=True) is not None:
        return  # commands (seed-demo, intake import) leave the rows to `groups worker` or a rebuild
    with current_app.app_context():  # its own session: the caller's objects and transaction untouched
        try:
            drain()
        except Exception:
            current_app.logger.exception("grouping drain failed; its rows stay pending")
