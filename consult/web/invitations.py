"""The invitee's own page (我的邀请): the invitations a deputy or an expert received, answered or not."""

from __future__ import annotations

from flask import Blueprint, render_template

from consult.auth.access import access, current_actor
from consult.clock import utcnow
from consult.invitations.queries import my_invitations

bp = Blueprint("invitee", __name__)


@bp.get("/my/invitations")
@access("commenter")
def my_invitations_page():
    """Each invitation: 邀请您提出意见, the draft, the articles asked about, the due time, answered or not."""
    rows = my_invitations(current_actor().id)
    return (
        render_template("public/my_invitations.html", invitations=rows, now=utcnow()),
        200,
        {"Cache-Control": "private, no-store"},
    )
