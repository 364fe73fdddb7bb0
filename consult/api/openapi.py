"""The OpenAPI 3.1 description of the public JSON API under /api/v1 (CONTRACT.md, "HTTP" → "Public").

Plain dictionaries, built afresh on each call so a caller may change its copy. Paths are written in
full (`/api/v1/...`, no `servers` entry) so the tests can compare them with Flask's url_map, and the
tests also run the description against the app with schemathesis: keep it true.

Response objects list the contract's fields as `required` but allow more, since the contract may be
extended; a request body for a comment allows unknown properties too (they are ignored), so a client
written against a later version of this description keeps working.
"""

from __future__ import annotations

import copy
from typing import Any

from consult.comments.operations import BODY_MIN
from consult.comments.queries import PER_PAGE_DEFAULT, PER_PAGE_MAX
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX, CONTACT_MAX, RECEIPT_CODE_MAX
from consult.models.enums import CHANNELS, OUTCOMES

API_VERSION = "1.0.0"
# An open consultation in the demo data: schemathesis's examples phase sends it, and readers copy it.
DEMO_SLUG = "chengshi-shufang-tiaoli"
# A draft in the "draft" state is never public, so the API never shows that status.
PUBLIC_DRAFT_STATUSES = ["upcoming", "open", "closed", "concluded"]
RECEIPT_STATUSES = ["pending", "published", "not_published"]
# Every code of the contract's one error shape, whatever endpoint answers it.
ERROR_CODES = [
    "validation_error",
    "csrf_failed",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "consultation_closed",
    "payload_too_large",
    "unsupported_media_type",
    "rate_limited",
    "internal_error",
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """An object schema; every property is required unless `required` says otherwise."""
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
        **extra,
    }


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
INTEGER = {"type": "integer"}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
DATE_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with offset."}
NULLABLE_DATE_TIME = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "ISO 8601 with offset.",
}


def _schemas() -> dict[str, Any]:
    return {
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": {"type": "string", "enum": ERROR_CODES},
                        "message": {"type": "string", "description": "For people, in Chinese."},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "description": "Per-field messages, keyed by the request field's name.",
                        },
                    },
                    required=["code", "message"],
                )
            },
            description="The one error shape of every /api/v1 endpoint; the HTTP status matches the code.",
        ),
        "DraftStatus": {"type": "string", "enum": PUBLIC_DRAFT_STATUSES},
        "Channel": {"type": "string", "enum": list(CHANNELS)},
        "Outcome": {"type": "string", "enum": list(OUTCOMES)},
        "DraftSummary": _object(
            {
                "slug": STRING,
                "title": STRING,
                "status": _ref("DraftStatus"),
                "opens_at": NULLABLE_DATE_TIME,
                "closes_at": NULLABLE_DATE_TIME,
                "comment_count": {"type": "integer", "minimum": 0, "description": "Published comments."},
            }
        ),
        "DraftList": _object({"drafts": {"type": "array", "items": _ref("DraftSummary")}}),
        "Version": _object(
            {
                "number": {"type": "integer", "minimum": 1},
                "label": STRING,
                "published_at": NULLABLE_DATE_TIME,
            }
        ),
        "Article": _object(
            {
                "id": {
                    "type": "integer",
                    "description": "The article's identity across versions; comments keep it.",
                },
                "label": {"type": "string", "description": "The printed number in the current version."},
                "number": INTEGER,
                "chapter": {**NULLABLE_STRING, "description": "The printed chapter heading, if any."},
                "section": {**NULLABLE_STRING, "description": "The printed section heading, if any."},
                "text": STRING,
                "comment_count": {"type": "integer", "minimum": 0},
            }
        ),
        "Draft": _object(
            {
                "slug": STRING,
                "title": STRING,
                "status": _ref("DraftStatus"),
                "summary": {"type": "string", "description": "The explanatory note, as sanitised HTML."},
                "opens_at": NULLABLE_DATE_TIME,
                "closes_at": NULLABLE_DATE_TIME,
                "show_comments": {"type": "boolean"},
                "comment_count": {"type": "integer", "minimum": 0},
                "version": _ref("Version"),
                "articles": {"type": "array", "items": _ref("Article")},
            }
        ),
        "Decision": _object({"outcome": _ref("Outcome"), "reason": STRING, "decided_at": DATE_TIME}),
        "PublicComment": _object(
            {
                "id": INTEGER,
                "article_id": {**NULLABLE_INTEGER, "description": "Null for a comment on the whole draft."},
                "body": STRING,
                "author_name": NULLABLE_STRING,
                "channel": _ref("Channel"),
                "submitted_at": DATE_TIME,
                "decision": {
                    **_nullable(_ref("Decision")),
                    "description": "Only once the draft's feedback is published.",
                },
            }
        ),
        "CommentPage": _object(
            {
                "comments": {"type": "array", "items": _ref("PublicComment")},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX},
                "total": {"type": "integer", "minimum": 0},
            }
        ),
        "NewComment": _object(
            {
                "body": {
                    "type": "string",
                    "minLength": BODY_MIN,
                    "maxLength": BODY_MAX,
                    "description": f"{BODY_MIN} to {BODY_MAX} characters once trimmed and stripped of tags.",
                },
                "article_id": {
                    **NULLABLE_INTEGER,
                    "description": "An article of the current version; absent or null for the whole draft.",
                },
                "author_name": {**NULLABLE_STRING, "maxLength": AUTHOR_NAME_MAX},
                "contact": {
                    **NULLABLE_STRING,
                    "maxLength": CONTACT_MAX,
                    "description": "A phone number or an email address; never published.",
                },
                "notify": {
                    "type": "boolean",
                    "default": False,
                    "description": "Email the commenter when the feedback is published (needs `contact`).",
                },
            },
            required=["body"],
            additionalProperties=True,
            description="Unknown properties are ignored.",
        ),
        "CommentReceipt": _object(
            {
                "receipt_code": {"type": "string", "maxLength": RECEIPT_CODE_MAX},
                "status": {"type": "string", "const": "pending"},
                "article_id": NULLABLE_INTEGER,
            }
        ),
        "Receipt": _object(
            {
                "receipt_code": {"type": "string", "maxLength": RECEIPT_CODE_MAX},
                "status": {"type": "string", "enum": RECEIPT_STATUSES},
                "draft": {"type": "string", "description": "The draft's slug."},
                "draft_title": STRING,
                "article_label": NULLABLE_STRING,
                "submitted_at": DATE_TIME,
                "reason": {
                    **NULLABLE_STRING,
                    "description": "Why the comment was not published, if it was not.",
                },
                "decision": {
                    **_nullable(_ref("Decision")),
                    "description": "Only once the draft's feedback is published.",
                },
            }
        ),
    }


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ok(description: str, schema_name: str) -> dict[str, Any]:
    return {"description": description, "content": _json(_ref(schema_name))}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json(_ref("Error"))}


def _responses() -> dict[str, Any]:
    return {
        "ValidationError": _error_response("`validation_error`: a value is malformed or breaks a rule."),
        "NotFound": _error_response("`not_found`: no such public draft, article or receipt code."),
        "ConsultationClosed": _error_response("`consultation_closed`: the draft is not open for comments."),
        "PayloadTooLarge": _error_response("`payload_too_large`: the request body is too large."),
        "UnsupportedMediaType": _error_response(
            "`unsupported_media_type`: the body is not application/json."
        ),
        "RateLimited": _error_response("`rate_limited`: too many comments from this address; retry later."),
    }


def _response_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _parameters() -> dict[str, Any]:
    return {
        "Slug": {
            "name": "slug",
            "in": "path",
            "required": True,
            "description": "The draft's slug.",
            "schema": {"type": "string"},
            "example": DEMO_SLUG,
        },
        "ReceiptCode": {
            "name": "code",
            "in": "path",
            "required": True,
            "description": "A receipt code; case, spaces and dashes are ignored.",
            "schema": {"type": "string"},
            "example": "4821-093-755-102",
        },
        "ArticleId": {
            "name": "article_id",
            "in": "query",
            "required": False,
            "description": "Only the comments on this article (an article of the draft).",
            "schema": {"type": "integer", "minimum": 1},
        },
        "Page": {
            "name": "page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        "PerPage": {
            "name": "per_page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX, "default": PER_PAGE_DEFAULT},
        },
    }


def _param_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _paths() -> dict[str, Any]:
    not_found = _response_ref("NotFound")
    return {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenapiDocument",
                "tags": ["meta"],
                "summary": "This description of the API",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": _json({"type": "object"}),
                    }
                },
            }
        },
        "/api/v1/drafts": {
            "get": {
                "operationId": "listDrafts",
                "tags": ["drafts"],
                "summary": "Published drafts, open consultations first",
                "responses": {"200": _ok("The public drafts.", "DraftList")},
            }
        },
        "/api/v1/drafts/{slug}": {
            "parameters": [_param_ref("Slug")],
            "get": {
                "operationId": "getDraft",
                "tags": ["drafts"],
                "summary": "A draft with its current version and articles",
                "responses": {"200": _ok("The draft.", "Draft"), "404": not_found},
            },
        },
        "/api/v1/drafts/{slug}/comments": {
            "parameters": [_param_ref("Slug")],
            "get": {
                "operationId": "listComments",
                "tags": ["comments"],
                "summary": "Published comments on a draft",
                "description": "Never contact details, addresses or receipt codes.",
                "parameters": [_param_ref("ArticleId"), _param_ref("Page"), _param_ref("PerPage")],
                "responses": {
                    "200": _ok("One page of published comments.", "CommentPage"),
                    "400": _response_ref("ValidationError"),
                    "404": not_found,
                },
            },
            "post": {
                "operationId": "submitComment",
                "tags": ["comments"],
                "summary": "Submit a comment on a draft or one of its articles",
                "description": "JSON only. The comment waits for moderation; keep the receipt code.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref("NewComment"),
                            "example": {"body": "Opening hours should include weekday evenings."},
                        }
                    },
                },
                "responses": {
                    "201": _ok("The comment was received.", "CommentReceipt"),
                    "400": _response_ref("ValidationError"),
                    "404": not_found,
                    "409": _response_ref("ConsultationClosed"),
                    "413": _response_ref("PayloadTooLarge"),
                    "415": _response_ref("UnsupportedMediaType"),
                    "429": _response_ref("RateLimited"),
                },
            },
        },
        "/api/v1/receipts/{code}": {
            "parameters": [_param_ref("ReceiptCode")],
            "get": {
                "operationId": "getReceipt",
                "tags": ["receipts"],
                "summary": "What became of a comment, by its receipt code",
                "description": "An unknown code is a 404 that says nothing more.",
                "responses": {"200": _ok("The comment's status.", "Receipt"), "404": not_found},
            },
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every /api/v1 endpoint, as a fresh JSON-serialisable dict."""
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "consult public API",
            "version": API_VERSION,
            "summary": "Drafts open for public comment, their articles and comments, and receipts.",
            "description": (
                "The JSON API of the public-comment platform. Times are ISO 8601 with offset. "
                'Every error answers the one shape `{"error": {"code", "message", "fields"?}}` '
                "with the HTTP status to match."
            ),
        },
        "tags": [
            {"name": "drafts", "description": "Drafts and their articles."},
            {"name": "comments", "description": "Published comments, and submitting one."},
            {"name": "receipts", "description": "Looking up a comment by its receipt code."},
            {"name": "meta", "description": "This description."},
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "responses": _responses(),
            "parameters": _parameters(),
        },
    }
    # The building blocks above share small dicts; a caller's edits must not reach the next call.
    return copy.deepcopy(document)
