"""Paths of the intake upload, and its schemas.

The batch result is built by consult/intake/importing.py (the command line prints the same object), so
its schemas are still written here by hand.
"""

from __future__ import annotations

# i18n: data-module — the Chinese in descriptions shows what people may type; it is not interface text.
from typing import Any

from consult.api.paths.common import error_response, staff
from consult.intake.meeting import METHOD_LABELS
from consult.intake.reading import MAX_UPLOAD_BYTES

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
COUNT = {"type": "integer", "minimum": 0}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def schemas() -> dict[str, Any]:
    """IntakeUpload (the multipart form), IntakeBatchResult and IntakeRowError."""
    methods = list(METHOD_LABELS)
    return {
        "IntakeUpload": {
            "type": "object",
            "required": ["file", "draft"],
            "properties": {
                "file": {
                    "type": "string",
                    "contentMediaType": "application/octet-stream",
                    "description": (
                        f".xlsx or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 tab-separated); at most "
                        f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB and 100,000 rows."
                    ),
                },
                "draft": {"type": "string", "description": "The draft's slug."},
                "contact_point": {
                    "type": "string",
                    "description": "The point's slug: staff must give it; an operator's is implied.",
                },
                "meeting_date": {"type": "string", "format": "date"},
                "meeting_place": STRING,
                "method": {
                    "type": "string",
                    "description": f"One of {', '.join(methods)} (or the Chinese name); default `forum`.",
                },
                "participants": {"type": "string", "pattern": "^[0-9]{0,6}$"},
                "collector": STRING,
                "dry_run": {"type": "string", "enum": ["true", "false", "1", "0"]},
            },
        },
        "IntakeRowError": {
            "type": "object",
            "required": ["row", "column", "message"],
            "properties": {
                "row": {"type": "integer", "minimum": 1, "description": "As the spreadsheet shows it."},
                "column": {"type": "string", "description": "The header as written in the file."},
                "message": STRING,
            },
        },
        "IntakeBatchResult": {
            "type": "object",
            "required": ["batch_id", "rows_total", "rows_valid", "rows_imported", "errors"],
            "properties": {
                "batch_id": {"type": ["integer", "null"], "description": "Null for a dry run."},
                "rows_total": COUNT,
                "rows_valid": COUNT,
                "rows_imported": COUNT,
                "rows_already_imported": COUNT,
                "encoding": {**NULLABLE_STRING, "description": "How a CSV file was decoded."},
                "format": {"type": "string", "enum": ["xlsx", "csv"]},
                "header_row": {"type": "integer", "minimum": 1},
                "columns": {"type": "object", "additionalProperties": STRING},
                "ignored_columns": {"type": "array", "items": STRING},
                "errors": {"type": "array", "items": _ref("IntakeRowError")},
                "rows": {
                    "type": "array",
                    "description": "Dry run only: every data row as it would be imported.",
                    "items": {"type": "object"},
                },
                "error": {
                    "type": "object",
                    "description": "On 400 (nothing importable) and 409 (all imported before).",
                },
            },
        },
    }


def paths() -> dict[str, Any]:
    """The upload of a contact point's file."""
    result = {"content": {"application/json": {"schema": _ref("IntakeBatchResult")}}}
    return {
        "/api/v1/intake/batches": {
            "post": staff(
                {
                    "operationId": "intakeUploadBatch",
                    "summary": "Preview (dry_run) or import a contact point's file of collected opinions",
                    "description": (
                        "Contact-point operators upload for their own point (another point's: 403); staff "
                        "name the point. Valid rows are imported with the batch record in one transaction, "
                        "or nothing; a row imported before (same point, draft, article and body) is skipped."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {"multipart/form-data": {"schema": _ref("IntakeUpload")}},
                    },
                    "responses": {
                        "200": {"description": "The preview (dry_run=true).", **result},
                        "201": {"description": "Imported.", **result},
                        "409": error_response(
                            "`conflict`: every valid row was imported before; the body also carries the "
                            "IntakeBatchResult fields."
                        ),
                        "400": error_response(
                            "`validation_error`: a field or the file is wrong (unreadable, no opinion "
                            "column, or no importable row: then the body also carries the IntakeBatchResult "
                            "fields), or `csrf_failed`."
                        ),
                    },
                }
            )
        }
    }
