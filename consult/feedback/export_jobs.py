"""Export jobs (issue 15, point 5): a summary of opinions larger than ``EXPORT_INLINE_MAX_ROWS`` is written
in the background, its progress shown to staff, and downloaded when done.

Asking for an export (``request_export``, every door) counts the comments it would hold from the kept
comment counts (no scan). Up to the threshold the file is answered at once, as before. Above it, a row
of ``export_job`` is written in the same transaction as the audit entry: the job table is the outbox of
this work, as ``outbox_event`` is the search index's. The same person asking again for the same export
while it waits or runs gets the same job.

``run_jobs`` writes the queued jobs one at a time, under a single-writer lock (a PostgreSQL advisory
lock, or a file lock beside the export folder), so the worker (``flask --app consult exports worker``)
and a web process's background thread (``EXPORT_JOBS_INLINE``, as the search drain does under
``make run``) never write the same job. Holding the lock, a job still ``running`` can only be one whose
writer died: it is queued again. The file is written to ``<id>-<random>.<format>.part`` in the export
folder and renamed when complete, so a download never sees half a file. Progress (``rows_done``) is
written every ``PROGRESS_EVERY`` rows on a connection of its own, beside the long read. A failure marks
the job failed with a Chinese reason and removes the partial file.

Files are deleted ``EXPORT_RETENTION_HOURS`` after they were finished, by every run of the worker (and
of the background thread): the job row stays, without its file, and its download says so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from consult import audit
from consult.changes import EXPORTS, bump_on
from consult.clock import utcnow
from consult.context import CLI, RequestContext
from consult.db import end_read, write_transaction
from consult.drafts.queries import by_slug
from consult.errors import Conflict, NotFound
from consult.extensions import db
from consult.i18n import _
from consult.job_queue import run_queued
from consult.locks import single_process
from consult.models import CommentCount, Draft, ExportJob, User
from consult.search.background import start_in_background

from .exports import MIMETYPES, WRITERS, ExportedFile, check_format, check_include, export_summary, file_title
from .summary import build_summary

ADVISORY_KEY = 7_204_431_554  # any fixed number: "the export writer"
WAITING = ("queued", "running")
RECENT_JOBS = 5
log = logging.getLogger(__name__)


@dataclass
class ExportRequest:
    """What asking for an export gives: the file at once (`file`), or the job that will write it (`job`)."""

    file: ExportedFile | None = None
    job: ExportJob | None = None


def rows_expected(draft_id: int, include: str) -> int:
    """How many comments the export would hold, from the kept counts (consult/comments/counts.py)."""
    where = [CommentCount.draft_id == draft_id]
    if include == "published":
        where.append(CommentCount.status == "published")
    return int(db.session.scalar(select(func.sum(CommentCount.n)).where(*where)) or 0)


def request_export(
    actor: User, ctx: RequestContext, slug: str, fmt: str | None, include: str | None = None
) -> ExportRequest:
    """The export at once up to EXPORT_INLINE_MAX_ROWS comments; above it, a queued (or the same
    waiting) job."""
    fmt = check_format(fmt)
    include = check_include(include)
    draft = by_slug(slug)
    expected = rows_expected(draft.id, include)
    if expected <= current_app.config["EXPORT_INLINE_MAX_ROWS"]:
        return ExportRequest(file=export_summary(actor, ctx, slug, fmt, include))
    draft_id, name = draft.id, file_title(draft.title)
    end_read()
    with write_transaction() as session:
        job = session.scalar(
            select(ExportJob).where(
                ExportJob.draft_id == draft_id,
                ExportJob.format == fmt,
                ExportJob.include == include,
                ExportJob.requested_by == actor.id,
                ExportJob.state.in_(WAITING),
            )
        )
        if job is None:
            job = ExportJob(
                draft_id=draft_id,
                format=fmt,
                include=include,
                requested_by=actor.id,
                state="queued",
                rows_total=expected,
                download_name=f"{name}.{fmt}",
            )
            session.add(job)
            session.flush()
            details = {"format": fmt, "rows": expected, "status": include, "job": job.id}
            audit.record(session, actor, ctx, "export.queue", session.get(Draft, draft_id), details)
    if current_app.config["EXPORT_JOBS_INLINE"]:
        app = current_app._get_current_object()
        # The thread waits for the lock: a writer of another process may have looked for queued jobs
        # just before this one was committed, and would stop without it.
        start_in_background(app, "exports:" + export_dir(), lambda: run_jobs(wait=True))
    return ExportRequest(job=job)


def export_dir() -> str:
    """The folder export files are written to (EXPORT_DIR, in the instance folder by default)."""
    return current_app.config["EXPORT_DIR"]


def job_by_id(job_id: int) -> ExportJob:
    """An export job, or the one NotFound (staff see every job: they may make every export)."""
    job = db.session.get(ExportJob, job_id)
    if job is None:
        raise NotFound(_("导出任务不存在"))
    return job


def recent_jobs(draft_id: int, limit: int = RECENT_JOBS) -> list[ExportJob]:
    """A draft's latest export jobs, newest first (the staff page lists them beside the export links)."""
    return list(
        db.session.scalars(
            select(ExportJob).where(ExportJob.draft_id == draft_id).order_by(ExportJob.id.desc()).limit(limit)
        )
    )


def download_job(actor: User, ctx: RequestContext, job_id: int) -> ExportedFile:
    """The finished file of a job, opened, with an audit entry; Conflict while it is not done."""
    job = job_by_id(job_id)
    if job.state == "failed":
        raise Conflict(_("导出失败，没有可下载的文件：%(why)s", why=job.error or ""))
    if job.state != "done":
        raise Conflict(_("导出尚未完成，请稍后再下载"))
    if not job.file_name:
        raise NotFound(_("导出文件已超过保留期限被删除，请重新导出"))
    path = os.path.join(export_dir(), job.file_name)
    try:
        data = open(path, "rb")  # noqa: SIM115 (the response closes it)
    except FileNotFoundError:
        raise NotFound(_("导出文件已超过保留期限被删除，请重新导出")) from None
    details = {"format": job.format, "rows": job.rows_done, "status": job.include, "job": job.id}
    names = (job.download_name, f"export-{job.id}.{job.format}")
    draft_id = job.draft_id
    end_read()
    try:
        with write_transaction() as session:
            audit.record(session, actor, ctx, "export.download", session.get(Draft, draft_id), details)
    except BaseException:
        data.close()
        raise
    size = os.fstat(data.fileno()).st_size
    return ExportedFile(data, names[0], names[1], MIMETYPES[job.format], details["rows"], size)


# ---- the writer: the worker command, or a web process's background thread -----------------------------


def writer_lock(wait: bool = False):
    """Hold the single export writer's lock while the block runs; yields whether it was taken."""
    cfg = current_app.config
    postgres = cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    return single_process(postgres, ADVISORY_KEY, export_dir().rstrip("/") + ".lock", wait)


def run_jobs(wait: bool = False, limit: int | None = None) -> int:
    """Write the queued jobs (at most `limit`), oldest first, and delete expired files; the jobs run."""
    return run_queued(
        ExportJob,
        writer_lock,
        run_job,
        restart={"rows_done": 0},
        wait=wait,
        limit=limit,
        before=delete_expired,
    )


def run_job(job_id: int) -> None:
    """Write one job's file, with its progress; done with the file, or failed with a reason."""
    with write_transaction() as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.state != "queued":
            return
        job.state, job.started_at, job.rows_done = "running", utcnow(), 0
        fmt, include, draft_id = job.format, job.include, job.draft_id
    os.makedirs(export_dir(), exist_ok=True)
    name = f"{job_id}-{secrets.token_hex(8)}.{fmt}"
    path = os.path.join(export_dir(), name)
    try:
        draft = db.session.get(Draft, draft_id)
        if draft is None:
            raise NotFound(_("草案不存在"))
        summary = build_summary(draft, include)
        _progress(job_id, 0, summary.figures.comments)
        summary.progress = lambda n: _progress(job_id, n)
        with open(path + ".part", "wb") as out:
            count = WRITERS[fmt](summary, out)
        os.replace(path + ".part", path)
        end_read()
        with write_transaction() as session:
            job = session.get(ExportJob, job_id)
            job.state, job.rows_done, job.file_name = "done", count, name
            job.size, job.finished_at = os.path.getsize(path), utcnow()
            actor = session.get(User, job.requested_by) if job.requested_by else None
            details = {"format": fmt, "rows": count, "status": include, "job": job_id}
            audit.record(session, actor, CLI, "export.summary", session.get(Draft, draft_id), details)
    except Exception as err:
        log.exception("export job %s failed", job_id)
        end_read()
        for leftover in (path + ".part", path):
            if os.path.exists(leftover):
                os.remove(leftover)
        why = getattr(err, "message", None) or _("写入文件时出错（%(kind)s）", kind=type(err).__name__)
        with write_transaction() as session:
            session.execute(
                update(ExportJob)
                .where(ExportJob.id == job_id)
                .values(
                    state="failed",
                    file_name=None,
                    finished_at=utcnow(),
                    error=_("导出失败：%(why)s。请重新导出，如仍失败请联系管理员。", why=why),
                )
            )


def _progress(job_id: int, done: int, total: int | None = None) -> None:
    """Record a running job's progress on a connection of its own: the job's long read stays open."""
    values: dict = {"rows_done": done}
    if total is not None:
        values["rows_total"] = total
    with db.engine.begin() as conn:
        conn.execute(update(ExportJob.__table__).where(ExportJob.__table__.c.id == job_id).values(**values))
        bump_on(conn, EXPORTS)  # the review overview kept per change counter shows the progress


def delete_expired() -> int:
    """Delete the files of jobs finished more than EXPORT_RETENTION_HOURS ago; how many."""
    before = utcnow() - timedelta(hours=current_app.config["EXPORT_RETENTION_HOURS"])
    expired = db.session.execute(
        select(ExportJob.id, ExportJob.file_name).where(
            ExportJob.file_name.is_not(None), ExportJob.finished_at < before
        )
    ).all()
    end_read()
    for job_id, name in expired:
        # the row first: a download that finds no name says "deleted", never opens a vanishing file
        with write_transaction() as session:
            session.execute(update(ExportJob).where(ExportJob.id == job_id).values(file_name=None))
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(export_dir(), name))
    return len(expired)
