"""Paths of the versions: the comparison table, and the open-data package of a concluded draft.

The open-data package is built by consult/feedback/opendata.py (the same data goes into its files), so
its schemas are still written here by hand.
"""

from __future__ import annotations

from typing import Any

from consult.api.paths.common import ok, param_ref, response_ref
from consult.api.schemas.queries import CompareQuerySchema, OpenDataQuerySchema
from consult.feedback.opendata import FORMAT, FORMAT_VERSION
from consult.models.enums import CHANNELS, OUTCOMES

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
COUNT = {"type": "integer", "minimum": 0}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


def paths() -> dict[str, Any]:
    """Path items keyed by path."""
    not_found = response_ref("NotFound")
    return {
        "/api/v1/drafts/{slug}/compare": {
            "parameters": [param_ref("Slug")],
            "get": {
                "operationId": "compareVersions",
                "tags": ["drafts"],
                "summary": "The comparison table between two versions of a draft",
                "description": (
                    "Articles are matched by their identity across versions: one that was only renumbered "
                    "or moved is `unchanged` (with `renumbered` / `moved` set). Rows follow the newer "
                    "version's order, each removed article where it stood. A modified article carries a "
                    "character-level `diff`. A draft with a single version, an unknown version number or "
                    "the same number twice is a `validation_error`."
                ),
                "parameters": [{"in": "query", "schema": CompareQuerySchema}],
                "responses": {
                    "200": ok("The comparison.", "Comparison"),
                    "400": response_ref("ValidationError"),
                    "404": not_found,
                },
            },
        },
        "/api/v1/drafts/{slug}/open-data": {
            "parameters": [param_ref("Slug")],
            "get": {
                "operationId": "getOpenData",
                "tags": ["drafts"],
                "summary": "The open-data package of a concluded draft",
                "description": (
                    "Versions with their articles, published comments without personal data (no contact, "
                    "name, address or receipt code; a masked copy where one was published), the decisions "
                    "as the latest feedback publication froze them, and the publications. The same package "
                    "as CSV files in a ZIP: /drafts/{slug}/open-data.zip. A draft whose feedback is not "
                    "published yet is a 404."
                ),
                "parameters": [{"in": "query", "schema": OpenDataQuerySchema}],
                "responses": {
                    "200": ok("The package.", "OpenData"),
                    "400": response_ref("ValidationError"),
                    "404": not_found,
                },
            },
        },
    }


def _open_data_schemas() -> dict[str, Any]:
    article = _object(
        {
            "id": {"type": "integer"},
            "order": {"type": "integer"},
            "label": STRING,
            "chapter": NULLABLE_STRING,
            "section": NULLABLE_STRING,
            "text": STRING,
            "explanation": {**NULLABLE_STRING, "description": "Staff's plain-language explanation, or null."},
        }
    )
    decision = _object(
        {"outcome": {"type": "string", "enum": list(OUTCOMES)}, "reason": STRING, "decided_at": DATE_TIME}
    )
    return {
        "OpenDataVersion": _object(
            {
                "number": {"type": "integer", "minimum": 1},
                "label": STRING,
                "published_at": NULLABLE_DATE_TIME,
                "articles": {"type": "array", "items": article},
            }
        ),
        "OpenDataComment": _object(
            {
                "id": {"type": "integer"},
                "article_id": {**NULLABLE_INTEGER, "description": "Null for a comment on the whole draft."},
                "article_label": {
                    **NULLABLE_STRING,
                    "description": "The label in the newest version holding it.",
                },
                "channel": {"type": "string", "enum": list(CHANNELS)},
                "submitted_at": DATE_TIME,
                "received_at": NULLABLE_DATE_TIME,
                "body": {
                    **NULLABLE_STRING,
                    "description": "As published (the masked copy if any); null if the draft hides comments.",
                },
                "decision": {"anyOf": [decision, {"type": "null"}]},
            }
        ),
        "OpenData": _object(
            {
                "format": {"type": "string", "const": FORMAT},
                "format_version": {"type": "integer", "const": FORMAT_VERSION},
                "generated_at": DATE_TIME,
                "draft": _object(
                    {
                        "slug": STRING,
                        "title": STRING,
                        "status": {"type": "string", "const": "concluded"},
                        "opens_at": NULLABLE_DATE_TIME,
                        "closes_at": NULLABLE_DATE_TIME,
                        "published_at": NULLABLE_DATE_TIME,
                        "feedback_published_at": DATE_TIME,
                    }
                ),
                "publications": {
                    "type": "array",
                    "items": _object(
                        {
                            "number": {"type": "integer", "minimum": 1},
                            "published_at": DATE_TIME,
                            "revision_note": STRING,
                        }
                    ),
                },
                "versions": {"type": "array", "items": _ref("OpenDataVersion")},
                "comments": {"type": "array", "items": _ref("OpenDataComment")},
            }
        ),
    }


def schemas() -> dict[str, Any]:
    """The open-data package's schemas (the comparison's are in consult/api/schemas/versions.py)."""
    return _open_data_schemas()
