"""JSON door of subscriptions: POST /api/v1/subscriptions (the links are pages: web/subscriptions.py)."""

from __future__ import annotations

from flask import jsonify

from consult.api import bp
from consult.api.schemas.base import load
from consult.api.schemas.subscriptions import SubscriptionInputSchema, SubscriptionRequestedSchema
from consult.api.serialize import json_body
from consult.auth.access import public
from consult.context import RequestContext
from consult.i18n import _
from consult.ratelimits import refusals_counted
from consult.reach.subscriptions import subscribe


@bp.post("/subscriptions")
@public
def post_subscription():
    """Ask for a subscription → 202: a confirmation message is queued; nothing else until it is opened."""
    ctx = RequestContext.from_request()
    with refusals_counted(ctx.address):
        data = load(SubscriptionInputSchema(), json_body())
        requested = subscribe(ctx, data.get("email"), data.get("topics"), data.get("phone"))
    answer = {
        "status": "pending_confirmation",
        "channel": requested.channel,
        "topics": list(requested.topics),
        "message": _("请查收确认消息并打开其中的链接；确认之前不会发送任何通知。"),
    }
    return jsonify(SubscriptionRequestedSchema().dump(answer)), 202
