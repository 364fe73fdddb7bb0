"""The public search page: drafts' articles and published comments."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from consult.auth.access import public
from consult.extensions import db
from consult.models import Draft
from consult.paging import page_number
from consult.search.queries import SEARCH_PAGE_MAX, clean_query, public_search

bp = Blueprint("search", __name__)


@bp.get("/search")
@public
def search_page():
    """Results for ``q`` (optionally in one draft), with counts, pages and help when nothing is found."""
    q = clean_query(request.args.get("q"))
    draft_slug = request.args.get("draft") or None
    page = page_number(request.args.get("page"), maximum=SEARCH_PAGE_MAX)
    result = public_search(q, draft_slug, page)
    drafts = db.session.scalars(select(Draft).where(Draft.is_public).order_by(Draft.opens_at.desc())).all()
    return render_template(
        "public/search.html", q=q, draft_slug=draft_slug, result=result, drafts=drafts, page=page
    )
