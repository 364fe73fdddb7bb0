"""Draining the search outbox: one writer at a time, idempotent, nothing lost.

Each outbox row names a target (a comment, a draft, or ``all``); the drain reads the
target from the database as it is now and indexes or removes its documents, then marks the rows done.
A crash between indexing and marking only means the rows are drained again. One writer at a time: a
file lock beside the Whoosh index (one machine), or a PostgreSQL advisory lock for the postgres backend.
A drain that cannot take the lock leaves the rows to the one that holds it (or to the next drain).

A draft's row re-indexes its articles; only when what its comments' documents take from it changed
(published, comments shown: events.py) also its comments, ``JOB_BATCH`` per round, the cursor kept in
the row's payload (``_DraftPlan``): every round also takes the rows queued since, so a draft of a
million comments never holds a new comment back more than one batch. A request's drain stops after
``INLINE_BUDGET``; the background thread drains the rest.

A Whoosh write that withdraws text marks the old copy deleted at once and records its key; the
segment still holding it is rewritten later, one per ``rewrite_step`` under the same lock
(whoosh_withdrawal.py): by `search worker` after each drain, or, when the drain runs inline, by a
background thread of the process (``catch_up`` in consult/search/background.py's thread), started
after the request's drain so the request returns at once. Both interleave: drain, one segment,
drain again… so new comments wait for one segment's rewrite at most.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass

import click
from flask import current_app
from sqlalchemy import func, select, update

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.locks import single_process
from consult.models import Article, Comment, OutboxEvent
from consult.search.background import start_in_background
from consult.search.documents import all_docs, article_docs, comment_docs
from consult.search.events import PENDING
from consult.search.service import backend

BATCH = 500
INLINE_BUDGET = 5.0  # seconds a request's own drain may take; the rest goes on in the background
JOB_BATCH = 1000  # comments of a draft re-indexed per round (see _DraftPlan)
SEARCH_KINDS = ("search.index", "search.remove")  # the outbox rows this drain takes
ADVISORY_KEY = 7_204_431_553  # any fixed number: "the search writer"
_local = threading.local()


@dataclass
class Drained:
    """What one drain did."""

    events: int = 0
    indexed: int = 0
    removed: int = 0
    locked_out: bool = False
    left_over: bool = False  # the budget ran out with rows perhaps still pending


def writer_lock(wait: bool = False) -> contextlib.AbstractContextManager[bool]:
    """Hold the single-writer lock while the block runs; yields whether it was taken."""
    cfg = current_app.config
    path = cfg["SEARCH_INDEX_DIR"].rstrip("/") + ".lock"
    return single_process(cfg["SEARCH_BACKEND"] == "postgres", ADVISORY_KEY, path, wait)


def pending_count() -> int:
    """Search rows not yet drained: counted by the database (it loaded every pending row as an object,
    a million after a large import)."""
    try:
        return db.session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.processed_at.is_(None), OutboxEvent.kind.in_(SEARCH_KINDS))
        )
    finally:
        end_read()


def _pending(limit: int) -> list[OutboxEvent]:
    return db.session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.processed_at.is_(None), OutboxEvent.kind.in_(SEARCH_KINDS))
        .order_by(OutboxEvent.id)
        .limit(limit)
    ).all()


def drain(wait: bool = False, budget_seconds: float | None = None) -> Drained:
    """Drain every pending search row (or until the budget is spent); never two writers at once."""
    result = Drained()
    if getattr(_local, "draining", False):
        return result  # the drain's own commits must not start another drain
    _local.draining = True
    try:
        end_read()
        with writer_lock(wait) as got:
            if not got:
                result.locked_out = True
                return result
            started = time.monotonic()
            while True:
                if budget_seconds is not None and time.monotonic() - started >= budget_seconds:
                    result.left_over = True
                    break
                events = _pending(BATCH)
                if not events:
                    break
                _apply(events, result)
    finally:
        _local.draining = False
        end_read()
    return result


def _apply(events: list[OutboxEvent], result: Drained) -> None:
    targets: dict[str, set[int]] = {}
    for event in events:
        if event.target_type != "draft":
            targets.setdefault(event.target_type, set()).add(event.target_id)
    plan = _DraftPlan(events)
    targets["draft"] = plan.articles
    end_read()
    engine = backend()
    try:
        if "all" in targets:
            result.indexed += engine.rebuild(all_docs())
            plan = _DraftPlan([])
        else:
            batch = list(plan.comment_batch())
            result.indexed += engine.index([*_docs(targets), *batch[:JOB_BATCH]])
            gone = _gone(targets)
            result.removed += engine.remove(gone) if gone else 0
            plan.advance(batch)
    except Exception as err:
        end_read()
        with write_transaction() as session:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_([event.id for event in events]))
                .values(attempts=OutboxEvent.attempts + 1, last_error=str(err)[:2000])
            )
        raise
    end_read()
    done = [event.id for event in events if event.id not in plan.waiting]
    with write_transaction() as session:
        session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(done)).values(processed_at=utcnow()))
        if plan.cursor is not None:
            payload = {**plan.payload, "after": plan.cursor}
            session.execute(update(OutboxEvent).where(OutboxEvent.id == plan.job).values(payload=payload))
    result.events += len(done)


class _DraftPlan:
    """What a round does for the draft rows among its events.

    A row marked ``articles_only`` (events.py) indexes the draft's articles. Any other draft row is a
    job: the draft's articles, then its comments, ``JOB_BATCH`` per round, resumed from the last
    comment id done (``after`` in the row's payload, written in the same transaction that marks the
    round's other rows done); the row is marked done with its last batch. One job runs per round, so
    the rows queued after it (a new comment) wait one batch at most. Of several jobs for one draft
    only the newest runs (it reads every comment after the older ones were queued): the older ones
    are done at once. The jobs of other drafts wait, untouched, for their turn."""

    def __init__(self, events: list[OutboxEvent]):
        self.articles: set[int] = set()
        jobs: dict[int, OutboxEvent] = {}
        for event in events:
            if event.target_type != "draft":
                continue
            if (event.payload or {}).get("articles_only"):
                self.articles.add(event.target_id)
            else:
                jobs[event.target_id] = event  # the newest row of the draft wins (events come in id order)
        running = min(jobs.values(), key=lambda event: event.id, default=None)
        # pending after this round: the jobs not yet started, and the running one until its last batch
        self.waiting = {event.id for event in jobs.values()}
        self.job: int | None = None
        self.draft: int | None = None
        self.payload: dict = {}
        self.after = 0
        self.cursor: int | None = None
        if running is not None:
            self.job, self.draft = running.id, running.target_id
            self.payload = dict(running.payload or {})
            self.after = int(self.payload.get("after", 0))
            if not self.after:
                self.articles.add(self.draft)  # the job's first round

    def comment_batch(self):
        """The job's next batch of comment documents, and one more to tell whether it ends there."""
        if self.draft is None:
            return iter(())
        return comment_docs(Comment.draft_id == self.draft, after=self.after, limit=JOB_BATCH + 1)

    def advance(self, batch: list) -> None:
        """After the batch is written: the cursor to resume from, or the job is done."""
        if self.job is None:
            return
        if len(batch) > JOB_BATCH:
            self.cursor = batch[JOB_BATCH - 1].id
        else:
            self.waiting.discard(self.job)


def _docs(targets: dict[str, set[int]]):
    """Documents of the rows' comments and of the drafts' articles (a draft's comments: _DraftPlan)."""
    drafts = sorted(targets.get("draft", ()))
    if drafts:
        yield from article_docs(drafts)
    comments = sorted(targets.get("comment", ()))
    for start in range(0, len(comments), BATCH):
        yield from comment_docs(Comment.id.in_(comments[start : start + BATCH]))


def _gone(targets: dict[str, set[int]]) -> list[str]:
    """Keys of targets that no longer exist, and of a draft's articles dropped from its current version."""
    keys: list[str] = []
    comments = sorted(targets.get("comment", ()))
    for start in range(0, len(comments), BATCH):
        chunk = comments[start : start + BATCH]
        existing = set(db.session.scalars(select(Comment.id).where(Comment.id.in_(chunk))))
        keys += [f"comment:{n}" for n in chunk if n not in existing]
    drafts = sorted(targets.get("draft", ()))
    if drafts:
        current = {doc.id for doc in article_docs(drafts)}
        all_articles = db.session.scalars(select(Article.id).where(Article.draft_id.in_(drafts)))
        keys += [f"article:{n}" for n in all_articles if n not in current]
    end_read()
    return keys


def drain_after_commit() -> None:
    """Registered with consult.db.after_commit: under `make run` the index follows each request's commit."""
    session = db.session()
    if not session.info.pop(PENDING, False):
        return
    if not current_app.config["SEARCH_DRAIN_INLINE"] or click.get_current_context(silent=True) is not None:
        # Commands (seed-demo, intake import) leave the rows to `search worker`: indexing 50,000 seeded
        # comments one commit at a time would hold the command for minutes.
        return
    # A context of its own gives the drain its own database session: the caller's objects stay loaded
    # (the drain's reads end with a rollback, which would expire them) and its transaction untouched.
    with current_app.app_context():
        result = drain(budget_seconds=INLINE_BUDGET)
        if result.locked_out:
            # The holder may have made its last check before our rows were committed: look once more.
            time.sleep(0.05)
            result = drain(budget_seconds=INLINE_BUDGET)
        # Held longer (a segment's rewrite), or more than the budget (a draft's comments re-indexed
        # a batch per round): the background thread drains the rest, so the request returns.
        if result.locked_out or result.left_over or rewrites_pending():
            app = current_app._get_current_object()
            start_in_background(app, current_app.config["SEARCH_INDEX_DIR"], catch_up)


def rewrite_step(wait: bool = True) -> bool:
    """Rewrite one index segment that still holds withdrawn text, under the single-writer lock; True
    if one was (more may be left), False when none is left (or the lock was taken, with ``wait`` off)."""
    step = getattr(backend(), "rewrite_step", None)  # Whoosh's; PostgreSQL has no segments to rewrite
    if step is None or not rewrites_pending():  # a file read: the idle worker takes no lock every second
        return False
    with writer_lock(wait) as got:
        return bool(got) and step()


def rewrites_pending() -> int:
    """Withdrawn documents whose old copy still waits for a segment rewrite (Whoosh; 0 otherwise)."""
    count = getattr(backend(), "rewrites_pending", None)  # Whoosh's, as above
    return count() if count is not None else 0


def catch_up() -> None:
    """Drain, rewrite one segment, drain again… until no rewrite is left (the background thread's
    work, and `search check --repair`'s). A failed drain (recorded on its rows) does not stop the
    rewrites: withdrawn text leaves the files whatever else is late."""
    while True:
        try:
            drain(wait=True)
        except Exception:
            current_app.logger.exception("search drain failed; its rows stay pending")
        if not rewrite_step():
            return
