"""The OpenAPI 3.1 description of the JSON API under /api/v1 (CONTRACT.md, "HTTP": "Public", and
"Staff and contact points" for the endpoints under /api/v1/admin).

Plain dictionaries, built afresh on each call so a caller may change its copy. Paths are written in
full (`/api/v1/...`, no `servers` entry) so the tests can compare them with Flask's url_map, and the
tests also run the description against the app with schemathesis: keep it true.

Response objects list the contract's fields as `required` but allow more, since the contract may be
extended; a request body for a comment allows unknown properties too (they are ignored), so a client
written against a later version of this description keeps working.

Staff operations (tag "staff") declare their security: a Bearer token from `users token`, or the
session cookie from /login, with which a write also needs the X-CSRFToken header. Their request
bodies describe what the views in consult/api/admin.py and the operations they call accept.
"""

# i18n: data-module — examples in API documentation are sample data, not interface text.

from __future__ import annotations

import copy
from typing import Any

from consult.models.enums import CHANNELS, COMMENT_STATUSES, DRAFT_STATUSES, OUTCOMES
from consult.paging import PER_PAGE_DEFAULT, PER_PAGE_MAX

API_VERSION = "1.0.0"
# Ids are PostgreSQL `integer` columns; a larger one names nothing and is answered with an error.
ID_MAX = 2**31 - 1
# An open consultation in the demo data (`make run` loads it): the slug parameter's example.
DEMO_SLUG = "chengshi-shufang-tiaoli"
# A draft in the "draft" state is never public, so the API never shows that status.
PUBLIC_DRAFT_STATUSES = ["upcoming", "open", "closed", "concluded"]
RECEIPT_STATUSES = ["pending", "published", "not_published"]
# A staff page is capped like the public one; `page` itself stops at this (serialize.paging).
PAGE_MAX = 100_000
# The label of a draft version is cut to this many characters (drafts.operations._add_version).
VERSION_LABEL_MAX = 100
STAFF_SECURITY = [{"bearerToken": []}, {"sessionCookie": []}]


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


def _enum_schemas() -> dict[str, Any]:
    """Enumerations the hand-written parts still refer to by name."""
    return {
        "Channel": {"type": "string", "enum": list(CHANNELS)},
        "Outcome": {"type": "string", "enum": list(OUTCOMES)},
        "CommentStatus": {"type": "string", "enum": list(COMMENT_STATUSES)},
        "AdminDraftStatus": {
            "type": "string",
            "enum": list(DRAFT_STATUSES),
            "description": "As the public sees it, or `draft` while the draft is not published.",
        },
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
        "Unauthorized": _error_response(
            "`unauthorized`: no credentials, an unknown or revoked token, or an inactive account."
        ),
        "Forbidden": _error_response("`forbidden`: the account's role is not staff or admin."),
        "StaffBadRequest": _error_response(
            "`validation_error`: a value is malformed or breaks a rule; or `csrf_failed`: a write "
            "authenticated by the session cookie without a valid X-CSRFToken header."
        ),
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
            "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
        },
        "Page": {
            "name": "page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX, "default": 1},
        },
        "PerPage": {
            "name": "per_page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX, "default": PER_PAGE_DEFAULT},
        },
        "CommentId": {
            "name": "comment_id",
            "in": "path",
            "required": True,
            "description": "The comment's id.",
            "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
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
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "1–64 visible ASCII characters, kept 24 hours. The same key with the "
                        "same body answers 200 with the first answer and stores nothing; the same key with "
                        "another body is 422 `idempotency_key_reused`.",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[!-~]+$"},
                    }
                ],
                "responses": {
                    "200": _ok(
                        "A repeat of a request already answered (same Idempotency-Key, same body): "
                        "the first answer, nothing stored.",
                        "CommentReceipt",
                    ),
                    "201": _ok("The comment was received.", "CommentReceipt"),
                    "400": _response_ref("ValidationError"),
                    "404": not_found,
                    "409": _response_ref("ConsultationClosed"),
                    "413": _response_ref("PayloadTooLarge"),
                    "415": _response_ref("UnsupportedMediaType"),
                    "422": _error_response(
                        "`idempotency_key_reused`: the Idempotency-Key already answered a different body."
                    ),
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


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _staff(operation: dict[str, Any], write: bool = True) -> dict[str, Any]:
    """A staff operation: tag, security, and the answers every one of them may give."""
    responses = {
        **operation.pop("responses"),
        "401": _response_ref("Unauthorized"),
        "403": _response_ref("Forbidden"),
    }
    if write:
        responses.setdefault("400", _response_ref("StaffBadRequest"))
        responses["413"] = _response_ref("PayloadTooLarge")
        responses["415"] = _response_ref("UnsupportedMediaType")
    return {
        **operation,
        "tags": ["staff"],
        "security": STAFF_SECURITY,
        "responses": dict(sorted(responses.items())),
    }


def _body(schema_name: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": _ref(schema_name), "example": example}},
    }


def _staff_paths() -> dict[str, Any]:
    """The staff endpoints under /api/v1/admin (CONTRACT.md, "Staff and contact points")."""
    comment = _ok("The comment as it is now.", "StaffComment")
    draft = _ok("The draft as it is now.", "AdminDraft")
    no_comment = _error_response("`not_found`: no comment with this id.")
    no_draft = _error_response("`not_found`: no draft with this slug.")
    return {
        "/api/v1/admin/comments": {
            "get": _staff(
                {
                    "operationId": "adminListComments",
                    "summary": "Every comment, oldest first, with contact details and provenance",
                    "parameters": [
                        _query("status", _ref("CommentStatus"), "Only comments with this status."),
                        _query("draft", STRING, "Only comments on the draft with this slug."),
                        _query(
                            "article_id",
                            {"type": "integer", "minimum": 1, "maximum": ID_MAX},
                            "Only comments on this article.",
                        ),
                        _query("channel", _ref("Channel"), "Only comments that came this way."),
                        _query(
                            "contact_point", STRING, "Only comments through the contact point with this slug."
                        ),
                        _query("q", STRING, "Only comments whose body contains this text, ignoring case."),
                        _param_ref("Page"),
                        _param_ref("PerPage"),
                        _query(
                            "after",
                            {"type": "string", "pattern": r"^[0-9]{1,18}-[0-9]{1,10}$"},
                            "Start after this position: the `next_after` of the previous page (keyset "
                            "pagination: a deep page costs what the first does; `page` is then only echoed).",
                        ),
                    ],
                    "description": "An empty filter value is no filter.",
                    "responses": {
                        "200": _ok("One page of comments.", "StaffCommentPage"),
                        "400": _response_ref("ValidationError"),
                    },
                },
                write=False,
            )
        },
        "/api/v1/admin/comments/{comment_id}/moderate": {
            "parameters": [_param_ref("CommentId")],
            "post": _staff(
                {
                    "operationId": "adminModerateComment",
                    "summary": "Publish, reject (take down) or mark a comment as spam",
                    "requestBody": _body("Moderation", {"action": "reject", "reason": "与本草案无关"}),
                    "responses": {
                        "200": comment,
                        "404": no_comment,
                        "409": _error_response(
                            "`conflict`: `version` is not the comment's current version (someone else "
                            "moderated it); `fields.version` gives the current one."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/comments/{comment_id}/decision": {
            "parameters": [_param_ref("CommentId")],
            "post": _staff(
                {
                    "operationId": "adminDecideComment",
                    "summary": "Record or change the decision on a comment",
                    "requestBody": _body(
                        "DecisionInput", {"outcome": "not_adopted", "reason": "上位法已有规定。"}
                    ),
                    "responses": {
                        "200": comment,
                        "404": no_comment,
                        "409": _error_response(
                            "`conflict`: the draft's feedback is published; decisions no longer change; or "
                            "`decision_version` is not the current one (someone else decided in between)."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts": {
            "post": _staff(
                {
                    "operationId": "adminCreateDraft",
                    "summary": "Create a draft from its whole text",
                    "description": "Public only once published: `publish: true` here, or later by PATCH.",
                    "requestBody": _body(
                        "NewDraft",
                        {
                            "title": "本市示例管理条例（草案）",
                            "summary": "<p>起草说明。</p>",
                            "text": "本市示例管理条例（草案）\n\n第一条　为了规范示例管理，制定本条例。\n",
                            "opens_at": "2027-01-01T09:00:00+08:00",
                            "closes_at": "2027-01-31T17:00:00+08:00",
                            "publish": True,
                        },
                    ),
                    "responses": {
                        "201": _ok("The new draft.", "AdminDraft"),
                        "409": _error_response("`conflict`: the slug given is in use (`fields.slug`)."),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}": {
            "parameters": [_param_ref("Slug")],
            "patch": _staff(
                {
                    "operationId": "adminUpdateDraft",
                    "summary": "Change a draft's title, note, dates, publication or comment display",
                    "requestBody": _body("DraftChanges", {"closes_at": "2027-01-20T17:00:00+08:00"}),
                    "responses": {
                        "200": draft,
                        "404": no_draft,
                        "409": _error_response(
                            "`conflict`: `lock_version` is not the draft's current one, or unpublishing "
                            "a draft that has comments."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}/comments": {
            "parameters": [_param_ref("Slug")],
            "post": _staff(
                {
                    "operationId": "adminEnterComment",
                    "summary": "Enter an opinion that arrived by letter, from a deputy or an expert",
                    "description": "Any draft, whatever its status; the comment gets a receipt code.",
                    "requestBody": _body(
                        "OfflineComment", {"body": "建议增加夜间开放时间。", "channel": "letter"}
                    ),
                    "responses": {"201": _ok("The new comment.", "StaffComment"), "404": no_draft},
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}/versions": {
            "parameters": [_param_ref("Slug")],
            "post": _staff(
                {
                    "operationId": "adminAddVersion",
                    "summary": "Make a revised text the draft's current version",
                    "requestBody": _body("NewVersion", {"text": "…", "label": "（修改稿）"}),
                    "responses": {
                        "201": _ok("The draft with its new version.", "AdminDraft"),
                        "404": no_draft,
                    },
                }
            ),
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every /api/v1 endpoint, as a fresh JSON-serialisable dict."""
    from consult.api import openapi_exports, openapi_feedback, openapi_versions
    from consult.api.openapi_extra import intake_paths, intake_schemas, search_paths
    from consult.api.spec import component_schemas

    parts = (openapi_feedback, openapi_versions, openapi_exports)

    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "consult API",
            "version": API_VERSION,
            "summary": "Drafts open for public comment, their articles, comments and receipts; staff work.",
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
            {"name": "feedback", "description": "The adoption feedback and satisfaction with it."},
            {"name": "meta", "description": "This description."},
            {
                "name": "staff",
                "description": "Moderation, decisions and drafts: staff and admins, by token or session.",
            },
        ],
        "paths": {
            **_paths(),
            **search_paths(_response_ref("ValidationError")),
            **_staff_paths(),
            **intake_paths(_staff, _error_response),
            **{path: item for part in parts for path, item in part.paths().items()},
        },
        "components": {
            "schemas": {
                **component_schemas(),
                **_enum_schemas(),
                **intake_schemas(),
                **{name: schema for part in parts for name, schema in part.schemas().items()},
            },
            "responses": _responses(),
            "parameters": _parameters(),
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "A personal API token (`flask --app consult users token NAME`): "
                        "`Authorization: Bearer <token>`. It authenticates alone, without CSRF token."
                    ),
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": (
                        "The session cookie from `POST /login`; a write must then carry the page's CSRF "
                        "token in the X-CSRFToken header (else 400 `csrf_failed`)."
                    ),
                },
            },
        },
    }
    # The building blocks above share small dicts; a caller's edits must not reach the next call.
    return copy.deepcopy(document)
