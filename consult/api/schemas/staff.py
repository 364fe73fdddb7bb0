"""Staff shapes (CONTRACT.md, "Staff and contact points"): comments as staff see them, their bodies in."""

from __future__ import annotations

from consult import personal_data
from consult.api.schemas.base import (
    Bool,
    Computed,
    ComputedStr,
    InSchema,
    Int,
    LookedInt,
    LookedStr,
    OutSchema,
    Str,
    Time,
    an_id,
    between,
    fields,
    length,
    one_of,
)
from consult.api.schemas.public import (
    TIME,
    CommentSourceSchema,
    CurrentArticles,
    DecisionSchema,
    PublicCommentSchema,
    ReceiptCode,
    VersionSchema,
    count,
)
from consult.comments.moderation import ACTIONS, OFFLINE_CHANNELS, REASON_MAX
from consult.drafts.operations import SLUG_RE, TEXT_MAX, TITLE_MAX
from consult.models.comments import BODY_MAX
from consult.models.drafts import EXPLANATION_MAX
from consult.models.enums import COMMENT_STATUSES, DRAFT_STATUSES, OUTCOMES
from consult.models.types import ID_MAX
from consult.paging import PAGE_MAX, PER_PAGE_MAX

# The label of a draft version is cut to this many characters (drafts.operations._add_version).
VERSION_LABEL_MAX = 100
LABEL_EXAMPLE = "（征求意见稿）"  # i18n: data
TIME_INPUT = (
    " ISO 8601, e.g. `2027-01-01T09:00:00+08:00`; without an offset it is Beijing time, and a bare date "
    "(`2027-01-01`) is its midnight. Null or an empty string: none."
)


class StaffDecisionSchema(DecisionSchema):
    """A decision as staff see it: with its version, to send back as ``decision_version``."""

    version = fields.Integer(
        validate=between(1),
        metadata={"description": "Changes with every change; send it back as `decision_version`."},
    )


def _personal_data(comment) -> list[str]:
    return personal_data.find(comment.body)


def _suggested_mask(comment) -> str | None:
    return personal_data.mask_text(comment.body) if personal_data.find(comment.body) else None


class PersonalData(Computed, fields.List):
    """The kinds of personal data found in the comment's body (consult/personal_data.py)."""

    def __init__(self, **kwargs):
        super().__init__(
            fields.String(validate=one_of(personal_data.KINDS)), compute=_personal_data, **kwargs
        )


class StaffCommentSchema(PublicCommentSchema):
    """A comment as staff see it: the public fields plus status, contact and provenance.

    The Context holds "labels" (article id → label) and "points" (contact point id → slug).
    """

    draft = fields.String(attribute="draft.slug", metadata={"description": "The draft's slug."})
    article_label = LookedStr(
        table="labels",
        key="article_id",
        allow_none=True,
        metadata={"description": "The article's printed number in the newest version that has it."},
    )
    body = fields.String(metadata={"description": "As the commenter wrote it (never published redacted)."})
    author_name = fields.String(
        allow_none=True, metadata={"description": "The name as given, whether or not it is public."}
    )
    name_public = fields.Boolean(
        metadata={
            "description": "Whether the public sees `author_name` (a contact point's row only when the "
            "person agreed)."
        }
    )
    masked_body = fields.String(
        allow_none=True,
        metadata={"description": "The redacted copy that is published instead of `body`, if any."},
    )
    personal_data = PersonalData(
        metadata={"description": "The kinds of personal data found in `body` (consult/personal_data.py)."},
    )
    suggested_mask = ComputedStr(
        compute=_suggested_mask,
        allow_none=True,
        metadata={"description": "`body` with them masked (138****5678) to publish instead; null: none."},
    )
    status = fields.String(validate=one_of(COMMENT_STATUSES))
    moderation_reason = fields.String(
        allow_none=True,
        metadata={"description": "Why it was rejected or marked as spam; null once published."},
    )
    contact = fields.String(
        allow_none=True, metadata={"description": "Phone number or email address; never public."}
    )
    notify = fields.Boolean()
    receipt_code = ReceiptCode(metadata={"description": "In its printed form, groups joined by dashes."})
    contact_point = LookedStr(
        table="points",
        key="contact_point_id",
        allow_none=True,
        metadata={"description": "The slug of the contact point it came through, if any."},
    )
    batch_id = fields.Integer(
        allow_none=True, metadata={"description": "The intake batch it was imported in, if any."}
    )
    received_at = fields.DateTime(
        allow_none=True,
        metadata={**TIME, "description": "When an opinion that came another way was received, if known."},
    )
    decision = fields.Nested(
        StaffDecisionSchema,
        allow_none=True,
        metadata={"description": "The decision, shown to staff whether or not the feedback is published."},
    )
    group_id = LookedInt(
        table="groups",
        key="id",
        allow_none=True,
        validate=between(1, ID_MAX),
        metadata={"description": "Its group of similar comments; null when it has none (alone)."},
    )
    version = fields.Integer(
        validate=between(1),
        metadata={"description": "Changes with every change to the comment; send it back to moderate."},
    )


class StaffCommentPageSchema(OutSchema):
    comments = fields.List(fields.Nested(StaffCommentSchema))
    page = fields.Integer(validate=between(1, PAGE_MAX))
    per_page = fields.Integer(validate=between(1, PER_PAGE_MAX))
    total = count()
    next_after = fields.String(
        allow_none=True, metadata={"description": "Pass as `after` for the next page; null on the last page."}
    )


class ModerationSchema(InSchema):
    """Publish, reject or mark as spam. Unknown properties are ignored."""

    action = Str(
        required=True,
        allow_none=True,
        validate=one_of(ACTIONS),
        metadata={"description": "`reject` also takes down a published comment."},
    )
    reason = Str(
        allow_none=True,
        validate=length(maximum=REASON_MAX),
        metadata={
            "description": f"Required to `reject`; at most {REASON_MAX} characters once stripped of tags. "
            "Dropped when the comment is published."
        },
    )
    masked_body = Str(
        allow_none=True,
        validate=length(maximum=BODY_MAX),
        metadata={
            "minLength": 1,
            "description": "Only with `publish`: a redacted copy to publish instead of the original, which "
            f"stays private; 1 to {BODY_MAX} characters once stripped of tags.",
        },
    )
    version = an_id(metadata={"description": "The comment's `version` as last seen: another value is a 409."})


class DecisionInputSchema(InSchema):
    """Records the decision, or replaces it until the draft's feedback is published."""

    outcome = Str(required=True, allow_none=True, validate=one_of(OUTCOMES))
    reason = Str(
        allow_none=True,
        validate=length(maximum=BODY_MAX),
        metadata={
            "description": "Published with the feedback. Required unless the outcome is `adopted`; at most "
            f"{BODY_MAX} characters once stripped of tags."
        },
    )
    decision_version = Int(
        allow_none=True,
        validate=between(0, ID_MAX),
        metadata={
            "description": "The decision's `version` you were looking at (0: there was none). When someone "
            "else decided in between, the answer is 409 and nothing is overwritten."
        },
    )


class OfflineCommentSchema(CommentSourceSchema):
    """An opinion that came by letter, from a deputy or an expert; it awaits moderation."""

    body = Str(
        required=True,
        allow_none=True,
        validate=length(maximum=BODY_MAX),
        metadata={
            "minLength": 1,
            "description": f"1 to {BODY_MAX} characters once trimmed and stripped of tags.",
        },
    )
    channel = Str(required=True, allow_none=True, validate=one_of(OFFLINE_CHANNELS))
    received_at = Time(
        allow_none=True, metadata={"description": "When it was received; not in the future." + TIME_INPUT}
    )


class NewDraftSchema(InSchema):
    """A new draft from its whole text. Unknown properties are ignored."""

    title = Str(
        required=True,
        allow_none=True,
        validate=length(maximum=TITLE_MAX),
        metadata={"minLength": 1, "description": f"1 to {TITLE_MAX} characters once stripped of tags."},
    )
    slug = Str(
        allow_none=True,
        metadata={
            "description": "Trimmed and lower-cased, then it must match `" + SLUG_RE.pattern + "`; a slug "
            "given and in use is a 409. Absent or blank: made from the title in pinyin, with -2, -3… when "
            "that one is taken."
        },
    )
    summary = Str(
        allow_none=True,
        metadata={
            "default": "",
            "description": "The explanatory note: HTML, sanitised to a small allowlist.",
        },
    )
    text = Str(
        required=True,
        allow_none=True,
        validate=length(maximum=TEXT_MAX),
        metadata={
            "minLength": 1,
            "description": "The whole draft, parsed into chapters and articles (a 400 lists errors).",
        },
    )
    opens_at = Time(allow_none=True, metadata={"description": "When the consultation opens." + TIME_INPUT})
    closes_at = Time(
        allow_none=True, metadata={"description": "When it closes; after `opens_at`." + TIME_INPUT}
    )
    publish = Bool(
        allow_none=True,
        metadata={
            "default": False,
            "description": "Publish at once; otherwise the draft stays unpublished (`draft`).",
        },
    )
    show_comments = Bool(
        allow_none=True,
        metadata={
            "default": True,
            "description": "Show published comments publicly; only `false` turns it off.",
        },
    )
    version_label = Str(
        allow_none=True,
        metadata={
            "description": f"The first version's label (cut to {VERSION_LABEL_MAX} characters); absent: the "
            f"one the text gives, e.g. {LABEL_EXAMPLE}."
        },
    )


class DraftChangesSchema(InSchema):
    """Only the properties given change; any other property is a 400."""

    class Meta:
        unknown = "raise"

    title = Str(validate=length(maximum=TITLE_MAX), metadata={"minLength": 1})
    summary = Str(allow_none=True, metadata={"description": "HTML, sanitised to a small allowlist."})
    opens_at = Time(allow_none=True, metadata={"description": "When the consultation opens." + TIME_INPUT})
    closes_at = Time(
        allow_none=True,
        metadata={"description": "When it closes (closing early: now); after `opens_at`." + TIME_INPUT},
    )
    publish = Bool(
        metadata={"description": "`true` publishes; `false` withdraws a draft without comments (else 409)."}
    )
    show_comments = Bool()
    lock_version = an_id(
        metadata={"description": "The draft's `lock_version` as last seen: another value is a 409."}
    )


class NewVersionSchema(InSchema):
    """Articles keep their identity (`id`) where they are the same article."""

    text = Str(
        required=True,
        allow_none=True,
        validate=length(maximum=TEXT_MAX),
        metadata={"minLength": 1, "description": "The whole revised draft, parsed like a new one."},
    )
    label = Str(
        allow_none=True,
        metadata={
            "description": f"The version's label (cut to {VERSION_LABEL_MAX} characters); absent: the one "
            "the text gives."
        },
    )


class ExplanationInputSchema(InSchema):
    """An article's explanation (条文释义) in the current version; any other property is a 400."""

    class Meta:
        unknown = "raise"

    explanation = Str(
        required=True,
        allow_none=True,
        metadata={
            "maxLength": EXPLANATION_MAX,
            "description": f"Plain text (markup is removed), at most {EXPLANATION_MAX} characters once "
            "cleaned. Null or an empty string removes the explanation. A revised version carries it over "
            "to the article's text in that version.",
        },
    )


class AdminDraftSchema(OutSchema):
    """A draft as staff see it, with its current version and articles."""

    slug = fields.String()
    title = fields.String()
    summary = fields.String(metadata={"description": "The explanatory note, as sanitised HTML."})
    status = fields.String(
        validate=one_of(DRAFT_STATUSES),
        metadata={"description": "As the public sees it, or `draft` while the draft is not published."},
    )
    opens_at = fields.DateTime(allow_none=True, metadata=TIME)
    closes_at = fields.DateTime(allow_none=True, metadata=TIME)
    published_at = fields.DateTime(
        allow_none=True, metadata={**TIME, "description": "Null while the draft is not published."}
    )
    show_comments = fields.Boolean()
    lock_version = fields.Integer(
        attribute="version",
        validate=between(1),
        metadata={"description": "Changes with every change to the draft; send it back to PATCH."},
    )
    version = fields.Nested(VersionSchema, attribute="current_version")
    articles = CurrentArticles(
        metadata={"description": "The current version's articles; `comment_count` is 0 here."}
    )
