"""Paths of the invitations of deputies and experts (CONTRACT.md, "Reach")."""

# i18n: data-module — examples in API documentation are sample data, not interface text.

from __future__ import annotations

from typing import Any

from consult.api.paths.common import body, error_response, ok, param_ref, response_ref, staff
from consult.models.types import ID_MAX


def paths() -> dict[str, Any]:
    """A draft's invitations: list, invite; one reminder per invitation."""
    no_draft = error_response("`not_found`: no draft with this slug.")
    return {
        "/api/v1/admin/drafts/{slug}/invitations": {
            "parameters": [param_ref("Slug")],
            "get": staff(
                {
                    "operationId": "adminListInvitations",
                    "summary": "A draft's invitations, with who answered",
                    "description": (
                        "Those not yet answered first, then by due time. An invitation is answered once "
                        "its deputy or expert commented on the draft as a whole or on an article asked "
                        "about (signed in or with their token); spam does not count."
                    ),
                    "responses": {"200": ok("The invitations.", "InvitationList"), "404": no_draft},
                },
                write=False,
            ),
            "post": staff(
                {
                    "operationId": "adminInvite",
                    "summary": "Invite a deputy or an expert to comment by a due time",
                    "description": (
                        "The draft must be published and not yet closed; the account active, of role "
                        "`deputy` or `expert`, with an e-mail address. The invitation mail is queued "
                        "and sent once by `flask --app consult notify send`. Inviting the same account "
                        "to the same draft again is a 409 `conflict`."
                    ),
                    "requestBody": body(
                        "InvitationInput",
                        {"username": "zhang-daibiao", "article_ids": [3, 4], "due": "2027-01-31"},
                    ),
                    "responses": {
                        "201": ok("The invitation.", "Invitation"),
                        "404": no_draft,
                        "409": error_response(
                            "`conflict`: already invited, or the draft is not open or upcoming."
                        ),
                    },
                }
            ),
        },
        "/api/v1/admin/invitations/{invitation_id}/remind": {
            "parameters": [
                {
                    "name": "invitation_id",
                    "in": "path",
                    "required": True,
                    "description": "The invitation's id.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
                }
            ],
            "post": staff(
                {
                    "operationId": "adminRemind",
                    "summary": "Send the one reminder of an invitation",
                    "description": (
                        "Queues a reminder mail (sent once by `notify send`). A second reminder, a "
                        "reminder of an invitation already answered, or one while the draft is not open "
                        "is a 409 `conflict` that says which."
                    ),
                    "responses": {
                        "200": ok("The invitation, with `reminded_at`.", "Invitation"),
                        "404": response_ref("NotFound"),
                        "409": error_response("`conflict`: reminded already, answered, or not open."),
                    },
                }
            ),
        },
    }
