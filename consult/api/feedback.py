"""JSON doors of the feedback: the public report, satisfaction, and publishing it (staff)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import jsonify, request

from consult.api import bp
from consult.api.schemas.base import Context, load, load_query
from consult.api.schemas.feedback import (
    FeedbackItemsPageSchema,
    FeedbackPublishInputSchema,
    FeedbackReportSchema,
    FeedbackStateSchema,
    SatisfactionInputSchema,
    SatisfactionResultSchema,
)
from consult.api.schemas.queries import FeedbackItemsQuerySchema
from consult.api.serialize import json_body
from consult.auth.access import access, current_actor, public
from consult.context import RequestContext
from consult.drafts.queries import by_slug, public_draft
from consult.errors import STAFF_JSON_BODY_MAX, NotFound, ValidationError, body_limit
from consult.feedback.publishing import open_revision, publish_feedback
from consult.feedback.reading import (
    ItemsPage,
    Place,
    find_place,
    items_page,
    preview_summary,
    published_summary,
)
from consult.feedback.satisfaction import rate, summary
from consult.i18n import _
from consult.models import Draft
from consult.paging import decode_cursor
from consult.ratelimits import refusals_counted


def _report_context(draft: Draft, **more: object) -> Context:
    """What a report's dump looks up besides the report: its satisfaction, and ``more`` (by draft id)."""
    tables = {"satisfaction": summary(draft.id)} | more
    return Context({name: {draft.id: value} for name, value in tables.items()})


@bp.get("/drafts/<slug>/feedback")
@public
def get_feedback(slug: str):
    """The published feedback report as its publication kept it, each place's first comments; 404 until
    it is published."""
    draft = public_draft(slug)
    summary = published_summary(draft, items=True)
    if summary is None:
        raise NotFound(_("该草案的采纳情况反馈尚未发布"))
    with _report_context(draft):
        return jsonify(FeedbackReportSchema().dump(summary))


@dataclass(frozen=True)
class FeedbackItems:
    place: Place
    page: ItemsPage


def _items(slug: str, article_id: int | None):
    draft = public_draft(slug)
    args = load_query(FeedbackItemsQuerySchema)
    after = decode_cursor(args.get("after"))
    if args.get("after") and after is None:
        raise ValidationError(_("参数 after 无效"), {"after": _("应为上一页答复中的 next")})
    summary = published_summary(draft)
    if summary is None:
        raise NotFound(_("该草案的采纳情况反馈尚未发布"))
    place = find_place(summary, article_id)
    if place is None:
        raise NotFound(_("采纳情况反馈中没有这一条"))
    page = items_page(draft, place, summary.publication.id, after, args["per_page"])
    return jsonify(FeedbackItemsPageSchema().dump(FeedbackItems(place, page)))


@bp.get("/drafts/<slug>/feedback/articles/<int:article_id>")
@public
def get_feedback_article(slug: str, article_id: int):
    """One article's comments in the published report, a page at a time by key (``after``)."""
    return _items(slug, article_id)


@bp.get("/drafts/<slug>/feedback/general")
@public
def get_feedback_general(slug: str):
    """The general opinions in the published report, a page at a time by key (``after``)."""
    return _items(slug, None)


@bp.post("/drafts/<slug>/satisfaction")
@public
def post_satisfaction(slug: str):
    """Rate the feedback with a receipt code: 201 the first time, 200 when it replaces a rating."""
    ctx = RequestContext.from_request()
    with refusals_counted(ctx.address):
        data = load(SatisfactionInputSchema(), json_body())
    result = rate(ctx, slug, data.get("receipt_code"), data.get("score"), data.get("comment"))
    return jsonify(SatisfactionResultSchema().dump(result)), 201 if result.created else 200


def _optional_body() -> dict:
    return json_body() if request.content_length or request.mimetype == "application/json" else {}


@bp.get("/admin/drafts/<slug>/feedback")
@access("staff")
def admin_feedback_preview(slug: str):
    """The report with the decisions as they stand (what publishing would show), and the stage."""
    draft = by_slug(slug)
    with _report_context(draft, preview=preview_summary(draft)):
        return jsonify(FeedbackStateSchema().dump(draft))


@bp.post("/admin/drafts/<slug>/feedback")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_publish_feedback(slug: str):
    """Publish the feedback (a revision needs ``revision_note``) → 201 with the publication."""
    data = load(FeedbackPublishInputSchema(), _optional_body())
    publication = publish_feedback(
        current_actor(), RequestContext.from_request(), slug, data.get("revision_note")
    )
    draft = by_slug(slug)
    with _report_context(draft, publication=publication):
        return jsonify(FeedbackStateSchema().dump(draft)), 201


@bp.post("/admin/drafts/<slug>/feedback/revision")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_open_revision(slug: str):
    """Unfreeze the decisions until the next publication (which needs a revision note)."""
    open_revision(current_actor(), RequestContext.from_request(), slug)
    return jsonify(FeedbackStateSchema().dump(by_slug(slug)))
