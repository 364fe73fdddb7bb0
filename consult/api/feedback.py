"""JSON doors of the feedback: the public report, satisfaction, and publishing it (staff)."""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for

from consult.api import bp
from consult.api.serialize import iso, json_body, optional_str
from consult.auth.access import access, current_actor, public
from consult.comments.review_queries import draft_by_slug
from consult.context import RequestContext
from consult.drafts.queries import public_draft
from consult.errors import NotFound
from consult.feedback.publishing import decisions_frozen, open_revision, publish_feedback
from consult.feedback.purge import purge_due_at
from consult.feedback.report import FeedbackReport, preview_report, published_report
from consult.feedback.satisfaction import rate, summary
from consult.i18n import _
from consult.receipts import display


def _place_json(place) -> dict:
    return {
        "article_id": place.article_id,
        "label": place.label,
        "chapter": place.chapter,
        "removed": place.removed,
        "comment_count": place.comment_count,
        "outcomes": place.outcomes,
        "items": [
            {
                "comment_id": item.comment_id,
                "body": item.body,
                "channel": item.channel,
                "outcome": item.outcome,
                "reason": item.reason,
                "commented_label": item.commented_label,
                "commented_as": item.commented_as,
            }
            for item in place.items
        ],
    }


def report_json(report: FeedbackReport) -> dict:
    """CONTRACT.md's feedback object, with the revisions, channels and satisfaction besides."""
    draft = report.draft
    rated = summary(draft.id)
    return {
        "draft": draft.slug,
        "draft_title": draft.title,
        "published_at": iso(report.publication.published_at) if report.publication else None,
        "publication": report.publication.number if report.publication else None,
        "revisions": [
            {"number": p.number, "published_at": iso(p.published_at), "revision_note": p.revision_note}
            for p in report.revisions
        ],
        "totals": report.totals,
        "contact_points": report.contact_points,
        "comments_shown": draft.show_comments,
        "by_channel": report.by_channel,
        "satisfaction": {"count": rated.count, "average": rated.average},
        "articles": [_place_json(place) for place in report.articles],
        "general": _place_json(report.general),
    }


@bp.get("/drafts/<slug>/feedback")
@public
def get_feedback(slug: str):
    """The published feedback report; 404 until it is published."""
    report = published_report(public_draft(slug))
    if report is None:
        raise NotFound(_("该草案的采纳情况反馈尚未发布"))
    return jsonify(report_json(report))


@bp.post("/drafts/<slug>/satisfaction")
@public
def post_satisfaction(slug: str):
    """Rate the feedback with a receipt code: 201 the first time, 200 when it replaces a rating."""
    data = json_body()
    result = rate(
        RequestContext.from_request(),
        slug,
        optional_str(data, "receipt_code"),
        data.get("score"),
        optional_str(data, "comment"),
    )
    body = {
        "receipt_code": display(result.receipt_code),
        "score": result.rating.score,
        "comment": result.rating.comment,
        "updated_at": iso(result.rating.updated_at),
    }
    return jsonify(body), 201 if result.created else 200


def _optional_body() -> dict:
    return json_body() if request.content_length or request.mimetype == "application/json" else {}


def _state_json(slug: str) -> dict:
    draft = draft_by_slug(slug)
    due = purge_due_at(draft, current_app.config["CONTACT_RETENTION_DAYS"])
    return {
        "draft": draft.slug,
        "status": draft.status,
        "feedback_published_at": iso(draft.feedback_published_at),
        "revising": draft.feedback_revising_at is not None,
        "decisions_frozen": decisions_frozen(draft),
        "contacts_purge_due_at": iso(due),
        "contacts_purged_at": iso(draft.contacts_purged_at),
        "public_url": url_for("feedback.feedback_page", slug=draft.slug)
        if draft.feedback_published_at
        else None,
    }


@bp.get("/admin/drafts/<slug>/feedback")
@access("staff")
def admin_feedback_preview(slug: str):
    """The report with the decisions as they stand (what publishing would show), and the stage."""
    report = preview_report(draft_by_slug(slug))
    return jsonify(_state_json(slug) | {"preview": report_json(report)})


@bp.post("/admin/drafts/<slug>/feedback")
@access("staff")
def admin_publish_feedback(slug: str):
    """Publish the feedback (a revision needs ``revision_note``) → 201 with the publication."""
    data = _optional_body()
    note = optional_str(data, "revision_note")
    publication = publish_feedback(current_actor(), RequestContext.from_request(), slug, note)
    return jsonify(
        _state_json(slug)
        | {
            "publication": {
                "number": publication.number,
                "published_at": iso(publication.published_at),
                "revision_note": publication.revision_note,
            }
        }
    ), 201


@bp.post("/admin/drafts/<slug>/feedback/revision")
@access("staff")
def admin_open_revision(slug: str):
    """Unfreeze the decisions until the next publication (which needs a revision note)."""
    open_revision(current_actor(), RequestContext.from_request(), slug)
    return jsonify(_state_json(slug))
