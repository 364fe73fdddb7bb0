"""JSON API door of the staff exports: the summary of opinions (意见汇总表) as XLSX, CSV or DOCX, at once
for a draft of up to EXPORT_INLINE_MAX_ROWS comments, as a job (202) above it."""

from __future__ import annotations

from consult.api import bp
from consult.api.schemas.base import load_query
from consult.api.schemas.exports import job_answer
from consult.api.schemas.queries import ExportQuerySchema
from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.downloads import download
from consult.feedback.export_jobs import download_job, job_by_id, request_export
from consult.feedback.exports import ExportedFile


def send_export(exported: ExportedFile):
    """The finished file as a download under its Chinese name, never cached (contact details inside)."""
    return download(exported.data, exported.mimetype, exported.filename, exported.size)


@bp.get("/admin/drafts/<slug>/export")
@access("staff")
def admin_export_summary(slug: str):
    """The summary of opinions of a draft: ?format=xlsx|csv|docx, ?status=published (default)|all."""
    args = load_query(ExportQuerySchema, left_to_the_door=("format",))
    asked = request_export(
        current_actor(),
        RequestContext.from_request(),
        slug,
        args.get("format"),
        args.get("status"),
    )
    if asked.file is not None:
        return send_export(asked.file)
    answer = job_answer(asked.job)
    return answer, 202, {"Location": answer["status_url"], "Cache-Control": "private, no-store"}


@bp.get("/admin/exports/<int:job_id>")
@access("staff")
def admin_export_job(job_id: int):
    """An export job's progress, and its download address once done."""
    return job_answer(job_by_id(job_id)), 200, {"Cache-Control": "private, no-store"}


@bp.get("/admin/exports/<int:job_id>/download")
@access("staff")
def admin_export_job_download(job_id: int):
    """The finished file of an export job."""
    return send_export(download_job(current_actor(), RequestContext.from_request(), job_id))
