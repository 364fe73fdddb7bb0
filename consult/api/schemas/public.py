"""Public shapes (CONTRACT.md, "Public"): drafts, articles, published comments, submitting one, receipts."""

from __future__ import annotations

from flask import url_for
from marshmallow.utils import get_value

from consult.api.schemas.base import (
    Bool,
    ComputedStr,
    InSchema,
    LookedInt,
    LookedNested,
    OutSchema,
    Str,
    an_id,
    between,
    fields,
    length,
    one_of,
)
from consult.comments.operations import BODY_MIN
from consult.drafts.queries import current_articles
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX, CONTACT_MAX, RECEIPT_CODE_MAX
from consult.models.enums import CHANNELS, DRAFT_STATUSES, OUTCOMES
from consult.paging import CURSOR_PATTERN, PER_PAGE_MAX, PUBLIC_PAGE_MAX
from consult.receipts import display

# A draft in the "draft" state is never public, so the public API never shows that status.
PUBLIC_DRAFT_STATUSES = [s for s in DRAFT_STATUSES if s != "draft"]
UNDER_STUDY = "研究中"  # i18n: data — how the pages name the stage
RECEIPT_STATUSES = ["pending", "published", "not_published"]
TIME = {"description": "ISO 8601 with offset."}


def count(**metadata: str) -> fields.Integer:
    """A count: a whole number from 0 (a validator on an answer documents, it is not run on the way out)."""
    return fields.Integer(validate=between(0), metadata=metadata)


class ReceiptCode(fields.String):
    """A receipt code in its printed form: groups joined by dashes."""

    def __init__(self, **kwargs):
        super().__init__(validate=length(maximum=RECEIPT_CODE_MAX), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return display(value) if value is not None else None


class FeedbackStage(fields.String):
    """``published`` once the draft's feedback is (from its publication time), else ``under_study``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return "published" if value else "under_study"


def feedback_url(draft) -> str | None:
    """The address of the draft's published feedback report, or None before it is published."""
    if not draft.feedback_published_at:
        return None
    return url_for("feedback.feedback_page", slug=draft.slug)


class DraftSummarySchema(OutSchema):
    """A draft in the public listing.

    Dumped from a DraftListing (draft, status, comment_count).
    """

    slug = fields.String(attribute="draft.slug")
    title = fields.String(attribute="draft.title")
    status = fields.String(validate=one_of(PUBLIC_DRAFT_STATUSES))
    opens_at = fields.DateTime(attribute="draft.opens_at", allow_none=True, metadata=TIME)
    closes_at = fields.DateTime(attribute="draft.closes_at", allow_none=True, metadata=TIME)
    comment_count = count(description="Published comments.")


class DraftListSchema(OutSchema):
    drafts = fields.List(fields.Nested(DraftSummarySchema))


class VersionSchema(OutSchema):
    """A version of a draft's text."""

    number = fields.Integer(validate=between(1))
    label = fields.String()
    published_at = fields.DateTime(allow_none=True, metadata=TIME)


class ArticleSchema(OutSchema):
    """One article of the current version.

    Dumped from an ArticleText; its count comes from the Context's "counts" (article id → count).
    """

    id = fields.Integer(
        attribute="article_id",
        metadata={"description": "The article's identity across versions; comments keep it."},
    )
    label = fields.String(metadata={"description": "The printed number in the current version."})
    number = fields.Integer()
    chapter = fields.String(allow_none=True, metadata={"description": "The printed chapter heading, if any."})
    section = fields.String(allow_none=True, metadata={"description": "The printed section heading, if any."})
    text = fields.String()
    explanation = fields.String(
        allow_none=True,
        metadata={
            "description": "Staff's plain-language explanation of the article, plain text; "
            "null when there is none."
        },
    )
    comment_count = LookedInt(table="counts", key="article_id", absent=0, validate=between(0))


class CurrentArticles(fields.List):
    """The articles of a draft's current version (counts from the Context's "counts", else 0)."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(ArticleSchema), **kwargs)

    def get_value(self, obj, attr, accessor=None, default=None):
        return current_articles(get_value(obj, self.attribute) if self.attribute else obj)


class DraftSchema(DraftSummarySchema):
    """A public draft with its current version and articles.

    Dumped from a DraftListing.
    """

    summary = fields.String(
        attribute="draft.summary", metadata={"description": "The explanatory note, as sanitised HTML."}
    )
    show_comments = fields.Boolean(attribute="draft.show_comments")
    version = fields.Nested(VersionSchema, attribute="draft.current_version")
    articles = CurrentArticles(attribute="draft")


class DecisionSchema(OutSchema):
    """A decision as the public sees it.

    Dumped from a PublishedDecision (or a Decision).
    """

    outcome = fields.String(validate=one_of(OUTCOMES))
    reason = fields.String()
    decided_at = fields.DateTime(metadata=TIME)


class PublicCommentSchema(OutSchema):
    """A published comment: never contact details, address or receipt code.

    Its decision is the published one, from the Context's "decisions" (comment id → decision).
    """

    id = fields.Integer()
    article_id = fields.Integer(
        allow_none=True, metadata={"description": "Null for a comment on the whole draft."}
    )
    body = fields.String(attribute="public_body")
    author_name = fields.String(
        attribute="public_name",
        allow_none=True,
        metadata={"description": "Null when anonymous, or when the person did not agree to publish it."},
    )
    channel = fields.String(validate=one_of(CHANNELS))
    submitted_at = fields.DateTime(metadata=TIME)
    decision = LookedNested(
        DecisionSchema,
        table="decisions",
        allow_none=True,
        metadata={"description": "Only once the draft's feedback is published."},
    )


class CommentPageSchema(OutSchema):
    comments = fields.List(fields.Nested(PublicCommentSchema))
    page = fields.Integer(
        validate=between(1, PUBLIC_PAGE_MAX),
        metadata={"description": "The `page` asked for (1 when absent); only echoed under `before`."},
    )
    per_page = fields.Integer(validate=between(1, PER_PAGE_MAX))
    total = fields.Integer(
        validate=between(0),
        metadata={
            "description": "How many published comments the listing holds, on every page: read from "
            "counts kept as comments are published and taken down, so it costs nothing however large "
            "the draft. It may differ by the comments published or taken down since an earlier page."
        },
    )
    next = fields.String(
        allow_none=True,
        metadata={
            "pattern": CURSOR_PATTERN,
            "description": "Where the next (older) page starts: pass it as `before`. Null on the last "
            "page. Following `next` costs the same on every page and neither repeats nor skips a "
            "comment when others are published or taken down meanwhile.",
        },
    )


class CommentSourceSchema(InSchema):
    """What every door that takes in an opinion asks besides its text: the article, name and contact."""

    article_id = an_id(
        metadata={"description": "An article of the current version; absent or null for the whole draft."}
    )
    author_name = Str(allow_none=True, validate=length(maximum=AUTHOR_NAME_MAX))
    contact = Str(
        allow_none=True,
        validate=length(maximum=CONTACT_MAX),
        metadata={"description": "A phone number or an email address; never published."},
    )


class NewCommentSchema(CommentSourceSchema):
    """A comment submitted through the API. Unknown properties are ignored."""

    body = Str(
        required=True,
        allow_none=True,
        validate=length(maximum=BODY_MAX),
        metadata={
            "description": f"{BODY_MIN} to {BODY_MAX} characters once trimmed and stripped of tags.",
            "minLength": BODY_MIN,
        },
    )
    notify = Bool(
        allow_none=True,
        metadata={
            "default": False,
            "description": "Tell the commenter when the feedback is published. Needs a `contact` that can "
            "be notified: an e-mail address, or a mobile number when the site has an SMS gateway; "
            "otherwise 400 with `fields.notify`.",
        },
    )


class CommentReceiptSchema(OutSchema):
    """The answer to a submitted comment."""

    receipt_code = ReceiptCode()
    status = fields.String(validate=one_of(["pending"]))
    article_id = fields.Integer(allow_none=True)


class ReceiptSchema(OutSchema):
    """What became of a comment.

    Dumped from a ReceiptView.
    """

    receipt_code = ReceiptCode(attribute="comment.receipt_code")
    status = fields.String(attribute="public_status", validate=one_of(RECEIPT_STATUSES))
    draft = fields.String(attribute="draft.slug", metadata={"description": "The draft's slug."})
    draft_title = fields.String(attribute="draft.title")
    body = fields.String(
        attribute="comment.body", metadata={"description": "The comment as submitted (not a masked copy)."}
    )
    article_id = fields.Integer(attribute="comment.article_id", allow_none=True)
    article_label = fields.String(
        allow_none=True,
        metadata={
            "description": "The article's label in the current version; null for the draft as a whole or "
            "an article a revision removed."
        },
    )
    article_label_at_submission = fields.String(
        allow_none=True,
        metadata={
            "description": "The label in the version commented on (第十六条 when now 第十五条)."  # i18n: data
        },
    )
    submitted_at = fields.DateTime(attribute="comment.submitted_at", metadata=TIME)
    notify_by = fields.String(
        allow_none=True,
        validate=one_of(["email", "sms"]),
        metadata={
            "description": "How the person will be told when the feedback is published; null: not at all "
            "(no consent, or a contact that cannot be notified)."
        },
    )
    reason = fields.String(
        allow_none=True, metadata={"description": "Why the comment was not published, if it was not."}
    )
    decision = fields.Nested(
        DecisionSchema,
        allow_none=True,
        metadata={"description": "Only once the draft's feedback is published."},
    )
    feedback = FeedbackStage(
        attribute="draft.feedback_published_at",
        validate=one_of(["under_study", "published"]),
        metadata={"description": f"`under_study` ({UNDER_STUDY}) until the draft's feedback is published."},
    )
    feedback_url = ComputedStr(
        compute=lambda view: feedback_url(view.draft),
        allow_none=True,
        metadata={"description": "The published feedback report, once there is one."},
    )
