"""Staff downloads of the summary of opinions (意见汇总表): XLSX, CSV and DOCX, at once or as a job whose
page shows its progress (it reloads itself: <meta http-equiv="refresh">, the CSP forbids inline script)
and links the file when done."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.downloads import download
from consult.feedback.export_jobs import download_job, job_by_id, recent_jobs, request_export, rows_expected
from consult.vocabulary import EXPORT_FORMATS, EXPORT_INCLUDES, export_job_state_label

bp = Blueprint("admin_exports", __name__, url_prefix="/admin")
REFRESH_SECONDS = 3


@bp.get("/drafts/<slug>/export.<fmt>")
@access("staff")
def export_summary_file(slug: str, fmt: str):
    """The draft's summary of opinions as a download (?status=all adds comments not published), or,
    for a large draft, the page of the export job that writes it."""
    asked = request_export(
        current_actor(), RequestContext.from_request(), slug, fmt, request.args.get("status")
    )
    if asked.file is None:
        return redirect(url_for("admin_exports.export_job", job_id=asked.job.id), 303)
    exported = asked.file
    return download(exported.data, exported.mimetype, exported.filename, exported.size)


@bp.get("/exports/<int:job_id>")
@access("staff")
def export_job(job_id: int):
    """An export job: its progress while it runs, its file when done, its reason when it failed."""
    job = job_by_id(job_id)
    return render_template(
        "admin/export_job.html",
        job=job,
        state_label=export_job_state_label(job.state),
        format_label=str(EXPORT_FORMATS[job.format]),
        include_label=str(EXPORT_INCLUDES[job.include]),
        refresh=REFRESH_SECONDS if job.state in ("queued", "running") else None,
    )


@bp.get("/exports/<int:job_id>/download")
@access("staff")
def export_job_download(job_id: int):
    """The finished file of an export job."""
    exported = download_job(current_actor(), RequestContext.from_request(), job_id)
    return download(exported.data, exported.mimetype, exported.filename, exported.size)


@bp.app_context_processor
def export_helpers() -> dict:
    """For the exports partial: `export_as_job(draft)`, whether its links start a job (no `download`);
    `export_jobs(draft)`, the draft's latest jobs with their state labels."""

    def export_as_job(draft, include: str = "published") -> bool:
        return rows_expected(draft.id, include) > current_app.config["EXPORT_INLINE_MAX_ROWS"]

    def export_jobs(draft) -> list[tuple]:
        return [(job, export_job_state_label(job.state)) for job in recent_jobs(draft.id)]

    return {"export_as_job": export_as_job, "export_jobs": export_jobs}
