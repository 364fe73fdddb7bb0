"""Paths of the staff exports: the summary of opinions as XLSX, CSV or DOCX, at once or as a job."""

from __future__ import annotations

# i18n: data-module — the Chinese in descriptions and examples is sample data, not interface text.
from typing import Any

from consult.api.paths.common import error_response, ok, param_ref, response_ref, staff
from consult.api.schemas.exports import ExportJobAnswerSchema
from consult.api.schemas.queries import ExportQuerySchema
from consult.feedback.exports import FORMATS, MIMETYPES
from consult.models.types import ID_MAX


def paths() -> dict[str, Any]:
    """Path items keyed by path."""
    binary = {"type": "string", "contentMediaType": "application/octet-stream"}
    files = {MIMETYPES[f].split(";")[0]: {"schema": dict(binary)} for f in FORMATS}
    job_id = {
        "name": "job_id",
        "in": "path",
        "required": True,
        "description": "The export job's id.",
        "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
    }
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
                        "(RFC 5987 `filename*`) and an ASCII fallback. Every export writes an audit row. "
                        "A draft with more comments than `EXPORT_INLINE_MAX_ROWS` (20,000 by default) is "
                        "exported as a job: 202 with the job and its `status_url` (also in `Location`); "
                        "follow it, then download the file from the job's `download_url`."
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
                        "202": {
                            **ok(
                                "Too large to answer at once: the export job, queued.", ExportJobAnswerSchema
                            ),
                            "headers": {
                                "Location": {"description": "The status_url.", "schema": {"type": "string"}}
                            },
                        },
                        "400": response_ref("ValidationError"),
                        "404": error_response("`not_found`: no draft with this slug."),
                    },
                },
                write=False,
            ),
        },
        "/api/v1/admin/exports/{job_id}": {
            "parameters": [job_id],
            "get": staff(
                {
                    "operationId": "adminExportJob",
                    "summary": "An export job's progress",
                    "description": (
                        "`state` is `queued`, `running` (`rows_done` of `rows_total`), `done` (with its "
                        "`download_url`) or `failed` (with `error`, in Chinese). The file is deleted "
                        "`EXPORT_RETENTION_HOURS` (24 by default) after it was finished."
                    ),
                    "responses": {
                        "200": ok("The job.", ExportJobAnswerSchema),
                        "404": error_response("`not_found`: no such job."),
                    },
                },
                write=False,
            ),
        },
        "/api/v1/admin/exports/{job_id}/download": {
            "parameters": [job_id],
            "get": staff(
                {
                    "operationId": "adminExportJobDownload",
                    "summary": "The file of a finished export job",
                    "description": (
                        "As the export itself answers it; never cached. Every download writes an audit row."
                    ),
                    "responses": {
                        "200": {"description": "The file, as an attachment.", "content": files},
                        "404": error_response("`not_found`: no such job, or its file was deleted."),
                        "409": error_response("`conflict`: the job is not done (or it failed)."),
                    },
                },
                write=False,
            ),
        },
    }
