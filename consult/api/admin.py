"""Staff endpoints under /api/v1/admin: comments, moderation, decisions, drafts, versions, letters."""

from __future__ import annotations

from flask import current_app, jsonify, request

from consult.api import bp
from consult.api.schemas.base import Context, load, load_query
from consult.api.schemas.public import ArticleSchema
from consult.api.schemas.queries import StaffCommentsQuerySchema
from consult.api.schemas.staff import (
    AdminDraftSchema,
    DecisionInputSchema,
    DraftChangesSchema,
    ExplanationInputSchema,
    ModerationSchema,
    NewDraftSchema,
    NewVersionSchema,
    OfflineCommentSchema,
    StaffCommentPageSchema,
    StaffCommentSchema,
)
from consult.api.serialize import json_body
from consult.auth.access import access, current_actor
from consult.changes import generation
from consult.comments.decisions import decide
from consult.comments.moderation import enter_offline_comment, moderate_comment
from consult.comments.staff_queries import (
    CommentFilter,
    article_labels,
    contact_point_slugs,
    encode_cursor,
    staff_comments,
)
from consult.context import RequestContext
from consult.drafts.explanations import explain_article
from consult.drafts.operations import TEXT_BODY_MAX, DraftInput, add_version, create_draft, update_draft
from consult.errors import STAFF_JSON_BODY_MAX, ValidationError, body_limit
from consult.extensions import db
from consult.generation_cache import cache_for
from consult.groups.queries import group_ids_of
from consult.i18n import _
from consult.models import Comment, Draft
from consult.paging import decode_cursor


def staff_comments_json(comments: list[Comment], **page: object) -> dict:
    """Comments as staff see them, with the article labels and contact point slugs they need."""
    context = {
        "labels": article_labels(comments),
        "points": contact_point_slugs(comments),
        "groups": group_ids_of(c.id for c in comments),
    }
    with Context(context):
        if page:
            return StaffCommentPageSchema().dump({"comments": comments, **page})
        return StaffCommentSchema(many=True).dump(comments)


def _one_comment_json(comment_id: int) -> dict:
    return staff_comments_json([db.session.get(Comment, comment_id)])[0]


@bp.get("/admin/comments")
@access("staff")
def admin_comments():
    """Every comment with filters; contact details and provenance included.

    Answers are kept per change of the comments (see consult/changes.py) and query string, so
    repeated reads of an unchanged queue cost little; any change in any worker renders afresh.
    """
    key = ("api", generation(db.session), request.full_path)
    body = cache_for("api-comments").get_or_make(key, _comments_json)
    return current_app.response_class(body, mimetype="application/json")


def _comments_json() -> bytes:
    args = load_query(StaffCommentsQuerySchema)
    page, per_page = args["page"], args["per_page"]
    after = decode_cursor(args.get("after"))
    if args.get("after") and after is None:
        raise ValidationError(_("参数 after 无效"), {"after": _("应为上一页答复中的 next_after")})
    f = CommentFilter(
        status=args.get("status"),
        draft_slug=args.get("draft"),
        article_id=args.get("article_id"),
        channel=args.get("channel"),
        contact_point=args.get("contact_point"),
        q=args.get("q"),
    )
    result = staff_comments(f, page, per_page, after=after)
    payload = staff_comments_json(
        result.items,
        page=page,
        per_page=per_page,
        total=result.total,
        next_after=encode_cursor(result.items[-1]) if result.items and result.has_next else None,
    )
    return current_app.json.dumps(payload).encode()


@bp.post("/admin/comments/<int:comment_id>/moderate")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_moderate(comment_id: int):
    """Publish, reject (take down) or mark as spam."""
    data = load(ModerationSchema(), json_body())
    moderate_comment(
        current_actor(),
        RequestContext.from_request(),
        comment_id,
        data.get("action") or "",
        data.get("reason"),
        data.get("masked_body"),
        data.get("version"),
    )
    return jsonify(_one_comment_json(comment_id))


@bp.post("/admin/comments/<int:comment_id>/decision")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_decision(comment_id: int):
    """Record or change the decision on a comment."""
    data = load(DecisionInputSchema(), json_body())
    seen = data.get("decision_version")
    decide(
        current_actor(),
        RequestContext.from_request(),
        [comment_id],
        data.get("outcome") or "",
        data.get("reason"),
        None if seen is None else {comment_id: seen},
    )
    return jsonify(_one_comment_json(comment_id))


@bp.post("/admin/drafts/<slug>/comments")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_enter_comment(slug: str):
    """Enter an opinion that arrived by letter, from a deputy or an expert."""
    data = load(OfflineCommentSchema(), json_body())
    comment = enter_offline_comment(
        current_actor(),
        RequestContext.from_request(),
        slug,
        data.get("body"),
        data.get("channel") or "",
        data.get("article_id"),
        data.get("author_name"),
        data.get("contact"),
        data.get("received_at"),
    )
    return jsonify(_one_comment_json(comment.id)), 201


def admin_draft_json(draft_id: int) -> dict:
    """A draft as staff see it, with its current version and articles."""
    return AdminDraftSchema().dump(db.session.get(Draft, draft_id))


@bp.post("/admin/drafts")
@body_limit(TEXT_BODY_MAX)
@access("staff")
def admin_create_draft():
    """Create a draft from its whole text; published at once with "publish": true."""
    data = load(NewDraftSchema(), json_body())
    draft_input = DraftInput(
        title=data.get("title") or "",
        text=data.get("text") or "",
        summary=data.get("summary") or "",
        slug=data.get("slug"),
        opens_at=data.get("opens_at"),
        closes_at=data.get("closes_at"),
        publish=bool(data.get("publish")),
        show_comments=data.get("show_comments") is not False,
        version_label=data.get("version_label"),
    )
    draft = create_draft(current_actor(), RequestContext.from_request(), draft_input)
    return jsonify(admin_draft_json(draft.id)), 201


@bp.patch("/admin/drafts/<slug>")
@body_limit(TEXT_BODY_MAX)
@access("staff")
def admin_update_draft(slug: str):
    """Change title, summary, dates, publication or comment display."""
    changes = load(DraftChangesSchema(), json_body())
    lock_version = changes.pop("lock_version", None)
    if "summary" in changes:
        changes["summary"] = changes["summary"] or ""
    draft = update_draft(current_actor(), RequestContext.from_request(), slug, changes, lock_version)
    return jsonify(admin_draft_json(draft.id))


@bp.post("/admin/drafts/<slug>/versions")
@body_limit(TEXT_BODY_MAX)
@access("staff")
def admin_add_version(slug: str):
    """A revised text becomes the current version; articles keep their identity where they match."""
    data = load(NewVersionSchema(), json_body())
    version = add_version(
        current_actor(), RequestContext.from_request(), slug, data.get("text") or "", data.get("label")
    )
    return jsonify(admin_draft_json(version.draft_id)), 201


@bp.patch("/admin/drafts/<slug>/articles/<int:article_id>")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_explain_article(slug: str, article_id: int):
    """Set or remove an article's plain-language explanation (条文释义) in the current version."""
    data = load(ExplanationInputSchema(), json_body())
    if "explanation" not in data:
        raise ValidationError(_("请填写条文释义（null 表示删除）"), {"explanation": _("必须填写")})
    done = explain_article(
        current_actor(), RequestContext.from_request(), slug, article_id, data["explanation"]
    )
    return jsonify(ArticleSchema().dump(done.text))
