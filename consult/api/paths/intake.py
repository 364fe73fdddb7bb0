"""Paths of the intake upload, and its schemas.

The batch result is built by consult/intake/importing.py (the command line prints the same object), so
its schemas are still written here by hand.
"""

from __future__ import annotations

# i18n: data-module — the Chinese in descriptions shows what people may type; it is not interface text.
from typing import Any

from consult.api.paths.common import error_response, ref, staff
from consult.api.schemas.intake import IntakeUploadSchema

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
COUNT = {"type": "integer", "minimum": 0}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def schemas() -> dict[str, Any]:
    """IntakeBatchResult, IntakeRow and IntakeRowError (the upload form is consult/api/schemas/intake.py)."""
    return {
        "IntakeRowError": {
            "type": "object",
            "required": ["row", "column", "message"],
            "properties": {
                "row": {"type": "integer", "minimum": 1, "description": "As the spreadsheet shows it."},
                "column": {"type": "string", "description": "The header as written in the file."},
                "message": STRING,
            },
        },
        "IntakeRow": {
            "type": "object",
            "required": ["row", "article", "body", "author_name", "name_public", "contact", "valid"],
            "properties": {
                "row": {"type": "integer", "minimum": 1, "description": "As the spreadsheet shows it."},
                "article": {**NULLABLE_STRING, "description": "The printed label; null: the whole draft."},
                "body": STRING,
                "author_name": {
                    **NULLABLE_STRING,
                    "description": "The 提出人 cell; published only when `name_public` is true.",
                },
                "name_public": {
                    "type": "boolean",
                    "description": (
                        "Whether the name will be public: the row's 同意公开姓名 cell is 是 (or 同意, Y, √, "
                        "1); an empty cell, 否, or no such column: not public."
                    ),
                },
                "contact": {**NULLABLE_STRING, "description": "Masked; never public."},
                "valid": {"type": "boolean"},
                "already_imported": {"type": "boolean"},
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
                    "items": _ref("IntakeRow"),
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
                        "content": {"multipart/form-data": {"schema": ref(IntakeUploadSchema)}},
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
