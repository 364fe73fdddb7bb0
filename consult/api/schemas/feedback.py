"""Feedback shapes: the adoption report (public and staff preview), satisfaction, the staff's stage view."""

from __future__ import annotations

from flask import current_app
from marshmallow import missing

from consult.api.schemas.base import (
    ComputedBool,
    ComputedStr,
    ComputedTime,
    InSchema,
    Int,
    LookedNested,
    OutSchema,
    Str,
    between,
    counts,
    fields,
    length,
    one_of,
)
from consult.api.schemas.public import TIME, ReceiptCode, count, feedback_url
from consult.feedback.publishing import decisions_frozen
from consult.feedback.purge import purge_due_at
from consult.feedback.reading import FIRST_ITEMS
from consult.feedback.satisfaction import SCORES
from consult.models.enums import CHANNELS, DRAFT_STATUSES, OUTCOMES
from consult.models.feedback import SATISFACTION_COMMENT_MAX
from consult.paging import CURSOR_PATTERN

COMMENTED_AS_EXAMPLE = "第十六条（征求意见稿）· 现第十五条"  # i18n: data
OutcomeCounts = counts(
    "OutcomeCounts", (*OUTCOMES, "undecided"), "Published comments per outcome (and undecided)."
)
Totals = counts(
    "FeedbackTotals",
    ("comments", "participants", *OUTCOMES, "undecided"),
    "Published comments, distinct participants (README), and per outcome.",
)
ChannelCounts = counts("ChannelCounts", CHANNELS, "Published comments per channel.")


class FeedbackItemSchema(OutSchema):
    """One published comment in the report, with its decision."""

    comment_id = fields.Integer()
    body = fields.String(metadata={"description": "The public text (the masked copy where there is one)."})
    channel = fields.String(validate=one_of(CHANNELS))
    outcome = fields.String(
        allow_none=True, validate=one_of(OUTCOMES), metadata={"description": "null: undecided."}
    )
    reason = fields.String()
    commented_label = fields.String(
        allow_none=True, metadata={"description": "The label the comment was made on, when renumbered since."}
    )
    commented_as = fields.String(
        allow_none=True,
        metadata={
            "description": "The article as the commenter knows it, when renumbered or removed since: "
            f"{COMMENTED_AS_EXAMPLE}."
        },
    )
    group_size = fields.Integer(
        allow_none=True,
        validate=between(2),
        metadata={
            "description": "The item stands for a group of this many similar comments with the same "
            "decision, shown once with the earliest one's text; null: a comment of its own."
        },
    )


class FeedbackPlaceSchema(OutSchema):
    """One article (or the general opinions, article_id null) in the report."""

    article_id = fields.Integer(allow_none=True, metadata={"description": "null for the general opinions."})
    label = fields.String(allow_none=True, metadata={"description": "The label in the current version."})
    chapter = fields.String(allow_none=True)
    removed = fields.Boolean(metadata={"description": "The article is not in the current version."})
    comment_count = count()
    outcomes = fields.Nested(OutcomeCounts)
    items = fields.List(
        fields.Nested(FeedbackItemSchema),
        metadata={
            "description": f"The first {FIRST_ITEMS} comments, oldest first; the rest by `items_next`."
        },
    )
    items_next = fields.String(
        allow_none=True,
        dump_default=None,
        metadata={
            "pattern": CURSOR_PATTERN,
            "description": "Where the next page of this place's comments starts: pass it as `after` to "
            "`/feedback/articles/{article_id}` (or `/feedback/general`); null when `items` holds them all.",
        },
    )


class FeedbackItemsPageSchema(OutSchema):
    """A page of one place's comments in the published report (dumped from a FeedbackItems)."""

    article_id = fields.Integer(
        attribute="place.article_id", allow_none=True, metadata={"description": "null: general opinions."}
    )
    label = fields.String(attribute="place.label", allow_none=True)
    removed = fields.Boolean(attribute="place.removed")
    comment_count = fields.Integer(attribute="place.comment_count", validate=between(0))
    outcomes = fields.Nested(OutcomeCounts, attribute="place.outcomes")
    items = fields.List(fields.Nested(FeedbackItemSchema), attribute="page.items")
    per_page = fields.Integer(attribute="page.per_page")
    next = fields.String(
        attribute="page.next",
        allow_none=True,
        metadata={"pattern": CURSOR_PATTERN, "description": "`after` of the next page; null on the last."},
    )


class PublicationSchema(OutSchema):
    """A publication of the feedback: the first, or a revision with its note."""

    number = fields.Integer(validate=between(1))
    published_at = fields.DateTime(metadata=TIME)
    revision_note = fields.String()


class SatisfactionSummarySchema(OutSchema):
    count = count()
    average = fields.Float(allow_none=True)


class FeedbackReportSchema(OutSchema):
    """The adoption feedback (采纳情况反馈) of a draft: CONTRACT.md's object, with more besides.

    Dumped from a reading.Summary (items: the first page per place); its satisfaction comes from the
    Context's "satisfaction" (draft id →).
    """

    draft = fields.String(attribute="draft.slug")
    draft_title = fields.String(attribute="draft.title")
    published_at = fields.DateTime(
        attribute="publication.published_at",
        allow_none=True,
        dump_default=None,
        metadata={**TIME, "description": "The latest publication (null: preview)."},
    )
    publication = fields.Integer(
        attribute="publication.number",
        allow_none=True,
        dump_default=None,
        metadata={"description": "1, then one more per revision."},
    )
    revisions = fields.List(fields.Nested(PublicationSchema))
    totals = fields.Nested(Totals)
    contact_points = count()
    comments_shown = fields.Boolean(
        attribute="draft.show_comments",
        metadata={"description": "false: the draft does not show comments publicly; every `body` is empty."},
    )
    by_channel = fields.Nested(ChannelCounts)
    satisfaction = LookedNested(SatisfactionSummarySchema, table="satisfaction", key="draft.id")
    articles = fields.List(fields.Nested(FeedbackPlaceSchema))
    general = fields.Nested(FeedbackPlaceSchema)


class Score(Int):
    """A score: a whole number, or its digits as a string (as the form sends it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        return super()._deserialize(value, attr, data, **kwargs)


class SatisfactionInputSchema(InSchema):
    """A rating of the feedback by the holder of a receipt code."""

    receipt_code = Str(required=True, allow_none=True)
    score = Score(
        required=True,
        allow_none=True,
        validate=between(min(SCORES), max(SCORES)),
        metadata={"description": "5: very satisfied."},
    )
    comment = Str(allow_none=True, validate=length(maximum=SATISFACTION_COMMENT_MAX))


class SatisfactionResultSchema(OutSchema):
    """The rating as stored (dumped from a Rated)."""

    receipt_code = ReceiptCode()
    score = fields.Integer(attribute="rating.score", validate=between(min(SCORES), max(SCORES)))
    comment = fields.String(attribute="rating.comment")
    updated_at = fields.DateTime(attribute="rating.updated_at", metadata=TIME)


class FeedbackPublishInputSchema(InSchema):
    revision_note = Str(allow_none=True, metadata={"description": "Required when publishing a revision."})


def _purge_due_at(draft):
    return purge_due_at(draft, current_app.config["CONTACT_RETENTION_DAYS"])


class FeedbackStateSchema(OutSchema):
    """The feedback stage of a draft, as staff see it.

    Dumped from a Draft; the Context's "preview" and "publication" (draft id →) add those fields.
    """

    draft = fields.String(attribute="slug")
    status = fields.String(validate=one_of(DRAFT_STATUSES))
    feedback_published_at = fields.DateTime(allow_none=True, metadata=TIME)
    revising = ComputedBool(compute=lambda draft: draft.feedback_revising_at is not None)
    decisions_frozen = ComputedBool(compute=decisions_frozen)
    contacts_purge_due_at = ComputedTime(compute=_purge_due_at, allow_none=True, metadata=TIME)
    contacts_purged_at = fields.DateTime(allow_none=True, metadata=TIME)
    public_url = ComputedStr(compute=feedback_url, allow_none=True)
    preview = LookedNested(
        FeedbackReportSchema,
        table="preview",
        absent=missing,
        metadata={
            "description": "GET only: what publishing would show: the figures and each place's counts, "
            "with the decisions as they stand (`items` empty: the staff pages show them a page at a time).",
            "optional": True,
        },
    )
    publication = LookedNested(
        PublicationSchema,
        table="publication",
        absent=missing,
        metadata={"description": "POST only: the publication just made.", "optional": True},
    )
