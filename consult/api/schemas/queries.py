"""Query strings: the listings (public comments, staff comment list, search), comparison, exports.

The door reads ``request.args`` through one of these (``base.load_query``); apispec turns the same schema
into the operation's query parameters. An empty value is no value (an empty filter is no filter).
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, validate

from consult.api.schemas.base import Str, between, fields, one_of
from consult.drafts.compare import VERSION_NUMBER_MAX
from consult.feedback.exports import FORMATS
from consult.feedback.summary import INCLUDE_CHOICES
from consult.i18n import _l
from consult.models.enums import CHANNELS, COMMENT_STATUSES
from consult.models.types import ID_MAX
from consult.paging import CURSOR_PATTERN, PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX, PUBLIC_PAGE_MAX
from consult.search.queries import PER_PAGE as SEARCH_PER_PAGE
from consult.search.queries import QUERY_MAX, SEARCH_PAGE_MAX

# The search answers at most this many results a page.
SEARCH_PER_PAGE_MAX = 50


class QueryInt(fields.Integer):
    """A whole number written in a query string."""

    default_error_messages: ClassVar[dict] = {"invalid": _l("必须是整数"), "too_large": _l("超出范围")}


class QueryChoice(Str):
    """One of the constants."""

    def __init__(self, choices, **kwargs: Any):
        super().__init__(validate=one_of(choices), **kwargs)


class QuerySchema(Schema):
    """A query string: other parameters are ignored."""

    class Meta:
        unknown = "exclude"


def page(maximum: int = PAGE_MAX) -> QueryInt:
    """The page number."""
    return QueryInt(load_default=1, validate=between(1, maximum))


def per_page(default: int = PER_PAGE_DEFAULT, maximum: int = PER_PAGE_MAX) -> QueryInt:
    """How many a page holds."""
    return QueryInt(load_default=default, validate=between(1, maximum))


class FeedbackItemsQuerySchema(QuerySchema):
    """A page of one place's comments in the published feedback report."""

    after = Str(
        metadata={
            "pattern": CURSOR_PATTERN,
            "description": "Start just after this position: the `next` (or the report's `items_next`) of the "
            "previous page; without it, the first page (keyset pagination: every page costs what the first "
            "does).",
        }
    )
    per_page = per_page()


class CommentsQuerySchema(QuerySchema):
    article_id = QueryInt(
        validate=between(1, ID_MAX),
        metadata={"description": "Only the comments on this article (an article of the draft)."},
    )
    page = QueryInt(
        load_default=1,
        validate=validate.Range(
            1,
            PUBLIC_PAGE_MAX,
            error=_l("页码应为{min}至{max}；更早的意见请用 before 参数，其值为上一页答复中的 next"),
        ),
        metadata={
            "description": f"The page, counted from the newest, up to {PUBLIC_PAGE_MAX}; beyond, follow "
            "`next` with `before` (a 400 says so)."
        },
    )
    per_page = per_page()
    before = Str(
        metadata={
            "pattern": CURSOR_PATTERN,
            "description": "Start just older than this position: the `next` of the previous page (keyset "
            "pagination: every page costs what the first does; `page` is then only echoed).",
        }
    )


class StaffCommentsQuerySchema(QuerySchema):
    status = QueryChoice(COMMENT_STATUSES, metadata={"description": "Only comments with this status."})
    draft = Str(metadata={"description": "Only comments on the draft with this slug."})
    article_id = QueryInt(
        validate=between(1, ID_MAX), metadata={"description": "Only comments on this article."}
    )
    channel = QueryChoice(CHANNELS, metadata={"description": "Only comments that came this way."})
    contact_point = Str(metadata={"description": "Only comments through the contact point with this slug."})
    q = Str(metadata={"description": "Only comments whose body contains this text, ignoring case."})
    page = page()
    per_page = per_page()
    after = Str(
        metadata={
            "pattern": r"^[0-9]{1,18}-[0-9]{1,10}$",
            "description": "Start after this position: the `next_after` of the previous page (keyset "
            "pagination: a deep page costs what the first does; `page` is then only echoed).",
        }
    )


class SearchQuerySchema(QuerySchema):
    q = Str(
        required=True,
        metadata={
            "minLength": 1,
            "maxLength": 1000,
            "description": f"What to find (trimmed; at most {QUERY_MAX} characters are used).",
        },
    )
    draft = Str(metadata={"description": "Only in this draft."})
    page = page(SEARCH_PAGE_MAX)
    per_page = per_page(SEARCH_PER_PAGE, SEARCH_PER_PAGE_MAX)


class CompareQuerySchema(QuerySchema):
    """Which two versions to compare; the operation checks that the draft has them."""

    from_ = QueryInt(
        data_key="from",
        validate=between(1, VERSION_NUMBER_MAX),
        metadata={"description": "The older version's number; default: the one before `to`."},
    )
    to = QueryInt(
        validate=between(1, VERSION_NUMBER_MAX),
        metadata={"description": "The newer version's number; default: the current version."},
    )


class OpenDataQuerySchema(QuerySchema):
    download = QueryChoice(
        ("1", "true", "0", "false"),
        metadata={"description": "`1` or `true`: served as an attachment to save."},
    )


class ExportQuerySchema(QuerySchema):
    format = QueryChoice(FORMATS, required=True, metadata={"description": "The file format."})
    status = QueryChoice(
        INCLUDE_CHOICES,
        metadata={
            "default": "published",
            "description": "`published` comments (default) or `all`, with their status.",
        },
    )
