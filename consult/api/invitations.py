"""Staff endpoints for invitations of deputies and experts (CONTRACT.md, "Reach")."""

from __future__ import annotations

from flask import jsonify

from consult.api import bp
from consult.api.schemas.base import load
from consult.api.schemas.invitations import InvitationInputSchema, InvitationListSchema, InvitationSchema
from consult.api.serialize import json_body
from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.drafts.queries import by_slug
from consult.invitations.operations import InvitationInput, invite, remind
from consult.invitations.queries import draft_invitations, invitation_view


@bp.get("/admin/drafts/<slug>/invitations")
@access("staff")
def admin_list_invitations(slug: str):
    """A draft's invitations, those not yet answered first, each with `answered`."""
    draft = by_slug(slug)
    return jsonify(InvitationListSchema().dump({"invitations": draft_invitations(draft.id)}))


@bp.post("/admin/drafts/<slug>/invitations")
@access("staff")
def admin_invite(slug: str):
    """Invite a deputy or an expert to comment on the draft or chosen articles by a due time → 201."""
    data = load(InvitationInputSchema(), json_body())
    payload = InvitationInput(data.get("username"), data.get("article_ids"), data.get("due"))
    invitation = invite(current_actor(), RequestContext.from_request(), slug, payload)
    return jsonify(InvitationSchema().dump(invitation_view(invitation.id))), 201


@bp.post("/admin/invitations/<int:invitation_id>/remind")
@access("staff")
def admin_remind(invitation_id: int):
    """Send the one reminder of an invitation not yet answered (a second one: 409)."""
    remind(current_actor(), RequestContext.from_request(), invitation_id)
    return jsonify(InvitationSchema().dump(invitation_view(invitation_id)))
