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

from consult.comments.moderation import ACTIONS, OFFLINE_CHANNELS, REASON_MAX
from consult.comments.operations import BODY_MIN
from consult.comments.queries import PER_PAGE_DEFAULT, PER_PAGE_MAX
from consult.drafts.operations import SLUG_RE, TEXT_MAX, TITLE_MAX
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX, CONTACT_MAX, RECEIPT_CODE_MAX
from consult.models.enums import CHANNELS, COMMENT_STATUSES, DRAFT_STATUSES, OUTCOMES
from consult.personal_data import KINDS as PERSONAL_DATA_KINDS

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
    "idempotency_key_reused",
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
        "StaffDecision": _object(
            {
                "outcome": _ref("Outcome"),
                "reason": STRING,
                "decided_at": DATE_TIME,
                "version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Changes with every change; send it back as `decision_version`.",
                },
            }
        ),
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
                    "minimum": 1,
                    "maximum": ID_MAX,
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
                    "description": "Tell the commenter when the feedback is published. Needs a `contact` "
                    "that can be notified: an e-mail address, or a mobile number when the site has an SMS "
                    "gateway; otherwise 400 with `fields.notify`.",
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
                "body": {**STRING, "description": "The comment as submitted (not a masked copy)."},
                "article_id": NULLABLE_INTEGER,
                "article_label": {
                    **NULLABLE_STRING,
                    "description": "The article's label in the current version; null for the draft as a "
                    "whole or an article a revision removed.",
                },
                "article_label_at_submission": {
                    **NULLABLE_STRING,
                    "description": "The label in the version the person commented on (第十六条 when a "
                    "revision has since made it 第十五条).",
                },
                "submitted_at": DATE_TIME,
                "notify_by": {
                    "type": ["string", "null"],
                    "enum": ["email", "sms", None],
                    "description": "How the person will be told when the feedback is published; null: "
                    "not at all (no consent, or a contact that cannot be notified).",
                },
                "reason": {
                    **NULLABLE_STRING,
                    "description": "Why the comment was not published, if it was not.",
                },
                "decision": {
                    **_nullable(_ref("Decision")),
                    "description": "Only once the draft's feedback is published.",
                },
                "feedback": {
                    "type": "string",
                    "enum": ["under_study", "published"],
                    "description": "`under_study` (研究中) until the draft's feedback is published.",
                },
                "feedback_url": {
                    **NULLABLE_STRING,
                    "description": "The published feedback report, once there is one.",
                },
            }
        ),
    }


def _time_input(description: str) -> dict[str, Any]:
    """A time a staff body gives: what `datetime.fromisoformat` reads, so a bare date is accepted too."""
    return {
        "type": ["string", "null"],
        "description": (
            f"{description} ISO 8601, e.g. `2027-01-01T09:00:00+08:00`; without an offset it is Beijing "
            "time, and a bare date (`2027-01-01`) is its midnight. Null or an empty string: none."
        ),
        "examples": ["2027-01-01T09:00:00+08:00"],
    }


def _staff_schemas() -> dict[str, Any]:
    """Schemas of the staff endpoints under /api/v1/admin (consult/api/admin.py)."""
    id_field = {"type": ["integer", "null"], "minimum": 1, "maximum": ID_MAX}
    return {
        "CommentStatus": {"type": "string", "enum": list(COMMENT_STATUSES)},
        "AdminDraftStatus": {
            "type": "string",
            "enum": list(DRAFT_STATUSES),
            "description": "As the public sees it, or `draft` while the draft is not published.",
        },
        "StaffComment": _object(
            {
                "id": INTEGER,
                "draft": {"type": "string", "description": "The draft's slug."},
                "article_id": {**NULLABLE_INTEGER, "description": "Null for a comment on the whole draft."},
                "article_label": {
                    **NULLABLE_STRING,
                    "description": "The article's printed number in the newest version that has it.",
                },
                "body": {
                    "type": "string",
                    "description": "As the commenter wrote it (never published redacted).",
                },
                "masked_body": {
                    **NULLABLE_STRING,
                    "description": "The redacted copy that is published instead of `body`, if any.",
                },
                "personal_data": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(PERSONAL_DATA_KINDS)},
                    "description": "The kinds of personal data found in `body` (consult/personal_data.py).",
                },
                "suggested_mask": {
                    **NULLABLE_STRING,
                    "description": "`body` with them masked (138****5678) to publish instead; null: none.",
                },
                "author_name": NULLABLE_STRING,
                "channel": _ref("Channel"),
                "status": _ref("CommentStatus"),
                "moderation_reason": {
                    **NULLABLE_STRING,
                    "description": "Why it was rejected or marked as spam; null once published.",
                },
                "contact": {**NULLABLE_STRING, "description": "Phone number or email address; never public."},
                "notify": {"type": "boolean"},
                "receipt_code": {
                    "type": "string",
                    "maxLength": RECEIPT_CODE_MAX,
                    "description": "In its printed form, groups joined by dashes.",
                },
                "contact_point": {
                    **NULLABLE_STRING,
                    "description": "The slug of the contact point it came through, if any.",
                },
                "batch_id": {
                    **NULLABLE_INTEGER,
                    "description": "The intake batch it was imported in, if any.",
                },
                "submitted_at": DATE_TIME,
                "received_at": {
                    **NULLABLE_DATE_TIME,
                    "description": "When an opinion that came another way was received, if known.",
                },
                "decision": {
                    **_nullable(_ref("StaffDecision")),
                    "description": "The decision, shown to staff whether or not the feedback is published.",
                },
                "version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Changes with every change to the comment; send it back to moderate.",
                },
            },
            description="A comment as staff see it: the public fields plus status, contact and provenance.",
        ),
        "StaffCommentPage": _object(
            {
                "comments": {"type": "array", "items": _ref("StaffComment")},
                "page": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
                "per_page": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX},
                "total": {"type": "integer", "minimum": 0},
                "next_after": {
                    **NULLABLE_STRING,
                    "description": "Pass as `after` for the next page; null on the last page.",
                },
            }
        ),
        "Moderation": _object(
            {
                "action": {
                    "type": "string",
                    "enum": list(ACTIONS),
                    "description": "`reject` also takes down a published comment.",
                },
                "reason": {
                    **NULLABLE_STRING,
                    "maxLength": REASON_MAX,
                    "description": (
                        f"Required to `reject`; at most {REASON_MAX} characters once stripped of tags. "
                        "Dropped when the comment is published."
                    ),
                },
                "masked_body": {
                    **NULLABLE_STRING,
                    "minLength": 1,
                    "maxLength": BODY_MAX,
                    "description": (
                        "Only with `publish`: a redacted copy to publish instead of the original, which "
                        f"stays private; 1 to {BODY_MAX} characters once stripped of tags."
                    ),
                },
                "version": {
                    **id_field,
                    "description": "The comment's `version` as last seen: another value is a 409.",
                },
            },
            required=["action"],
            additionalProperties=True,
            description="Unknown properties are ignored.",
        ),
        "DecisionInput": _object(
            {
                "outcome": _ref("Outcome"),
                "reason": {
                    **NULLABLE_STRING,
                    "maxLength": BODY_MAX,
                    "description": (
                        "Published with the feedback. Required unless the outcome is `adopted`; at most "
                        f"{BODY_MAX} characters once stripped of tags."
                    ),
                },
                "decision_version": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "maximum": ID_MAX,
                    "description": (
                        "The decision's `version` you were looking at (0: there was none). When someone "
                        "else decided in between, the answer is 409 and nothing is overwritten."
                    ),
                },
            },
            required=["outcome"],
            additionalProperties=True,
            description="Records the decision, or replaces it until the draft's feedback is published.",
        ),
        "OfflineComment": _object(
            {
                "body": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": BODY_MAX,
                    "description": f"1 to {BODY_MAX} characters once trimmed and stripped of tags.",
                },
                "channel": {"type": "string", "enum": list(OFFLINE_CHANNELS)},
                "article_id": {
                    **id_field,
                    "description": "An article of the current version; absent or null for the whole draft.",
                },
                "author_name": {**NULLABLE_STRING, "maxLength": AUTHOR_NAME_MAX},
                "contact": {
                    **NULLABLE_STRING,
                    "maxLength": CONTACT_MAX,
                    "description": "A phone number or an email address; never published.",
                },
                "received_at": _time_input("When it was received; not in the future."),
            },
            required=["body", "channel"],
            additionalProperties=True,
            description="An opinion that came by letter, from a deputy or an expert; it awaits moderation.",
        ),
        "NewDraft": _object(
            {
                "title": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": TITLE_MAX,
                    "description": f"1 to {TITLE_MAX} characters once stripped of tags.",
                },
                "slug": {
                    **NULLABLE_STRING,
                    "description": (
                        "Trimmed and lower-cased, then it must match `" + SLUG_RE.pattern + "`; a slug "
                        "given and in use is a 409. Absent or blank: made from the title in pinyin, with "
                        "-2, -3… when that one is taken."
                    ),
                },
                "summary": {
                    "type": ["string", "null"],
                    "default": "",
                    "description": "The explanatory note: HTML, sanitised to a small allowlist.",
                },
                "text": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": TEXT_MAX,
                    "description": "The whole draft, parsed into chapters and articles (a 400 lists errors).",
                },
                "opens_at": _time_input("When the consultation opens."),
                "closes_at": _time_input("When it closes; after `opens_at`."),
                "publish": {
                    "type": "boolean",
                    "default": False,
                    "description": "Publish at once; otherwise the draft stays unpublished (`draft`).",
                },
                "show_comments": {
                    "type": "boolean",
                    "default": True,
                    "description": "Show published comments publicly; only `false` turns it off.",
                },
                "version_label": {
                    **NULLABLE_STRING,
                    "description": (
                        f"The first version's label (cut to {VERSION_LABEL_MAX} characters); absent: the "
                        "one the text gives, e.g. （征求意见稿）."
                    ),
                },
            },
            required=["title", "text"],
            additionalProperties=True,
            description="Unknown properties are ignored.",
        ),
        "DraftChanges": _object(
            {
                "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX},
                "summary": {**NULLABLE_STRING, "description": "HTML, sanitised to a small allowlist."},
                "opens_at": _time_input("When the consultation opens."),
                "closes_at": _time_input("When it closes (closing early: now); after `opens_at`."),
                "publish": {
                    "type": "boolean",
                    "description": "`true` publishes; `false` withdraws a draft without comments (else 409).",
                },
                "show_comments": {"type": "boolean"},
                "lock_version": {
                    **id_field,
                    "description": "The draft's `lock_version` as last seen: another value is a 409.",
                },
            },
            required=[],
            additionalProperties=False,
            description="Only the properties given change; any other property is a 400.",
        ),
        "NewVersion": _object(
            {
                "text": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": TEXT_MAX,
                    "description": "The whole revised draft, parsed like a new one.",
                },
                "label": {
                    **NULLABLE_STRING,
                    "description": (
                        f"The version's label (cut to {VERSION_LABEL_MAX} characters); absent: the one "
                        "the text gives."
                    ),
                },
            },
            required=["text"],
            additionalProperties=True,
            description="Articles keep their identity (`id`) where they are the same article.",
        ),
        "AdminDraft": _object(
            {
                "slug": STRING,
                "title": STRING,
                "summary": {"type": "string", "description": "The explanatory note, as sanitised HTML."},
                "status": _ref("AdminDraftStatus"),
                "opens_at": NULLABLE_DATE_TIME,
                "closes_at": NULLABLE_DATE_TIME,
                "published_at": {
                    **NULLABLE_DATE_TIME,
                    "description": "Null while the draft is not published.",
                },
                "show_comments": {"type": "boolean"},
                "lock_version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Changes with every change to the draft; send it back to PATCH.",
                },
                "version": _ref("Version"),
                "articles": {
                    "type": "array",
                    "items": _ref("Article"),
                    "description": "The current version's articles; `comment_count` is 0 here.",
                },
            },
            description="A draft as staff see it, with its current version and articles.",
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
    from consult.api.openapi_extra import intake_paths, intake_schemas, search_paths, search_schemas

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
                **_schemas(),
                **_staff_schemas(),
                **intake_schemas(),
                **search_schemas(),
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
