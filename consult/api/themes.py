"""Staff endpoints for themes per article and the drafted summary of opinions (CONTRACT.md)."""

from __future__ import annotations

from flask import jsonify

from consult.api import bp
from consult.api.schemas.base import load_query
from consult.api.schemas.themes import SummaryQuerySchema, SummarySchema, ThemeListSchema, ThemesQuerySchema
from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.downloads import download
from consult.drafts.queries import by_slug
from consult.themes.operations import export_summary_docx
from consult.themes.queries import themes_of_draft
from consult.themes.summary import opinion_summary
from consult.themes.summary_words import DOCX_MIMETYPE


@bp.get("/admin/drafts/<slug>/themes")
@access("staff")
def admin_draft_themes(slug: str):
    """A draft's themes per article, largest first, with their comments' ids."""
    args = load_query(ThemesQuerySchema)
    draft = by_slug(slug)
    views = themes_of_draft(draft.id, args.get("article_id"))
    return jsonify(ThemeListSchema().dump({"themes": views}))


@bp.get("/admin/drafts/<slug>/summary")
@access("staff")
def admin_draft_summary(slug: str):
    """The drafted summary of opinions: ?format=json (default) or docx."""
    args = load_query(SummaryQuerySchema)
    if args["format"] == "docx":
        data, filename = export_summary_docx(current_actor(), RequestContext.from_request(), slug)
        return download(data, DOCX_MIMETYPE, filename, len(data))
    view = opinion_summary(by_slug(slug))
    return jsonify(SummarySchema().dump(view)), 200, {"Cache-Control": "private, no-store"}
