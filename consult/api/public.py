"""Public endpoints: drafts, articles, published comments, submitting a comment, receipts."""

from __future__ import annotations

from flask import jsonify, request

from consult.api import bp
from consult.api.kept import kept_json
from consult.api.schemas.base import Context, load, load_query
from consult.api.schemas.public import (
    CommentPageSchema,
    CommentReceiptSchema,
    DraftListSchema,
    DraftSchema,
    NewCommentSchema,
    ReceiptSchema,
)
from consult.api.schemas.queries import CommentsQuerySchema
from consult.api.serialize import json_body
from consult.auth.access import commenting_account, public
from consult.clock import utcnow
from consult.comments.operations import CommentInput, submission_key, submit_comment
from consult.comments.queries import look_up_receipt, published_comments, published_counts, published_total
from consult.context import RequestContext
from consult.drafts.queries import DraftListing, article_in_draft, public_draft, public_drafts
from consult.errors import NotFound, ValidationError
from consult.extensions import db
from consult.feedback.queries import public_decisions
from consult.i18n import _
from consult.paging import decode_cursor
from consult.ratelimits import refusals_counted


@bp.get("/drafts")
@public
def list_drafts():
    """Published drafts with their public status and count of published comments."""
    return jsonify(DraftListSchema().dump({"drafts": public_drafts(utcnow())}))


@bp.get("/drafts/<slug>")
@public
def get_draft(slug: str):
    """A draft with its current version and articles."""
    draft = public_draft(slug)
    counts = published_counts(draft.id)
    with Context({"counts": counts}):
        return jsonify(
            DraftSchema().dump(DraftListing(draft, draft.status_at(utcnow()), sum(counts.values())))
        )


@bp.get("/drafts/<slug>/comments")
@public
def list_comments(slug: str):
    """Published comments only, newest first; never contact details, address or receipt code.

    Pages by key: ``before`` (the previous answer's ``next``) seeks, so the last page costs what the
    first does; ``total`` is on every page, read from the kept counts (nothing is counted here).
    """
    args = load_query(CommentsQuerySchema)
    page, per_page, article_id = args["page"], args["per_page"], args.get("article_id")
    before = decode_cursor(args.get("before"))
    if args.get("before") and before is None:
        raise ValidationError(_("参数 before 无效"), {"before": _("应为上一页答复中的 next")})
    key = ("comments", slug, page, per_page, article_id, before)
    return kept_json(key, lambda: _comment_page(slug, page, per_page, article_id, before))


def _comment_page(slug: str, page: int, per_page: int, article_id: int | None, before) -> dict:
    """One page of a draft's published comments, dumped (kept under the change counter by the door)."""
    draft = public_draft(slug)
    if article_id is not None:
        article_in_draft(draft, article_id)
    items, total, following, decisions = [], 0, None, {}
    if draft.show_comments:
        result = published_comments(draft.id, article_id, page=page, per_page=per_page, before=before)
        items, following = result.items, result.older
        total = published_total(draft.id, article_id)
        decisions = public_decisions(db.session, draft, [c.id for c in items])
    with Context({"decisions": decisions}):
        body = {"comments": items, "page": page, "per_page": per_page, "total": total, "next": following}
        return CommentPageSchema().dump(body)


@bp.post("/drafts/<slug>/comments")
@public
def post_comment(slug: str):
    """Submit a comment (JSON only) → 201 with its receipt code; with a deputy's or expert's token (or
    their session and X-CSRFToken) it is theirs: channel deputy or expert, signed with their name."""
    ctx = RequestContext.from_request()
    with refusals_counted(ctx.address):
        key = submission_key("api", request.headers.get("Idempotency-Key"))
        data = load(NewCommentSchema(), json_body())
    payload = CommentInput(
        body=data.get("body"),
        article_id=data.get("article_id"),
        author_name=data.get("author_name"),
        contact=data.get("contact"),
        notify=bool(data.get("notify")),
    )
    result = submit_comment(ctx, slug, payload, key, author=commenting_account())
    return jsonify(CommentReceiptSchema().dump(result)), 200 if result.repeated else 201


@bp.get("/receipts/<code>")
@public
def get_receipt(code: str):
    """What became of a comment; an unknown code is a 404 that says nothing more."""
    view = look_up_receipt(RequestContext.from_request().address, code)
    if view is None:
        raise NotFound(_("未找到该回执码"))
    return jsonify(ReceiptSchema().dump(view))


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of every /api/v1 endpoint."""
    # The document reads every schema and path module of the API, which import this blueprint module.
    from consult.api.openapi import openapi_document

    return jsonify(openapi_document())
