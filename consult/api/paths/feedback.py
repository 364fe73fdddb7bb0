"""Paths of the feedback: the public report, satisfaction, the staff preview, publication and revision."""

from __future__ import annotations

# i18n: data-module — the Chinese in descriptions and examples is sample data, not interface text.
from typing import Any

from consult.api.paths.common import body, error_response, ok, param_ref, ref, response_ref, staff
from consult.api.schemas.feedback import (
    FeedbackItemsPageSchema,
    FeedbackPublishInputSchema,
    FeedbackStateSchema,
)
from consult.api.schemas.queries import FeedbackItemsQuerySchema
from consult.models.types import ID_MAX

ARTICLE_ID = {
    "name": "article_id",
    "in": "path",
    "required": True,
    "description": "An article in the report (a removed article too).",
    "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
}


def items(operation_id: str, summary: str, not_found: str) -> dict[str, Any]:
    """A page of one place's comments in the published report."""
    return {
        "operationId": operation_id,
        "tags": ["feedback"],
        "summary": summary,
        "description": "Oldest first, with their frozen decisions, paged by key: pass each answer's `next` "
        "(the report's `items_next` for the second page) as `after`; the last page costs what the first "
        "does. 404 until the feedback is published, or when the report has no such place.",
        "parameters": [{"in": "query", "schema": FeedbackItemsQuerySchema}],
        "responses": {
            "200": ok("A page of the place's comments.", FeedbackItemsPageSchema),
            "400": response_ref("ValidationError"),
            "404": not_found,
        },
    }


def paths() -> dict[str, Any]:
    """The public report, satisfaction, and the staff preview/publish/revision."""
    not_found = response_ref("NotFound")
    no_draft = error_response("`not_found`: no draft with this slug.")
    state = {
        "description": "The feedback stage of the draft.",
        "content": {"application/json": {"schema": ref(FeedbackStateSchema)}},
    }
    return {
        "/api/v1/drafts/{slug}/feedback": {
            "parameters": [param_ref("Slug")],
            "get": {
                "operationId": "getFeedback",
                "tags": ["feedback"],
                "summary": "The published adoption feedback (采纳情况反馈)",
                "description": "Decisions as the latest publication froze them, its figures as it kept "
                "them; each place's `items` are its first comments, the rest by `items_next` from "
                "`/feedback/articles/{article_id}` or `/feedback/general`. 404 until the first.",
                "responses": {"200": ok("The report.", "FeedbackReport"), "404": not_found},
            },
        },
        "/api/v1/drafts/{slug}/feedback/articles/{article_id}": {
            "parameters": [param_ref("Slug"), ARTICLE_ID],
            "get": items("getFeedbackArticle", "One article's comments in the published feedback", not_found),
        },
        "/api/v1/drafts/{slug}/feedback/general": {
            "parameters": [param_ref("Slug")],
            "get": items("getFeedbackGeneral", "The general opinions in the published feedback", not_found),
        },
        "/api/v1/drafts/{slug}/satisfaction": {
            "parameters": [param_ref("Slug")],
            "post": {
                "operationId": "rateFeedback",
                "tags": ["feedback"],
                "summary": "Rate the feedback with a receipt code (满意度测评)",
                "description": "One rating per receipt code: 201 the first time, 200 when it replaces one.",
                "requestBody": body("SatisfactionInput", {"receipt_code": "1234-5678-9012-3", "score": 4}),
                "responses": {
                    "200": ok("The rating replaced the earlier one.", "SatisfactionResult"),
                    "201": ok("The rating was recorded.", "SatisfactionResult"),
                    "400": response_ref("ValidationError"),
                    "404": not_found,
                    "409": error_response("`conflict`: the feedback is not published yet."),
                    "413": response_ref("PayloadTooLarge"),
                    "415": response_ref("UnsupportedMediaType"),
                    "429": response_ref("RateLimited"),
                },
            },
        },
        "/api/v1/admin/drafts/{slug}/feedback": {
            "parameters": [param_ref("Slug")],
            "get": staff(
                {
                    "operationId": "adminPreviewFeedback",
                    "summary": "The feedback stage and a preview with the decisions as they stand",
                    "responses": {"200": state, "404": no_draft},
                },
                write=False,
            ),
            "post": staff(
                {
                    "operationId": "adminPublishFeedback",
                    "summary": "Publish the feedback report (after the consultation has closed)",
                    "description": (
                        "Freezes the decisions. Publishing again needs an open revision and a "
                        "`revision_note`, which the public report shows."
                    ),
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": ref(FeedbackPublishInputSchema)}},
                    },
                    "responses": {
                        "201": state,
                        "404": no_draft,
                        "409": error_response("`conflict`: still open, or published and no revision open."),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}/feedback/revision": {
            "parameters": [param_ref("Slug")],
            "post": staff(
                {
                    "operationId": "adminOpenFeedbackRevision",
                    "summary": "Unfreeze the decisions until the feedback is published again",
                    "responses": {
                        "200": state,
                        "404": no_draft,
                        "409": error_response("`conflict`: not published yet, or a revision is open."),
                    },
                }
            ),
        },
    }
