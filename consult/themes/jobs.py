"""Staff's recomputation of a draft's themes as a background job (issue 16, at volume: 100,000 comments
took about 120 s, longer than a request may take).

The button queues a ``theme_job`` (``request_rebuild``), in the same transaction as its audit row; a second
press while one waits or runs gets that job (a partial unique index: at most one per draft). ``run_jobs``
runs the queued jobs one at a time under a single-writer lock (a PostgreSQL advisory lock, or a file lock
in the instance folder), in the web process's background thread (``THEME_JOBS_INLINE``, as export jobs
do) or in ``flask --app consult themes worker``. A job computes every article before it writes (build.py),
so the old themes stay until the new ones replace them; staff's renames, merges and moves are kept as in
any recomputation. Progress (articles computed of all) is written on a connection of its own; a failure
marks the job failed with a Chinese reason (one while computing leaves the old themes as they were).
``flask --app consult themes rebuild`` still computes at once (operations.rebuild_themes).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from consult import audit
from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.drafts.queries import by_slug
from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.job_queue import run_queued
from consult.locks import single_process
from consult.models import Draft, ThemeJob, User
from consult.search.background import start_in_background
from consult.themes.build import build_draft

if TYPE_CHECKING:
    from consult.context import RequestContext

ADVISORY_KEY = 7_204_431_802  # any fixed number: "the themes writer"
WAITING = ("queued", "running")
log = logging.getLogger(__name__)


def _waiting(session, draft_id: int) -> ThemeJob | None:
    return session.scalar(select(ThemeJob).where(ThemeJob.draft_id == draft_id, ThemeJob.state.in_(WAITING)))


def request_rebuild(actor: User, ctx: RequestContext, slug: str) -> tuple[ThemeJob, bool]:
    """Queue the recomputation of a draft's themes; (the job, whether it is new). The job already queued
    or running for the draft when there is one."""
    draft_id = by_slug(slug).id
    end_read()
    try:
        with write_transaction() as session:
            job = _waiting(session, draft_id)
            created = job is None
            if created:
                job = ThemeJob(draft_id=draft_id, requested_by=actor.id, state="queued")
                session.add(job)
                session.flush()
                details = {"job": job.id}
                audit.record(session, actor, ctx, "theme.queue", session.get(Draft, draft_id), details)
    except IntegrityError:  # another press queued one at the very same moment: that one it is
        end_read()
        job, created = _waiting(db.session, draft_id), False
        end_read()
        if job is None:
            raise
    if created and current_app.config["THEME_JOBS_INLINE"]:
        app = current_app._get_current_object()
        # The thread waits for the lock: a worker may have looked for queued jobs just before this one.
        start_in_background(app, "themes:" + app.instance_path, lambda: run_jobs(wait=True))
    return job, created


def latest_job(draft_id: int) -> ThemeJob | None:
    """The draft's latest recomputation job (the themes page shows its state)."""
    return db.session.scalar(
        select(ThemeJob).where(ThemeJob.draft_id == draft_id).order_by(ThemeJob.id.desc()).limit(1)
    )


# ---- the writer: the worker command, or a web process's background thread -----------------------------


def writer_lock(wait: bool = False):
    """Hold the single themes writer's lock while the block runs; yields whether it was taken."""
    postgres = db.engine.dialect.name == "postgresql"
    lock_file = os.path.join(current_app.instance_path, "themes.lock")
    return single_process(postgres, ADVISORY_KEY, lock_file, wait)


def run_jobs(wait: bool = False, limit: int | None = None) -> int:
    """Run the queued jobs (at most ``limit``), oldest first; how many ran."""
    return run_queued(ThemeJob, writer_lock, run_job, restart={"scopes_done": 0}, wait=wait, limit=limit)


def run_job(job_id: int) -> None:
    """Recompute one job's draft, with its progress; done with what it found, or failed with a reason."""
    with write_transaction() as session:
        job = session.get(ThemeJob, job_id)
        if job is None or job.state != "queued":
            return
        job.state, job.started_at, job.scopes_done = "running", utcnow(), 0
        draft_id = job.draft_id
    try:
        if db.session.get(Draft, draft_id) is None:
            raise NotFound(_("草案不存在"))
        end_read()
        result = build_draft(draft_id, progress=lambda done, total: _progress(job_id, done, total))
        with write_transaction() as session:
            job = session.get(ThemeJob, job_id)
            job.state, job.finished_at = "done", utcnow()
            job.scopes_done = job.scopes_total = result.scopes
            job.themes, job.changed = result.themes, result.changed
            actor = session.get(User, job.requested_by) if job.requested_by else None
            details = {"scopes": result.scopes, "themes": result.themes, "changed": result.changed}
            details["job"] = job_id
            audit.record(session, actor, CLI, "theme.rebuild", session.get(Draft, draft_id), details)
    except Exception as err:
        log.exception("theme job %s failed", job_id)
        end_read()
        why = getattr(err, "message", None) or _("计算时出错（%(kind)s）", kind=type(err).__name__)
        with write_transaction() as session:
            session.execute(
                update(ThemeJob)
                .where(ThemeJob.id == job_id)
                .values(
                    state="failed",
                    finished_at=utcnow(),
                    error=_("重新计算意见主题失败：%(why)s。请重试，如仍失败请联系管理员。", why=why),
                )
            )


def _progress(job_id: int, done: int, total: int) -> None:
    """Record a running job's progress on a connection of its own (no transaction of the job is open)."""
    table = ThemeJob.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == job_id).values(scopes_done=done, scopes_total=total))
