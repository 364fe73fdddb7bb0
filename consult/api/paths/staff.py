"""Paths of the staff operations under /api/v1/admin (CONTRACT.md, "Staff and contact points")."""

# i18n: data-module — examples in API documentation are sample data, not interface text.

from __future__ import annotations

from typing import Any

from consult.api.paths.common import body, error_response, ok, param_ref, response_ref, staff
from consult.api.schemas.queries import StaffCommentsQuerySchema
from consult.models.types import ID_MAX

ARTICLE_ID = {
    "name": "article_id",
    "in": "path",
    "required": True,
    "description": "The article's id (its identity across versions), in the draft's current version.",
    "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
}


def paths() -> dict[str, Any]:
    """Comments, moderation, decisions, drafts and versions."""
    comment = ok("The comment as it is now.", "StaffComment")
    draft = ok("The draft as it is now.", "AdminDraft")
    no_comment = error_response("`not_found`: no comment with this id.")
    no_draft = error_response("`not_found`: no draft with this slug.")
    return {
        "/api/v1/admin/comments": {
            "get": staff(
                {
                    "operationId": "adminListComments",
                    "summary": "Every comment, oldest first, with contact details and provenance",
                    "parameters": [{"in": "query", "schema": StaffCommentsQuerySchema}],
                    "description": "An empty filter value is no filter.",
                    "responses": {
                        "200": ok("One page of comments.", "StaffCommentPage"),
                        "400": response_ref("ValidationError"),
                    },
                },
                write=False,
            )
        },
        "/api/v1/admin/comments/{comment_id}/moderate": {
            "parameters": [param_ref("CommentId")],
            "post": staff(
                {
                    "operationId": "adminModerateComment",
                    "summary": "Publish, reject (take down) or mark a comment as spam",
                    "requestBody": body("Moderation", {"action": "reject", "reason": "与本草案无关"}),
                    "responses": {
                        "200": comment,
                        "404": no_comment,
                        "409": error_response(
                            "`conflict`: `version` is not the comment's current version (someone else "
                            "moderated it); `fields.version` gives the current one."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/comments/{comment_id}/decision": {
            "parameters": [param_ref("CommentId")],
            "post": staff(
                {
                    "operationId": "adminDecideComment",
                    "summary": "Record or change the decision on a comment",
                    "requestBody": body(
                        "DecisionInput", {"outcome": "not_adopted", "reason": "上位法已有规定。"}
                    ),
                    "responses": {
                        "200": comment,
                        "404": no_comment,
                        "409": error_response(
                            "`conflict`: the draft's feedback is published; decisions no longer change; or "
                            "`decision_version` is not the current one (someone else decided in between)."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts": {
            "post": staff(
                {
                    "operationId": "adminCreateDraft",
                    "summary": "Create a draft from its whole text",
                    "description": "Public only once published: `publish: true` here, or later by PATCH.",
                    "requestBody": body(
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
                        "201": ok("The new draft.", "AdminDraft"),
                        "409": error_response("`conflict`: the slug given is in use (`fields.slug`)."),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}": {
            "parameters": [param_ref("Slug")],
            "patch": staff(
                {
                    "operationId": "adminUpdateDraft",
                    "summary": "Change a draft's title, note, dates, publication or comment display",
                    "requestBody": body("DraftChanges", {"closes_at": "2027-01-20T17:00:00+08:00"}),
                    "responses": {
                        "200": draft,
                        "404": no_draft,
                        "409": error_response(
                            "`conflict`: `lock_version` is not the draft's current one, or unpublishing "
                            "a draft that has comments."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}/comments": {
            "parameters": [param_ref("Slug")],
            "post": staff(
                {
                    "operationId": "adminEnterComment",
                    "summary": "Enter an opinion that arrived by letter, from a deputy or an expert",
                    "description": "Any draft, whatever its status; the comment gets a receipt code.",
                    "requestBody": body(
                        "OfflineComment", {"body": "建议增加夜间开放时间。", "channel": "letter"}
                    ),
                    "responses": {"201": ok("The new comment.", "StaffComment"), "404": no_draft},
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}/articles/{article_id}": {
            "parameters": [param_ref("Slug"), ARTICLE_ID],
            "patch": staff(
                {
                    "operationId": "adminExplainArticle",
                    "summary": "Set or remove an article's plain-language explanation (条文释义)",
                    "description": "The explanation of the article in the draft's current version; the "
                    "public draft and article pages show it folded under the article, and search finds "
                    "the article by its words.",
                    "requestBody": body(
                        "ExplanationInput", {"explanation": "这一条是说：城市书房每天至少开放十小时。"}
                    ),
                    "responses": {
                        "200": ok("The article as it is now.", "Article"),
                        "404": error_response(
                            "`not_found`: no draft with this slug, or no such article in its current version."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/drafts/{slug}/versions": {
            "parameters": [param_ref("Slug")],
            "post": staff(
                {
                    "operationId": "adminAddVersion",
                    "summary": "Make a revised text the draft's current version",
                    "requestBody": body("NewVersion", {"text": "…", "label": "（修改稿）"}),
                    "responses": {
                        "201": ok("The draft with its new version.", "AdminDraft"),
                        "404": no_draft,
                    },
                }
            ),
        },
    }
