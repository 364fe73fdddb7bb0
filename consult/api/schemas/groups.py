"""Groups of similar comments (CONTRACT.md, "Groups and themes"): the list, and staff's changes."""

from __future__ import annotations

from consult.api.schemas.base import (
    Bool,
    Computed,
    InSchema,
    Int,
    OutSchema,
    Str,
    an_id,
    between,
    fields,
    length,
    one_of,
)
from consult.api.schemas.queries import QueryInt, QuerySchema
from consult.api.schemas.staff import DecisionInputSchema, StaffDecisionSchema
from consult.comments.moderation import REASON_MAX
from consult.groups.moderation import GROUP_ACTIONS
from consult.groups.operations import MERGE_MAX
from consult.groups.queries import LISTED_IDS, MIN_SIZE_DEFAULT, PER_PAGE, PER_PAGE_MAX
from consult.models.types import ID_MAX
from consult.paging import CURSOR_PATTERN

MIN_SIZE_MAX = 100_000


class GroupsQuerySchema(QuerySchema):
    article_id = QueryInt(
        validate=between(1, ID_MAX), metadata={"description": "Only the groups of this article."}
    )
    min_size = QueryInt(
        load_default=MIN_SIZE_DEFAULT,
        validate=between(1, MIN_SIZE_MAX),
        metadata={"description": f"Only groups of at least this many members (default {MIN_SIZE_DEFAULT})."},
    )
    after = Str(
        metadata={
            "pattern": CURSOR_PATTERN,
            "description": "Start after this position: the `next_after` of the previous page (keyset "
            "pagination: a deep page costs what the first does).",
        }
    )
    per_page = QueryInt(
        load_default=PER_PAGE,
        validate=between(1, PER_PAGE_MAX),
        metadata={
            "description": f"How many groups a page holds (default {PER_PAGE}, at most {PER_PAGE_MAX})."
        },
    )


class RepresentativeSchema(OutSchema):
    """The comment shown for the group: its earliest member. Dumped from {"id", "body"}."""

    id = fields.Integer(validate=between(1, ID_MAX))
    body = fields.String(metadata={"description": "As the commenter wrote it."})


def _representative(view) -> dict | None:
    if view.representative_id is None:
        return None
    return {"id": view.representative_id, "body": view.representative_body}


class ComputedNested(Computed, fields.Nested):
    """A nested object computed from the object being dumped."""


class GroupSchema(OutSchema):
    """Near-duplicate comments on one article (a campaign text with small edits). Dumped from a GroupView."""

    id = fields.Integer(validate=between(1, ID_MAX), metadata={"description": "Stable while members join."})
    article_id = fields.Integer(
        allow_none=True, validate=between(1, ID_MAX), metadata={"description": "Null: the draft as a whole."}
    )
    size = fields.Integer(validate=between(0), metadata={"description": "How many comments it holds."})
    representative = ComputedNested(RepresentativeSchema, compute=_representative, allow_none=True)
    comment_ids = fields.List(
        fields.Integer(validate=between(1, ID_MAX)),
        metadata={"description": "Every member's id, oldest first."},
    )
    confirmed = fields.Boolean(
        metadata={"description": "Staff confirmed it: its members stay whatever a recomputation finds."}
    )
    burst = fields.Boolean(
        metadata={
            "description": "Many members arrived within a short time from few addresses: a possible "
            "organised campaign (for staff; never a reason given to the public)."
        }
    )
    decision = fields.Nested(
        StaffDecisionSchema, allow_none=True, metadata={"description": "The group's decision; null: none."}
    )


class ListedGroupSchema(GroupSchema):
    """A group in the list: the ids of its first members only (``size`` says how many it holds)."""

    comment_ids = fields.List(
        fields.Integer(validate=between(1, ID_MAX)),
        metadata={
            "maxItems": LISTED_IDS,
            "description": f"The first {LISTED_IDS} members' ids, oldest first; every one: "
            "`GET /api/v1/admin/groups/{id}`.",
        },
    )


class GroupListSchema(OutSchema):
    groups = fields.List(fields.Nested(ListedGroupSchema))
    next_after = fields.String(
        allow_none=True,
        metadata={
            "pattern": CURSOR_PATTERN,
            "description": "The next page: pass it as `after`; null on the last page.",
        },
    )


class GroupAnswerSchema(OutSchema):
    group = fields.Nested(
        GroupSchema,
        allow_none=True,
        metadata={"description": "Null: no group is left (fewer than two members)."},
    )


class GroupModerationInputSchema(InSchema):
    """Publish or reject every pending member of the group at once."""

    action = Str(
        required=True, validate=one_of(GROUP_ACTIONS), metadata={"description": "publish or reject."}
    )
    reason = Str(
        allow_none=True,
        validate=length(maximum=REASON_MAX),
        metadata={
            "description": f"Required to `reject`; at most {REASON_MAX} characters. Dropped to publish."
        },
    )
    confirm_personal_data = Bool(
        metadata={
            "description": "To `publish` a group of which a pending member seems to carry personal data (a "
            "phone number, ID number or e-mail address): true says staff saw those members. Without it such "
            "a publication is refused with 400 (`fields.confirm_personal_data` names them)."
        },
    )
    expected_count = Int(
        allow_none=True,
        validate=between(1, ID_MAX),
        metadata={
            "description": "How many pending members you were shown; when it changed meanwhile, 409 and "
            "nothing is moderated."
        },
    )


class GroupModerationAnswerSchema(OutSchema):
    group = fields.Nested(GroupSchema, allow_none=True, metadata={"description": "The group as it is now."})
    moderated = fields.Integer(
        validate=between(0), metadata={"description": "How many pending members were published or rejected."}
    )


class SplitInputSchema(InSchema):
    """Take one comment out of the group; it stays out."""

    comment_id = an_id(required=True, metadata={"description": "A member of the group."})


class MergeInputSchema(InSchema):
    """Merge groups of one article into the oldest of them."""

    groups = fields.List(
        Int(validate=between(1, ID_MAX)),
        required=True,
        validate=length(2, MERGE_MAX),
        metadata={"minItems": 2, "maxItems": MERGE_MAX, "description": "The groups' ids."},
    )


class GroupDecisionInputSchema(DecisionInputSchema):
    """The group's decision: every published member without a decision of its own carries it (随组决定),
    members that join or are published later too; a member's own decision wins."""

    decision_version = Int(
        allow_none=True,
        validate=between(0, ID_MAX),
        metadata={
            "description": "The group's decision `version` you were looking at (0: there was none). When "
            "someone else decided for the group in between, the answer is 409 and nothing is overwritten."
        },
    )


class GroupDecisionAnswerSchema(OutSchema):
    group = fields.Nested(GroupSchema, metadata={"description": "The group with its decision."})
    decided = fields.Integer(
        validate=between(0),
        metadata={
            "description": "How many members carry the group's decision now (published, none of their own)."
        },
    )
