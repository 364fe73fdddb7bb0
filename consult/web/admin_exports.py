"""Staff downloads of the summary of opinions (意见汇总表): XLSX, CSV and DOCX."""

from __future__ import annotations

from flask import Blueprint, request

from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.downloads import download
from consult.feedback.exports import export_summary

bp = Blueprint("admin_exports", __name__, url_prefix="/admin")


@bp.get("/drafts/<slug>/export.<fmt>")
@access("staff")
def export_summary_file(slug: str, fmt: str):
    """The draft's summary of opinions as a download (?status=all adds comments not published)."""
    exported = export_summary(
        current_actor(), RequestContext.from_request(), slug, fmt, request.args.get("status")
    )
    return download(exported.data, exported.mimetype, exported.filename, exported.size)
