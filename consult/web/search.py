"""The public search page: drafts' articles and published comments."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from consult.auth.access import public
from consult.extensions import db
from consult.models import Draft
from consult.search.queries import clean_query, public_search

bp = Blueprint("search", __name__)


@bp.get("/search")
@public
def search_page():
    """Results for ``q`` (optionally in one draft), with counts, pages and help when nothing is found."""
    q = clean_query(request.args.get("q"))
    draft_slug = request.args.get("draft") or None
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 10_000 else 1
    result = public_search(q, draft_slug, page)
    drafts = db.session.scalars(
        select(Draft).where(Draft.published_at.is_not(None)).order_by(Draft.opens_at.desc())
    ).all()
    return render_template(
        "public/search.html", q=q, draft_slug=draft_slug, result=result, drafts=drafts, page=page
    )
