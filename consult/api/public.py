"""Public endpoints: drafts, articles, published comments, submitting a comment, receipts."""

from __future__ import annotations

from flask import jsonify, request, url_for

from consult.api import bp
from consult.api.serialize import (
    ID_MAX,
    article_json,
    decision_json,
    draft_summary_json,
    int_arg,
    iso,
    json_body,
    optional_bool,
    optional_int,
    optional_str,
    paging,
    public_comment_json,
)
from consult.auth.access import public
from consult.clock import utcnow
from consult.comments.operations import CommentInput, submission_key, submit_comment
from consult.comments.queries import published_comments, published_counts, receipt
from consult.comments.receipts import display
from consult.context import RequestContext
from consult.drafts.queries import article_in_draft, current_articles, public_draft, public_drafts
from consult.errors import NotFound
from consult.extensions import db
from consult.feedback.queries import public_decisions
from consult.i18n import _


@bp.get("/drafts")
@public
def list_drafts():
    """Published drafts with their public status and count of published comments."""
    now = utcnow()
    items = public_drafts(now)
    return jsonify({"drafts": [draft_summary_json(i.draft, i.status, i.comment_count) for i in items]})


@bp.get("/drafts/<slug>")
@public
def get_draft(slug: str):
    """A draft with its current version and articles."""
    draft = public_draft(slug)
    counts = published_counts(draft.id)
    version = draft.current_version
    body = draft_summary_json(draft, draft.status_at(utcnow()), sum(counts.values()))
    body.update(
        {
            "summary": draft.summary,
            "show_comments": draft.show_comments,
            "version": {
                "number": version.number,
                "label": version.label,
                "published_at": iso(version.published_at),
            },
            "articles": [article_json(t, counts.get(t.article_id, 0)) for t in current_articles(draft)],
        }
    )
    return jsonify(body)


@bp.get("/drafts/<slug>/comments")
@public
def list_comments(slug: str):
    """Published comments only, newest first; never contact details, address or receipt code."""
    draft = public_draft(slug)
    page, per_page = paging()
    article_id = int_arg("article_id", maximum=ID_MAX)
    if article_id is not None:
        article_in_draft(draft, article_id)
    if not draft.show_comments:
        result_items, total = [], 0
    else:
        result = published_comments(draft.id, article_id, page=page, per_page=per_page)
        decisions = public_decisions(db.session, draft, [c.id for c in result.items])
        result_items = [public_comment_json(c, decisions.get(c.id)) for c in result.items]
        total = result.total
    return jsonify({"comments": result_items, "page": page, "per_page": per_page, "total": total})


@bp.post("/drafts/<slug>/comments")
@public
def post_comment(slug: str):
    """Submit a comment (JSON only) → 201 with its receipt code."""
    key = submission_key("api", request.headers.get("Idempotency-Key"))
    data = json_body()
    payload = CommentInput(
        body=optional_str(data, "body"),
        article_id=optional_int(data, "article_id"),
        author_name=optional_str(data, "author_name"),
        contact=optional_str(data, "contact"),
        notify=optional_bool(data, "notify"),
    )
    result = submit_comment(RequestContext.from_request(), slug, payload, key)
    return jsonify(
        {
            "receipt_code": display(result.receipt_code),
            "status": result.status,
            "article_id": result.article_id,
        }
    ), 200 if result.repeated else 201


@bp.get("/receipts/<code>")
@public
def get_receipt(code: str):
    """What became of a comment; an unknown code is a 404 that says nothing more."""
    view = receipt(code)
    if view is None:
        raise NotFound(_("未找到该回执码"))
    return jsonify(
        {
            "receipt_code": display(view.comment.receipt_code),
            "status": view.public_status,
            "draft": view.draft.slug,
            "draft_title": view.draft.title,
            "body": view.comment.body,
            "article_id": view.comment.article_id,
            "article_label": view.article_label,
            "article_label_at_submission": view.article_label_at_submission,
            "submitted_at": iso(view.comment.submitted_at),
            "notify_by": view.notify_by,
            "reason": view.reason,
            "decision": decision_json(view.decision),
            "feedback": "published" if view.draft.feedback_published_at else "under_study",
            "feedback_url": url_for("feedback.feedback_page", slug=view.draft.slug)
            if view.draft.feedback_published_at
            else None,
        }
    )


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of every /api/v1 endpoint."""
    from consult.api.openapi import openapi_document

    return jsonify(openapi_document())
