"""Invitations of deputies and experts to comment on a draft (CONTRACT.md, "Reach")."""

# i18n: data-module — the Chinese in descriptions names terms of the documents, not interface text.

from __future__ import annotations

from consult.api.schemas.base import (
    Computed,
    ComputedBool,
    ComputedStr,
    ComputedTime,
    InSchema,
    Int,
    OutSchema,
    Str,
    between,
    fields,
    length,
    one_of,
)
from consult.invitations.operations import ARTICLES_MAX
from consult.models.types import ID_MAX
from consult.models.users import COMMENTING_ROLES, USERNAME_MAX

DUE_TEXT_MAX = 40


class InvitationInputSchema(InSchema):
    """Invite a deputy or an expert. Unknown properties are ignored."""

    username = Str(
        required=True,
        allow_none=True,
        validate=length(maximum=USERNAME_MAX),
        metadata={"description": "The account of a deputy or an expert (role `deputy` or `expert`)."},
    )
    article_ids = fields.List(
        Int(validate=between(1, ID_MAX)),
        allow_none=True,
        validate=length(maximum=ARTICLES_MAX),
        metadata={
            "maxItems": ARTICLES_MAX,
            "description": "Articles of the current version asked about (their `id`); absent or empty: "
            "the whole draft.",
        },
    )
    due = Str(
        required=True,
        allow_none=True,
        validate=length(maximum=DUE_TEXT_MAX),
        metadata={
            "description": "When the opinion is due: a date (`2027-01-31`, the end of that day, Beijing "
            "time) or an ISO 8601 time; in the future and no later than the draft's closing.",
        },
    )


class ComputedList(Computed, fields.List):
    """A computed list."""


class InvitedArticleSchema(OutSchema):
    id = fields.Integer(validate=between(1, ID_MAX))
    label = fields.String(metadata={"description": "Its printed number in the current version (第三条)."})


class InvitationSchema(OutSchema):
    """One invitation. Dumped from an InvitationView."""

    id = fields.Integer(validate=between(1, ID_MAX))
    username = ComputedStr(compute=lambda v: v.invitation.user.username)
    display_name = ComputedStr(
        compute=lambda v: v.invitation.user.display_name,
        metadata={"description": "The name their comments are signed with."},
    )
    role = ComputedStr(
        compute=lambda v: v.invitation.user.role,
        validate=one_of(COMMENTING_ROLES),
        metadata={"description": "`deputy` (人大代表) or `expert` (立法专家顾问)."},
    )
    article_ids = ComputedList(
        fields.Integer(validate=between(1, ID_MAX)),
        compute=lambda v: list(v.invitation.article_ids),
        metadata={"description": "Empty: the whole draft."},
    )
    articles = fields.List(fields.Nested(InvitedArticleSchema))
    due = ComputedTime(compute=lambda v: v.invitation.due_at)
    invited_at = ComputedTime(compute=lambda v: v.invitation.invited_at)
    reminded_at = ComputedTime(
        compute=lambda v: v.invitation.reminded_at,
        allow_none=True,
        metadata={"description": "When the one reminder was queued; null: none yet."},
    )
    answered = ComputedBool(
        compute=lambda v: v.answered,
        metadata={"description": "Whether they have commented on the draft (or on an article asked about)."},
    )
    answered_at = fields.DateTime(
        allow_none=True, metadata={"description": "Their first such comment; null: not answered."}
    )


class InvitationListSchema(OutSchema):
    invitations = fields.List(fields.Nested(InvitationSchema))
