"""Draining the grouping's outbox rows: one writer at a time, idempotent, nothing lost.

Each ``groups.update`` row names a comment (or an intake batch, whose comments are taken in chunks);
the drain reads the comment as it is now and brings its grouping up to date (ingest.update_comment),
one row per write transaction, then marks the row done in that same transaction. A failed row keeps
its attempt count and error and is tried again (``MAX_ATTEMPTS`` in all); the other rows go on. One
writer at a time (a file lock in the instance folder, or a PostgreSQL advisory lock), which staff's
changes to groups take too (operations.py), so a recomputation never interleaves with a split or a merge.

Under `make run` the rows are drained after each commit (``GROUPS_DRAIN_INLINE``) for at most
``INLINE_BUDGET``, the rest in a background thread (search's, consult/search/background.py); or
`flask --app consult groups worker` drains them.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

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
from consult.search.background import start_in_background

BATCH = 200
MAX_ATTEMPTS = 5  # a row that failed this often is left for a look (its last_error says why) and a rebuild
INLINE_BUDGET = 2.0  # seconds a request's own drain may take; the rest goes on in a background thread
ADVISORY_KEY = 7_204_431_716  # any fixed number: "the grouping writer"
_local = threading.local()


def writer_lock(wait: bool = True) -> contextlib.AbstractContextManager[bool]:
    """Hold the grouping's single-writer lock while the block runs; yields whether it was taken."""
    postgres = db.engine.dialect.name == "postgresql"
    # app.instance_path: the INSTANCE_PATH setting exists only when given (tests, CONSULT_INSTANCE_PATH)
    lock_file = os.path.join(current_app.instance_path, "groups.lock")
    return single_process(postgres, ADVISORY_KEY, lock_file, wait)


def pending() -> list[OutboxEvent]:
    """Grouping rows not yet drained, oldest first (at most BATCH)."""
    return db.session.scalars(
        select(OutboxEvent)
        .where(
            OutboxEvent.processed_at.is_(None), OutboxEvent.kind == KIND, OutboxEvent.attempts < MAX_ATTEMPTS
        )
        .order_by(OutboxEvent.id)
        .limit(BATCH)
    ).all()


def drain(wait: bool = False, budget_seconds: float | None = None) -> int:
    """Drain every pending grouping row (or until the budget is spent); the number drained (0 also when
    another writer holds the lock)."""
    if getattr(_local, "draining", False):
        return 0  # the drain's own commits must not start another drain
    _local.draining = True
    done = 0
    try:
        end_read()
        with writer_lock(wait) as got:
            if not got:
                return 0
            started = time.monotonic()
            while budget_seconds is None or time.monotonic() - started < budget_seconds:
                rows = [(e.id, e.target_type, e.target_id, dict(e.payload or {})) for e in pending()]
                end_read()
                if not rows:
                    break
                failed = False
                for row in rows:
                    failed |= not _apply(*row)
                    done += 1
                if len(rows) < BATCH and not failed:
                    # That was all there was: no second look for more (a row queued since then, by
                    # another process, is drained by that process's commit or its background thread).
                    break
    finally:
        _local.draining = False
        end_read()
    return done


def _apply(event_id: int, target_type: str, target_id: int, payload: dict) -> bool:
    """Drain one row; whether it succeeded (a failed one is recorded on the row and tried again)."""
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
        return True
    except Exception as err:  # recorded on the row, which is tried again; the other rows go on
        current_app.logger.exception("grouping of %s %s failed", target_type, target_id)
        end_read()
        with write_transaction() as session:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id)
                .values(attempts=OutboxEvent.attempts + 1, last_error=str(err)[:2000])
            )
        return False


def drain_after_commit() -> None:
    """Registered with consult.db.after_commit: under `make run` the groups follow each request's commit."""
    session = db.session()
    if not session.info.pop(PENDING, False):
        return
    if not current_app.config["GROUPS_DRAIN_INLINE"] or click.get_current_context(silent=True) is not None:
        return  # commands (seed-demo, intake import) leave the rows to `groups worker` or a rebuild
    with current_app.app_context():  # its own session: the caller's objects and transaction untouched
        try:
            drain(budget_seconds=INLINE_BUDGET)
        except Exception:
            current_app.logger.exception("grouping drain failed; its rows stay pending")
        if _left_over():
            # Rows queued by commands (seed-demo, an import from the command line) or more than the
            # budget: a background thread drains them, so the request returns.
            app = current_app._get_current_object()
            start_in_background(app, "groups:" + app.instance_path, lambda: drain(wait=True))


def _left_over() -> bool:
    try:
        return bool(pending())
    finally:
        end_read()
