"""JSON API door of the staff exports: the summary of opinions (意见汇总表) as XLSX, CSV or DOCX."""

from __future__ import annotations

from consult.api import bp
from consult.api.schemas.base import load_query
from consult.api.schemas.queries import ExportQuerySchema
from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.downloads import download
from consult.feedback.exports import ExportedFile, export_summary


def send_export(exported: ExportedFile):
    """The finished file as a download under its Chinese name, never cached (contact details inside)."""
    return download(exported.data, exported.mimetype, exported.filename, exported.size)


@bp.get("/admin/drafts/<slug>/export")
@access("staff")
def admin_export_summary(slug: str):
    """The summary of opinions of a draft: ?format=xlsx|csv|docx, ?status=published (default)|all."""
    args = load_query(ExportQuerySchema(), left_to_the_door=("format",))
    exported = export_summary(
        current_actor(),
        RequestContext.from_request(),
        slug,
        args.get("format"),
        args.get("status"),
    )
    return send_export(exported)
