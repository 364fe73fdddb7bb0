"""Paths of the themes per article and the drafted summary (CONTRACT.md, "Groups and themes (staff)")."""

# i18n: data-module — examples in API documentation are sample data, not interface text.

from __future__ import annotations

from typing import Any

from consult.api.paths.common import error_response, json_content, ok, param_ref, ref, response_ref, staff
from consult.api.schemas.themes import SummaryQuerySchema, ThemesQuerySchema
from consult.themes.summary_words import DOCX_MIMETYPE


def paths() -> dict[str, Any]:
    """A draft's themes; its drafted summary of opinions as JSON or DOCX."""
    no_draft = error_response("`not_found`: no draft with this slug.")
    return {
        "/api/v1/admin/drafts/{slug}/themes": {
            "parameters": [param_ref("Slug")],
            "get": staff(
                {
                    "operationId": "adminListThemes",
                    "summary": "A draft's themes per article, largest first",
                    "description": (
                        "Keywords (rjieba words, legal boilerplate left out, TF-IDF over the draft's "
                        "comments) and the comments that share them, per article; pending and published "
                        "comments only. Computed by `flask --app consult themes rebuild SLUG` or from the "
                        "staff page; what staff renamed, merged and moved is kept."
                    ),
                    "parameters": [{"in": "query", "schema": ThemesQuerySchema}],
                    "responses": {
                        "200": ok("The themes.", "ThemeList"),
                        "400": response_ref("ValidationError"),
                        "404": no_draft,
                    },
                },
                write=False,
            ),
        },
        "/api/v1/admin/drafts/{slug}/summary": {
            "parameters": [param_ref("Slug")],
            "get": staff(
                {
                    "operationId": "adminOpinionSummary",
                    "summary": "The drafted summary of opinions (意见汇总)",
                    "description": (
                        "Per article: its text (staff's, else the drafted one), comments and opinions (a "
                        "group of near-duplicates counted once), channels, and its themes with counts and "
                        "at most two quotations each (with comment ids). `status` is `draft` (草稿) until a "
                        "staff member signs it off; any later change makes it a draft again. "
                        "`format=docx` answers a Word document (marked 草稿 until signed off; audited)."
                    ),
                    "parameters": [{"in": "query", "schema": SummaryQuerySchema}],
                    "responses": {
                        "200": {
                            "description": "The summary (JSON), or the Word document as an attachment.",
                            "content": {
                                **json_content(ref("Summary")),
                                DOCX_MIMETYPE: {
                                    "schema": {
                                        "type": "string",
                                        "contentMediaType": "application/octet-stream",
                                    }
                                },
                            },
                        },
                        "400": response_ref("ValidationError"),
                        "404": no_draft,
                    },
                },
                write=False,
            ),
        },
    }
