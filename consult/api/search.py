"""GET /api/v1/search: articles of public drafts and published comments."""

from __future__ import annotations

from flask import jsonify

from consult.api import bp
from consult.api.schemas.base import load_query
from consult.api.schemas.queries import SearchQuerySchema
from consult.api.schemas.search import SearchResultsSchema
from consult.auth.access import public
from consult.errors import ValidationError
from consult.i18n import _
from consult.search.queries import clean_query, public_search


@bp.get("/search")
@public
def search():
    """One page of results (consult/api/schemas/search.py); ``q`` is required."""
    args = load_query(SearchQuerySchema, left_to_the_door=("q",))
    q = clean_query(args.get("q"))
    if not q:
        raise ValidationError(_("请填写搜索内容（参数 q）"), {"q": _("不能为空")})
    result = public_search(q, args.get("draft"), args["page"], args["per_page"])
    return jsonify(SearchResultsSchema().dump(result))
