"""Paths of the groups of similar comments (CONTRACT.md, "Groups and themes (staff)")."""

# i18n: data-module — examples in API documentation are sample data, not interface text.

from __future__ import annotations

from typing import Any

from consult.api.paths.common import body, error_response, ok, param_ref, response_ref, staff
from consult.api.schemas.groups import GroupsQuerySchema
from consult.models.types import ID_MAX


def paths() -> dict[str, Any]:
    """The list of a draft's groups; split, merge, confirm and decide."""
    group_id = {
        "name": "group_id",
        "in": "path",
        "required": True,
        "description": "The group's id.",
        "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
    }
    answer = ok("The group as it is now (null: no group is left).", "GroupAnswer")
    no_group = error_response("`not_found`: no group with this id.")
    decided = "The group, and how many members carry its decision."
    return {
        "/api/v1/admin/drafts/{slug}/groups": {
            "parameters": [param_ref("Slug")],
            "get": staff(
                {
                    "operationId": "adminListGroups",
                    "summary": "A draft's groups of similar comments, largest first, a page at a time",
                    "description": (
                        "Near-duplicates (a campaign text with small edits) per article, grouped as comments "
                        "arrive (pending and published alike; spam never). `burst`: many members arrived "
                        "within a short time from few addresses. Paged by key: `next_after` is the next "
                        "page's `after`. Each group lists its first members' ids (`size` says how many it "
                        "holds); `GET /api/v1/admin/groups/{group_id}` lists them all."
                    ),
                    "parameters": [{"in": "query", "schema": GroupsQuerySchema}],
                    "responses": {
                        "200": ok("The groups.", "GroupList"),
                        "400": response_ref("ValidationError"),
                        "404": error_response("`not_found`: no draft with this slug."),
                    },
                },
                write=False,
            ),
        },
        "/api/v1/admin/groups/{group_id}": {
            "parameters": [group_id],
            "get": staff(
                {
                    "operationId": "adminGetGroup",
                    "summary": "One group with every member's id",
                    "responses": {"200": ok("The group.", "GroupAnswer"), "404": no_group},
                },
                write=False,
            ),
        },
        "/api/v1/admin/groups/{group_id}/moderate": {
            "parameters": [group_id],
            "post": staff(
                {
                    "operationId": "adminModerateGroup",
                    "summary": "Publish or reject every pending member of a group at once",
                    "description": (
                        "In one transaction, by the rules of one comment's moderation (`reject` needs a "
                        "reason). Publishing is refused (400, `fields.confirm_personal_data`) while a "
                        "pending member seems to carry personal data, unless `confirm_personal_data` is "
                        "true."
                    ),
                    "requestBody": body(
                        "GroupModerationInput",
                        {"action": "publish", "confirm_personal_data": False, "expected_count": 12},
                    ),
                    "responses": {
                        "200": ok("The group, and how many members were moderated.", "GroupModerationAnswer"),
                        "400": response_ref("ValidationError"),
                        "404": no_group,
                        "409": error_response(
                            "`conflict`: no member is pending, or `expected_count` is no longer the number "
                            "of pending members."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/groups/{group_id}/split": {
            "parameters": [group_id],
            "post": staff(
                {
                    "operationId": "adminSplitGroup",
                    "summary": "Take a comment out of its group; it stays out",
                    "requestBody": body("SplitInput", {"comment_id": 42}),
                    "responses": {"200": answer, "404": no_group},
                }
            ),
        },
        "/api/v1/admin/groups/merge": {
            "post": staff(
                {
                    "operationId": "adminMergeGroups",
                    "summary": "Merge groups of one article into the oldest of them",
                    "description": "The merged members stay together whatever a recomputation finds.",
                    "requestBody": body("MergeInput", {"groups": [3, 7]}),
                    "responses": {"200": answer, "404": no_group},
                }
            ),
        },
        "/api/v1/admin/groups/{group_id}/confirm": {
            "parameters": [group_id],
            "post": staff(
                {
                    "operationId": "adminConfirmGroup",
                    "summary": "Confirm a group",
                    "description": (
                        "Its members stay in it whatever a recomputation finds; new near-duplicates still "
                        "join it. No request body."
                    ),
                    "responses": {"200": answer, "404": no_group},
                }
            ),
        },
        "/api/v1/admin/groups/{group_id}/decision": {
            "parameters": [group_id],
            "post": staff(
                {
                    "operationId": "adminDecideGroup",
                    "summary": "One decision for a group (随组决定)",
                    "description": (
                        "Every published member without a decision of its own carries the outcome and "
                        "reason; members that join the group or are published later inherit it; a "
                        "member's own decision (`POST /api/v1/admin/comments/{id}/decision`) wins. Deciding "
                        "confirms the group. Refused with 409 once the feedback report is published, or "
                        "when `decision_version` is not the group's."
                    ),
                    "requestBody": body(
                        "GroupDecisionInput",
                        {"outcome": "not_adopted", "reason": "已有规定", "decision_version": 0},
                    ),
                    "responses": {
                        "200": ok(decided, "GroupDecisionAnswer"),
                        "404": no_group,
                        "409": error_response(
                            "`conflict`: the decisions are frozen, or someone else decided."
                        ),
                    },
                }
            ),
        },
    }
