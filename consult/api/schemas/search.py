"""The search shape: one page of results of GET /api/v1/search (dumped from a PublicPage)."""

from __future__ import annotations

from consult.api.schemas.base import OutSchema, between, fields, one_of
from consult.api.schemas.public import count


class SearchHitSchema(OutSchema):
    """An article of a public draft or a published comment that matched."""

    kind = fields.String(validate=one_of(["article", "comment"]))
    draft = fields.String(attribute="draft_slug", metadata={"description": "The draft's slug."})
    id = fields.Integer(metadata={"description": "The article id or the comment id."})
    article_id = fields.Integer(allow_none=True)
    article_label = fields.String(allow_none=True)
    snippet = fields.String(
        metadata={"description": "HTML: escaped text with <mark> around the words found."}
    )


class SearchResultsSchema(OutSchema):
    results = fields.List(fields.Nested(SearchHitSchema), attribute="items")
    total = count(description="How many match in all: a count, or an estimate when `estimated`.")
    estimated = fields.Boolean(
        metadata={"description": "True when more matched than were ranked (1,000): `total` is an estimate."}
    )
    partial = fields.Boolean(
        metadata={"description": "True when nothing matched every term and these results match only some."}
    )
    page = fields.Integer(validate=between(1))
    per_page = fields.Integer(validate=between(1, 50))
