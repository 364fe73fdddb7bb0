"""GET /api/v1/search: articles of public drafts and published comments."""

from __future__ import annotations

from flask import jsonify, request

from consult.api import bp
from consult.api.schemas.search import SearchResultsSchema
from consult.api.serialize import int_arg
from consult.auth.access import public
from consult.errors import ValidationError
from consult.i18n import _
from consult.search.queries import SEARCH_PAGE_MAX, clean_query, public_search


@bp.get("/search")
@public
def search():
    """One page of results (consult/api/schemas/search.py); ``q`` is required."""
    q = clean_query(request.args.get("q"))
    if not q:
        raise ValidationError(_("请填写搜索内容（参数 q）"), {"q": _("不能为空")})
    page = int_arg("page", 1, 1, SEARCH_PAGE_MAX)
    per_page = int_arg("per_page", 20, 1, 50)
    result = public_search(q, request.args.get("draft") or None, page, per_page)
    return jsonify(SearchResultsSchema().dump(result))
