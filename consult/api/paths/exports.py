"""Paths of the staff exports: the summary of opinions as XLSX, CSV or DOCX."""

from __future__ import annotations

# i18n: data-module — the Chinese in descriptions and examples is sample data, not interface text.
from typing import Any

from consult.api.paths.common import error_response, param_ref, response_ref, staff
from consult.api.schemas.queries import ExportQuerySchema
from consult.feedback.exports import FORMATS, MIMETYPES


def paths() -> dict[str, Any]:
    """Path items keyed by path."""
    binary = {"type": "string", "contentMediaType": "application/octet-stream"}
    files = {MIMETYPES[f].split(";")[0]: {"schema": dict(binary)} for f in FORMATS}
    return {
        "/api/v1/admin/drafts/{slug}/export": {
            "parameters": [param_ref("Slug")],
            "get": staff(
                {
                    "operationId": "adminExportSummary",
                    "summary": "The summary of opinions as XLSX, CSV or DOCX",
                    "description": (
                        "Comments grouped by article in the current version's order (articles a revision "
                        "removed after them, general opinions last), with article text, opinion, channel, "
                        "contact point, author and whether the public sees the author's name, contact, "
                        "date (Beijing time), the live decision and reason. "
                        "Spreadsheet cells are always text; CSV is UTF-8 with a BOM and formula-looking "
                        "cells start with a quote. `Content-Disposition` carries the Chinese file name "
                        "(RFC 5987 `filename*`) and an ASCII fallback. Every export writes an audit row."
                    ),
                    "parameters": [{"in": "query", "schema": ExportQuerySchema}],
                    "responses": {
                        "200": {
                            "description": "The file, as an attachment.",
                            "headers": {
                                "Content-Disposition": {
                                    "description": "attachment; filename=…; filename*=UTF-8''…",
                                    "schema": {"type": "string"},
                                }
                            },
                            "content": files,
                        },
                        "400": response_ref("ValidationError"),
                        "404": error_response("`not_found`: no draft with this slug."),
                    },
                },
                write=False,
            ),
        }
    }
