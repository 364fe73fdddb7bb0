"""Export jobs (issue 15, point 5): a summary of opinions above EXPORT_INLINE_MAX_ROWS is queued, written by
the export writer with its progress, downloaded when done, deleted after the retention time; a failure
is recorded in Chinese. Also: CSV pieces come out while the rows are still being read, and the CSV export
holds no more than a few pieces in memory."""

from __future__ import annotations

import csv
import io
import os
import tracemalloc
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult import spreadsheets
from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read
from consult.errors import Conflict, NotFound
from consult.extensions import db
from consult.feedback import export_jobs, exports, summary
from consult.feedback.export_jobs import download_job, request_export, run_jobs
from consult.models import AuditLog, Comment, ExportJob


@pytest.fixture
def staff(factory):
    user, _password = factory.user("staff", username="job-staff")
    return user


@pytest.fixture
def big_draft(app, factory):
    """A draft of 12 published comments (and a pending one), with the threshold at 5: exports are jobs;
    the writer runs only when a test says so."""
    app.config.update(EXPORT_INLINE_MAX_ROWS=5, EXPORT_JOBS_INLINE=False)
    draft = factory.draft("closed", title="本市示例管理条例（草案）")
    for n in range(12):
        factory.comment(draft, f"=第{n}条意见", status="published", article_index=n % 3)
    factory.comment(draft, "尚未审核。")
    end_read()
    return draft


def job_row(job_id: int) -> ExportJob:
    end_read()
    job = db.session.get(ExportJob, job_id)
    db.session.refresh(job)
    return job


def actions() -> list[tuple[str, dict]]:
    end_read()
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action.like("export.%")).order_by(AuditLog.id)
    ).all()
    return [(r.action, r.details) for r in rows]


def test_a_small_export_is_answered_at_once(app, factory, staff):
    draft = factory.draft("open")
    factory.comment(draft, "一条意见。", status="published")
    end_read()
    asked = request_export(staff, CLI, draft.slug, "csv")
    assert asked.job is None and asked.file.rows == 1
    asked.file.data.close()
    end_read()
    assert not db.session.scalars(select(ExportJob)).all()


def test_a_large_export_is_queued_written_with_progress_and_downloaded(app, staff, big_draft, monkeypatch):
    monkeypatch.setattr(summary, "PROGRESS_EVERY", 5)
    asked = request_export(staff, CLI, big_draft.slug, "csv")
    assert asked.file is None
    job = job_row(asked.job.id)
    assert (job.state, job.rows_done, job.rows_total, job.format, job.include) == (
        "queued",
        0,
        12,
        "csv",
        "published",
    )
    assert job.download_name == "本市示例管理条例（草案）意见汇总表.csv"
    assert actions() == [
        ("export.queue", {"format": "csv", "rows": 12, "status": "published", "job": job.id})
    ]
    # Progress as the writer reports it, read on another connection while the job runs.
    seen = []
    report = export_jobs._progress

    def spy(job_id, done, total=None):
        report(job_id, done, total)
        with db.engine.connect() as conn:
            row = conn.execute(
                select(ExportJob.state, ExportJob.rows_done).where(ExportJob.id == job_id)
            ).one()
        seen.append(tuple(row))

    monkeypatch.setattr(export_jobs, "_progress", spy)
    assert run_jobs() == 1
    assert seen == [("running", 0), ("running", 5), ("running", 10)]
    job = job_row(job.id)
    assert (job.state, job.rows_done, job.percent, job.error) == ("done", 12, 100, None)
    assert job.started_at and job.finished_at and job.size
    path = os.path.join(app.config["EXPORT_DIR"], job.file_name)
    assert os.path.exists(path) and not os.path.exists(path + ".part")
    exported = download_job(staff, CLI, job.id)
    data = exported.data.read()
    exported.data.close()
    assert exported.filename == job.download_name and exported.size == len(data) == job.size
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 13 and all(r[3].startswith("'=") for r in rows[1:])  # formula-safe still
    assert [a for a, _d in actions()] == ["export.queue", "export.summary", "export.download"]
    assert actions()[1][1] == {"format": "csv", "rows": 12, "status": "published", "job": job.id}


def test_asking_again_while_it_waits_gives_the_same_job(app, staff, factory, big_draft):
    first = request_export(staff, CLI, big_draft.slug, "xlsx").job.id
    assert request_export(staff, CLI, big_draft.slug, "xlsx").job.id == first
    assert request_export(staff, CLI, big_draft.slug, "xlsx", "all").job.id != first  # another export
    other, _password = factory.user("staff", username="other-staff")
    assert request_export(other, CLI, big_draft.slug, "xlsx").job.id != first
    run_jobs()
    assert request_export(staff, CLI, big_draft.slug, "xlsx").job.id != first  # done: a new one
    assert [a for a, _d in actions()].count("export.queue") == 4


def test_a_job_is_refused_for_download_until_done(app, staff, big_draft):
    job_id = request_export(staff, CLI, big_draft.slug, "docx").job.id
    with pytest.raises(Conflict, match="导出尚未完成"):
        download_job(staff, CLI, job_id)
    with pytest.raises(NotFound, match="导出任务不存在"):
        download_job(staff, CLI, job_id + 100)
    run_jobs()
    exported = download_job(staff, CLI, job_id)
    assert exported.data.read(4) == b"PK\x03\x04" and exported.rows == 12
    exported.data.close()


def test_a_failing_job_is_failed_with_a_chinese_reason_and_leaves_no_file(app, staff, big_draft, monkeypatch):
    def broken(summary_, out):
        out.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setitem(exports.WRITERS, "csv", broken)
    monkeypatch.setattr(export_jobs, "WRITERS", exports.WRITERS)
    job_id = request_export(staff, CLI, big_draft.slug, "csv").job.id
    run_jobs()
    job = job_row(job_id)
    assert job.state == "failed" and job.file_name is None and job.finished_at
    assert job.error.startswith("导出失败：写入文件时出错（OSError）") and "disk full" not in job.error
    assert os.listdir(app.config["EXPORT_DIR"]) == []
    with pytest.raises(Conflict, match="导出失败"):
        download_job(staff, CLI, job_id)
    assert "export.summary" not in [a for a, _d in actions()]


def test_a_job_left_running_by_a_dead_writer_is_written_again(app, staff, big_draft):
    job_id = request_export(staff, CLI, big_draft.slug, "csv").job.id
    with db.engine.begin() as conn:
        conn.execute(ExportJob.__table__.update().values(state="running", rows_done=7))
    assert run_jobs() == 1
    job = job_row(job_id)
    assert (job.state, job.rows_done) == ("done", 12)


def test_the_worker_command_writes_the_queued_jobs(app, staff, big_draft, runner):
    job_id = request_export(staff, CLI, big_draft.slug, "docx").job.id
    result = runner.invoke(args=["exports", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "已处理1个导出任务。" in result.output
    assert job_row(job_id).state == "done"
    again = runner.invoke(args=["exports", "worker", "--once"])
    assert again.exit_code == 0 and again.output == ""


def test_an_idle_writer_writes_nothing(app, staff, big_draft, monkeypatch):
    """The worker runs every few seconds: with nothing queued, running or expired it only reads."""
    writes = []
    real = export_jobs.write_transaction

    def counted():
        writes.append(1)
        return real()

    monkeypatch.setattr(export_jobs, "write_transaction", counted)
    assert run_jobs() == 0 and writes == []


def test_files_are_deleted_after_the_retention_time(app, staff, big_draft, clock):
    job_id = request_export(staff, CLI, big_draft.slug, "csv").job.id
    run_jobs()
    path = os.path.join(app.config["EXPORT_DIR"], job_row(job_id).file_name)
    clock.advance(hours=app.config["EXPORT_RETENTION_HOURS"] - 1)
    run_jobs()
    assert os.path.exists(path)
    clock.advance(hours=2)
    run_jobs()
    assert not os.path.exists(path) and job_row(job_id).file_name is None
    assert job_row(job_id).state == "done"
    with pytest.raises(NotFound, match="保留期限"):
        download_job(staff, CLI, job_id)


def test_the_background_thread_writes_a_job_when_asked_inline(app, staff, big_draft):
    from consult.search.background import wait_for_background

    app.config["EXPORT_JOBS_INLINE"] = True
    job_id = request_export(staff, CLI, big_draft.slug, "xlsx").job.id
    assert wait_for_background(timeout=60)
    assert job_row(job_id).state == "done"


def test_the_background_thread_waits_for_another_writer(app, staff, big_draft):
    """Another writer (another process's thread, or the worker) holds the lock when the job is queued:
    the thread waits for it instead of leaving the job queued until the next export."""
    from consult.search.background import wait_for_background

    app.config["EXPORT_JOBS_INLINE"] = True
    with export_jobs.writer_lock(wait=True):
        job_id = request_export(staff, CLI, big_draft.slug, "csv").job.id
        assert not wait_for_background(timeout=1)
        assert job_row(job_id).state == "queued"
    assert wait_for_background(timeout=60)
    assert job_row(job_id).state == "done"


# ---- CSV streams -----------------------------------------------------------------------------------------


def test_csv_pieces_come_out_while_the_rows_are_read():
    read = []

    def rows():
        for n in range(10 * spreadsheets.CSV_BATCH_ROWS):
            read.append(n)
            yield ["=1+1", f"第{n}行"]

    pieces = spreadsheets.csv_pieces(rows())
    first = next(pieces)
    assert len(read) == spreadsheets.CSV_BATCH_ROWS  # one piece's rows, not the file's
    assert first.startswith("\ufeff'=1+1,第0行\r\n".encode())
    assert first.count(b"\r\n") == spreadsheets.CSV_BATCH_ROWS
    rest = b"".join(pieces)
    assert (first + rest).count(b"\r\n") == 10 * spreadsheets.CSV_BATCH_ROWS


def test_a_csv_export_holds_little_in_memory(app, factory, staff, monkeypatch):
    """6,000 comments of 200 characters (1.3 MB of CSV) written to disk (the spool patched small): the
    peak of Python allocations stays far below the file's size plus the rows', so memory does not grow
    with the number of rows."""
    monkeypatch.setattr(exports, "SPOOL_BYTES", 64 * 1024)
    draft = factory.draft("open")
    end_read()
    version = draft.current_version
    rows = [
        {
            "draft_id": draft.id,
            "version_id": version.id,
            "article_id": None,
            "body": f"{n:06d}" + "意" * 194,
            "status": "published",
            "channel": "web",
            "receipt_code": f"M{n:010d}",
            "submitted_at": utcnow() - timedelta(minutes=n),
        }
        for n in range(6000)
    ]
    end_read()
    db.session.execute(Comment.__table__.insert(), rows)
    db.session.commit()
    del rows
    tracemalloc.start()
    try:
        result = exports.export_summary(staff, CLI, draft.slug, "csv")
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.rows == 6000 and result.size > 6000 * 600
    result.data.close()
    assert peak < 4 * 1024 * 1024, peak
