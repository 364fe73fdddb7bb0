"""OpenAPI descriptions of the feedback endpoints (merged into consult/api/openapi.py)."""

from __future__ import annotations

# i18n: data-module — the Chinese in descriptions and examples is sample data, not interface text.
from typing import Any

OUTCOME_KEYS = (
    "adopted",
    "partially_adopted",
    "not_adopted",
    "already_provided",
    "out_of_scope",
)
CHANNEL_KEYS = ("web", "contact_point", "deputy", "expert", "letter")


def _counts(keys: tuple[str, ...], description: str) -> dict[str, Any]:
    from consult.api.openapi import _object

    return _object({k: {"type": "integer", "minimum": 0} for k in keys}, description=description)


def schemas() -> dict[str, Any]:
    """FeedbackReport and its parts, SatisfactionInput/Result, FeedbackState."""
    from consult.api.openapi import (
        DATE_TIME,
        INTEGER,
        NULLABLE_DATE_TIME,
        NULLABLE_INTEGER,
        NULLABLE_STRING,
        STRING,
        _object,
        _ref,
    )

    place = _object(
        {
            "article_id": {**NULLABLE_INTEGER, "description": "null for the general opinions."},
            "label": {**NULLABLE_STRING, "description": "The label in the current version."},
            "chapter": NULLABLE_STRING,
            "removed": {"type": "boolean", "description": "The article is not in the current version."},
            "comment_count": {"type": "integer", "minimum": 0},
            "outcomes": _counts(
                (*OUTCOME_KEYS, "undecided"), "Published comments per outcome (and undecided)."
            ),
            "items": {"type": "array", "items": _ref("FeedbackItem")},
        }
    )
    return {
        "FeedbackItem": _object(
            {
                "comment_id": INTEGER,
                "body": {**STRING, "description": "The public text (the masked copy where there is one)."},
                "channel": _ref("Channel"),
                "outcome": {"anyOf": [_ref("Outcome"), {"type": "null"}], "description": "null: undecided."},
                "reason": STRING,
                "commented_label": {
                    **NULLABLE_STRING,
                    "description": "The label the comment was made on, when renumbered since.",
                },
                "commented_as": {
                    **NULLABLE_STRING,
                    "description": "The article as the commenter knows it, when renumbered or removed "
                    "since: 第十六条（征求意见稿）· 现第十五条.",
                },
            }
        ),
        "FeedbackPlace": place,
        "FeedbackReport": _object(
            {
                "draft": STRING,
                "draft_title": STRING,
                "published_at": {
                    **NULLABLE_DATE_TIME,
                    "description": "The latest publication (null: preview).",
                },
                "publication": {**NULLABLE_INTEGER, "description": "1, then one more per revision."},
                "revisions": {
                    "type": "array",
                    "items": _object({"number": INTEGER, "published_at": DATE_TIME, "revision_note": STRING}),
                },
                "totals": _counts(
                    ("comments", "participants", *OUTCOME_KEYS, "undecided"),
                    "Published comments, distinct participants (README), and per outcome.",
                ),
                "contact_points": {"type": "integer", "minimum": 0},
                "comments_shown": {
                    "type": "boolean",
                    "description": "false: the draft does not show comments publicly; every `body` is empty.",
                },
                "by_channel": _counts(CHANNEL_KEYS, "Published comments per channel."),
                "satisfaction": _object(
                    {"count": {"type": "integer", "minimum": 0}, "average": {"type": ["number", "null"]}}
                ),
                "articles": {"type": "array", "items": place},
                "general": place,
            }
        ),
        "SatisfactionInput": _object(
            {
                "receipt_code": STRING,
                "score": {"type": "integer", "minimum": 1, "maximum": 5, "description": "5: very satisfied."},
                "comment": {"type": "string", "maxLength": 1000},
            },
            required=["receipt_code", "score"],
        ),
        "SatisfactionResult": _object(
            {
                "receipt_code": STRING,
                "score": {"type": "integer", "minimum": 1, "maximum": 5},
                "comment": STRING,
                "updated_at": DATE_TIME,
            }
        ),
        "FeedbackState": _object(
            {
                "draft": STRING,
                "status": _ref("AdminDraftStatus"),
                "feedback_published_at": NULLABLE_DATE_TIME,
                "revising": {"type": "boolean"},
                "decisions_frozen": {"type": "boolean"},
                "contacts_purge_due_at": NULLABLE_DATE_TIME,
                "contacts_purged_at": NULLABLE_DATE_TIME,
                "public_url": NULLABLE_STRING,
                "preview": {**_ref("FeedbackReport"), "description": "GET only: what publishing would show."},
                "publication": {
                    **_object({"number": INTEGER, "published_at": DATE_TIME, "revision_note": STRING}),
                    "description": "POST only: the publication just made.",
                },
            },
            required=["draft", "status", "revising", "decisions_frozen"],
        ),
        "FeedbackPublishInput": _object(
            {"revision_note": {"type": "string", "description": "Required when publishing a revision."}},
            required=[],
        ),
    }


def paths() -> dict[str, Any]:
    """The public report, satisfaction, and the staff preview/publish/revision."""
    from consult.api.openapi import _body, _error_response, _ok, _param_ref, _ref, _response_ref, _staff

    not_found = _response_ref("NotFound")
    no_draft = _error_response("`not_found`: no draft with this slug.")
    state = {
        "description": "The feedback stage of the draft.",
        "content": {"application/json": {"schema": _ref("FeedbackState")}},
    }
    return {
        "/api/v1/drafts/{slug}/feedback": {
            "parameters": [_param_ref("Slug")],
            "get": {
                "operationId": "getFeedback",
                "tags": ["feedback"],
                "summary": "The published adoption feedback (采纳情况反馈)",
                "description": "Decisions as the latest publication froze them; 404 until the first.",
                "responses": {"200": _ok("The report.", "FeedbackReport"), "404": not_found},
            },
        },
        "/api/v1/drafts/{slug}/satisfaction": {
            "parameters": [_param_ref("Slug")],
            "post": {
                "operationId": "rateFeedback",
                "tags": ["feedback"],
                "summary": "Rate the feedback with a receipt code (满意度测评)",
                "description": "One rating per receipt code: 201 the first time, 200 when it replaces one.",
                "requestBody": _body("SatisfactionInput", {"receipt_code": "1234-5678-9012-3", "score": 4}),
                "responses": {
                    "200": _ok("The rating replaced the earlier one.", "SatisfactionResult"),
                    "201": _ok("The rating was recorded.", "SatisfactionResult"),
                    "400": _response_ref("ValidationError"),
                    "404": not_found,
                    "409": _error_response("`conflict`: the feedback is not published yet."),
                    "413": _response_ref("PayloadTooLarge"),
                    "415": _response_ref("UnsupportedMediaType"),
                },
            },
        },
        "/api/v1/admin/drafts/{slug}/feedback": {
            "parameters": [_param_ref("Slug")],
            "get": _staff(
                {
                    "operationId": "adminPreviewFeedback",
                    "summary": "The feedback stage and a preview with the decisions as they stand",
                    "responses": {"200": state, "404": no_draft},
                },
                write=False,
            ),
            "post": _staff(
                {
                    "operationId": "adminPublishFeedback",
                    "summary": "Publish the feedback report (after the consultation has closed)",
                    "description": (
                        "Freezes the decisions. Publishing again needs an open revision and a "
                        "`revision_note`, which the public report shows."
                    ),
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": _ref("FeedbackPublishInput")}},
                    },
                    "responses": {
                        "201": state,
                        "404": no_draft,
                        "409": _error_response("`conflict`: still open, or published and no revision open."),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}/feedback/revision": {
            "parameters": [_param_ref("Slug")],
            "post": _staff(
                {
                    "operationId": "adminOpenFeedbackRevision",
                    "summary": "Unfreeze the decisions until the feedback is published again",
                    "responses": {
                        "200": state,
                        "404": no_draft,
                        "409": _error_response("`conflict`: not published yet, or a revision is open."),
                    },
                }
            ),
        },
    }
