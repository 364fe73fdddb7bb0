"""JSON doors of the feedback: the public report, satisfaction, and publishing it (staff)."""

from __future__ import annotations

from flask import jsonify, request

from consult.api import bp
from consult.api.schemas.base import Context, load
from consult.api.schemas.feedback import (
    FeedbackPublishInputSchema,
    FeedbackReportSchema,
    FeedbackStateSchema,
    SatisfactionInputSchema,
    SatisfactionResultSchema,
)
from consult.api.serialize import json_body
from consult.auth.access import access, current_actor, public
from consult.context import RequestContext
from consult.drafts.queries import by_slug, public_draft
from consult.errors import STAFF_JSON_BODY_MAX, NotFound, body_limit
from consult.feedback.publishing import open_revision, publish_feedback
from consult.feedback.report import preview_report, published_report
from consult.feedback.satisfaction import rate, summary
from consult.i18n import _
from consult.models import Draft
from consult.ratelimits import refusals_counted


def _report_context(draft: Draft, **more: object) -> Context:
    """What a report's dump looks up besides the report: its satisfaction, and ``more`` (by draft id)."""
    tables = {"satisfaction": summary(draft.id)} | more
    return Context({name: {draft.id: value} for name, value in tables.items()})


@bp.get("/drafts/<slug>/feedback")
@public
def get_feedback(slug: str):
    """The published feedback report; 404 until it is published."""
    draft = public_draft(slug)
    report = published_report(draft)
    if report is None:
        raise NotFound(_("该草案的采纳情况反馈尚未发布"))
    with _report_context(draft):
        return jsonify(FeedbackReportSchema().dump(report))


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
    with _report_context(draft, preview=preview_report(draft)):
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
