"""Subscription shapes: the request (an address and topics) and the answer (the same whatever was known)."""

from __future__ import annotations

from marshmallow import fields

from consult.api.schemas.base import InSchema, OutSchema, Str, length
from consult.i18n import _l
from consult.models.enums import SUBSCRIPTION_CHANNELS, SUBSCRIPTION_TOPICS
from consult.models.subscriptions import ADDRESS_MAX

TOPICS_MAX = 10  # more items than topics can only be a mistake (or an attack)


class SubscriptionInputSchema(InSchema):
    """Ask for a subscription; the address is checked by the operation, which names what is wrong."""

    email = Str(
        allow_none=True,
        metadata={"description": "The address the confirmation mail goes to.", "maxLength": ADDRESS_MAX},
    )
    phone = Str(
        allow_none=True,
        metadata={
            "description": "A mobile number instead of `email`: only when an SMS gateway is configured."
        },
    )
    topics = fields.List(
        Str(metadata={"enum": list(SUBSCRIPTION_TOPICS)}),
        allow_none=True,
        validate=length(maximum=TOPICS_MAX),
        error_messages={"invalid": _l('必须是列表，例如 ["drafts", "feedback"]'), "null": _l("不能为 null")},
        metadata={"description": "What to be told of; absent: both.", "maxItems": TOPICS_MAX},
    )


class SubscriptionRequestedSchema(OutSchema):
    """A request was taken: a confirmation message is queued unless one went to the address a moment ago."""

    status = fields.String(metadata={"enum": ["pending_confirmation"]})
    channel = fields.String(metadata={"enum": list(SUBSCRIPTION_CHANNELS)})
    topics = fields.List(fields.String(metadata={"enum": list(SUBSCRIPTION_TOPICS)}))
    message = fields.String()
