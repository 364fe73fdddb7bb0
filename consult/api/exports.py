"""JSON API door of the staff exports: the summary of opinions (意见汇总表) as XLSX, CSV or DOCX."""

from __future__ import annotations

from flask import current_app, request

from consult.api import bp
from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.feedback.exports import ExportedFile, export_summary


def send_export(exported: ExportedFile):
    """The finished file as a download: Chinese name with an ASCII fallback, never cached."""
    response = current_app.response_class(
        _chunks(exported), content_type=exported.mimetype, direct_passthrough=True
    )
    response.headers["Content-Disposition"] = exported.content_disposition
    response.headers["Cache-Control"] = "no-store"  # contact details inside
    response.headers["X-Content-Type-Options"] = "nosniff"
    exported.data.seek(0, 2)
    response.content_length = exported.data.tell()
    exported.data.seek(0)
    return response


def _chunks(exported: ExportedFile, size: int = 64 * 1024):
    try:
        while chunk := exported.data.read(size):
            yield chunk
    finally:
        exported.data.close()


@bp.get("/admin/drafts/<slug>/export")
@access("staff")
def admin_export_summary(slug: str):
    """The summary of opinions of a draft: ?format=xlsx|csv|docx, ?status=published (default)|all."""
    exported = export_summary(
        current_actor(),
        RequestContext.from_request(),
        slug,
        request.args.get("format"),
        request.args.get("status"),
    )
    return send_export(exported)
