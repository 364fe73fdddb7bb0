"""Themes per article and the drafted summary of opinions (CONTRACT.md, "Groups and themes (staff)")."""

# i18n: data-module — the Chinese in descriptions names terms of the documents, not interface text.

from __future__ import annotations

from consult.api.schemas.base import Computed, ComputedBool, ComputedStr, OutSchema, between, fields
from consult.api.schemas.queries import QueryChoice, QueryInt, QuerySchema
from consult.models.types import ID_MAX

SUMMARY_FORMATS = ("json", "docx")


class ThemesQuerySchema(QuerySchema):
    article_id = QueryInt(
        validate=between(1, ID_MAX), metadata={"description": "Only the themes of this article."}
    )


class SummaryQuerySchema(QuerySchema):
    format = QueryChoice(
        SUMMARY_FORMATS,
        load_default="json",
        metadata={"default": "json", "description": "`json` (default) or `docx` (a Word document)."},
    )


class ThemeSchema(OutSchema):
    """Comments on one article that raise the same keywords. Dumped from a ThemeView."""

    id = fields.Integer(validate=between(1, ID_MAX), metadata={"description": "Kept through recomputations."})
    article_id = fields.Integer(
        allow_none=True, validate=between(1, ID_MAX), metadata={"description": "Null: the draft as a whole."}
    )
    label = fields.String(metadata={"description": "The name staff gave it, else its keywords joined by 、."})
    keywords = fields.List(fields.String(), metadata={"description": "Best first."})
    comment_ids = fields.List(fields.Integer(validate=between(1, ID_MAX)))


class ThemeListSchema(OutSchema):
    themes = fields.List(fields.Nested(ThemeSchema))


class QuoteSchema(OutSchema):
    """A quoted comment (the public copy when one was masked), shortened to 200 characters."""

    comment_id = fields.Integer(validate=between(1, ID_MAX))
    text = fields.String()
    group_size = fields.Integer(
        allow_none=True,
        validate=between(2),
        metadata={"description": "For a group of near-duplicates: its members here (共N条); else null."},
    )


class SummaryThemeSchema(OutSchema):
    """A theme in the summary. Dumped from a ThemeSummary."""

    id = fields.Integer(validate=between(1, ID_MAX))
    label = fields.String()
    keywords = fields.List(fields.String())
    comments = fields.Integer(validate=between(0), metadata={"description": "Comments in the theme."})
    opinions = fields.Integer(
        validate=between(0), metadata={"description": "Opinions: a group of near-duplicates counted once."}
    )
    quotations = fields.List(fields.Nested(QuoteSchema), attribute="quotes")


class ChannelCountSchema(OutSchema):
    channel = fields.String(metadata={"description": "web, contact_point, deputy, expert or letter."})
    label = fields.String(metadata={"description": "Its Chinese name."})
    comments = fields.Integer(validate=between(0))


def _channels(section) -> list[dict]:
    return [{"channel": c, "label": name, "comments": n} for c, name, n in section.channel_counts]


class ComputedList(Computed, fields.List):
    """A computed list."""


class SectionSchema(OutSchema):
    """One article's section (article_id null: the general opinions). Dumped from a Section."""

    article_id = fields.Integer(allow_none=True, validate=between(1, ID_MAX))
    label = fields.String(metadata={"description": "The article's label (第三条), or 总体意见."})
    removed = fields.Boolean(metadata={"description": "A revision removed the article since."})
    comments = fields.Integer(validate=between(0))
    opinions = fields.Integer(validate=between(0), metadata={"description": "A group counted once."})
    channels = ComputedList(fields.Nested(ChannelCountSchema), compute=_channels)
    text = fields.String(metadata={"description": "Staff's text for the section, else the drafted one."})
    edited = ComputedBool(
        compute=lambda section: section.edited is not None, metadata={"description": "Staff wrote the text."}
    )
    themes = fields.List(fields.Nested(SummaryThemeSchema), metadata={"description": "Most opinions first."})
    other_comments = fields.Integer(validate=between(0), metadata={"description": "Comments in no theme."})
    other_opinions = fields.Integer(validate=between(0))


class SummarySchema(OutSchema):
    """The drafted summary of opinions (意见汇总): a draft (草稿) until a staff member signs it off.

    Only pending and published comments count (spam and rejected ones do not).
    """

    slug = fields.String(attribute="draft.slug")
    title = fields.String(attribute="draft.title")
    status = ComputedStr(
        compute=lambda view: "signed_off" if view.signed_off else "draft",
        metadata={"enum": ["draft", "signed_off"], "description": "`draft` (草稿) until signed off."},
    )
    signed_off_by = fields.String(allow_none=True)
    signed_off_at = fields.DateTime(allow_none=True)
    themes_built_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the themes were last computed; null: never."}
    )
    sections = fields.List(fields.Nested(SectionSchema))
