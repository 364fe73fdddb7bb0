"""Staff endpoints under /api/v1/admin: comments, moderation, decisions, drafts, versions, letters."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, jsonify, request

from consult import personal_data
from consult.api import bp
from consult.api.serialize import (
    ID_MAX,
    article_json,
    int_arg,
    iso,
    json_body,
    optional_bool,
    optional_int,
    optional_str,
    paging,
    staff_decision_json,
)
from consult.auth.access import access, current_actor
from consult.changes import generation
from consult.clock import as_utc
from consult.comments.decisions import decide
from consult.comments.moderation import enter_offline_comment, moderate_comment
from consult.comments.receipts import display
from consult.comments.staff_queries import (
    CommentFilter,
    article_labels,
    contact_point_slugs,
    decode_cursor,
    encode_cursor,
    staff_comments,
)
from consult.context import RequestContext
from consult.drafts.operations import DraftInput, add_version, create_draft, update_draft
from consult.drafts.queries import current_articles
from consult.errors import ValidationError
from consult.extensions import db
from consult.generation_cache import cache_for
from consult.i18n import _
from consult.models import Comment, Draft
from consult.models.enums import CHANNELS, COMMENT_STATUSES


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ValidationError(
            _("参数 %(name)s 的取值无效", name=name), {name: _("应为 %(v)s 之一", v="、".join(allowed))}
        )
    return value


def parse_time(data: dict, name: str) -> datetime | None:
    """An ISO 8601 time from a JSON body (a time without offset is Beijing time)."""
    raw = optional_str(data, name)
    if raw is None or raw == "":
        return None
    try:
        return as_utc(datetime.fromisoformat(raw))
    except (ValueError, OverflowError):
        raise ValidationError(
            _("字段 %(name)s 不是有效的时间（ISO 8601）", name=name),
            {name: _("时间格式应如 2027-01-01T09:00:00+08:00")},
        ) from None


def staff_comment_json(c: Comment, labels: dict[int, str], points: dict[int, str]) -> dict:
    """A comment as staff see it: public fields plus status, contact and provenance."""
    return {
        "id": c.id,
        "draft": c.draft.slug,
        "article_id": c.article_id,
        "article_label": labels.get(c.article_id) if c.article_id else None,
        "body": c.body,
        "masked_body": c.masked_body,
        "personal_data": (found := personal_data.find(c.body)),
        "suggested_mask": personal_data.mask_text(c.body) if found else None,
        "author_name": c.author_name,
        "channel": c.channel,
        "status": c.status,
        "moderation_reason": c.moderation_reason,
        "contact": c.contact,
        "notify": c.notify,
        "receipt_code": display(c.receipt_code),
        "contact_point": points.get(c.contact_point_id) if c.contact_point_id else None,
        "batch_id": c.batch_id,
        "submitted_at": iso(c.submitted_at),
        "received_at": iso(c.received_at),
        "decision": staff_decision_json(c.decision),
        "version": c.version,
    }


def _one_comment_json(comment_id: int) -> dict:
    comment = db.session.get(Comment, comment_id)
    return staff_comment_json(comment, article_labels([comment]), contact_point_slugs([comment]))


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
    page, per_page = paging()
    raw_after = request.args.get("after")
    after = decode_cursor(raw_after)
    if raw_after and after is None:
        raise ValidationError(_("参数 after 无效"), {"after": _("应为上一页答复中的 next_after")})
    f = CommentFilter(
        status=_choice("status", COMMENT_STATUSES),
        draft_slug=request.args.get("draft") or None,
        article_id=int_arg("article_id", maximum=ID_MAX),
        channel=_choice("channel", CHANNELS),
        contact_point=request.args.get("contact_point") or None,
        q=request.args.get("q") or None,
    )
    result = staff_comments(f, page, per_page, after=after)
    labels, points = article_labels(result.items), contact_point_slugs(result.items)
    payload = {
        "comments": [staff_comment_json(c, labels, points) for c in result.items],
        "page": page,
        "per_page": per_page,
        "total": result.total,
        "next_after": encode_cursor(result.items[-1]) if result.items and result.has_next else None,
    }
    return current_app.json.dumps(payload).encode()


@bp.post("/admin/comments/<int:comment_id>/moderate")
@access("staff")
def admin_moderate(comment_id: int):
    """Publish, reject (take down) or mark as spam."""
    data = json_body()
    actor = current_actor()
    moderate_comment(
        actor,
        RequestContext.from_request(),
        comment_id,
        optional_str(data, "action") or "",
        optional_str(data, "reason"),
        optional_str(data, "masked_body"),
        optional_int(data, "version"),
    )
    return jsonify(_one_comment_json(comment_id))


@bp.post("/admin/comments/<int:comment_id>/decision")
@access("staff")
def admin_decision(comment_id: int):
    """Record or change the decision on a comment."""
    data = json_body()
    actor = current_actor()
    seen = optional_int(data, "decision_version", minimum=0)
    decide(
        actor,
        RequestContext.from_request(),
        [comment_id],
        optional_str(data, "outcome") or "",
        optional_str(data, "reason"),
        None if seen is None else {comment_id: seen},
    )
    return jsonify(_one_comment_json(comment_id))


@bp.post("/admin/drafts/<slug>/comments")
@access("staff")
def admin_enter_comment(slug: str):
    """Enter an opinion that arrived by letter, from a deputy or an expert."""
    data = json_body()
    actor = current_actor()
    received = parse_time(data, "received_at")
    comment = enter_offline_comment(
        actor,
        RequestContext.from_request(),
        slug,
        optional_str(data, "body"),
        optional_str(data, "channel") or "",
        optional_int(data, "article_id"),
        optional_str(data, "author_name"),
        optional_str(data, "contact"),
        received,
    )
    return jsonify(_one_comment_json(comment.id)), 201


def admin_draft_json(draft_id: int) -> dict:
    """A draft as staff see it, with its current version and articles."""
    draft = db.session.get(Draft, draft_id)
    version = draft.current_version
    return {
        "slug": draft.slug,
        "title": draft.title,
        "summary": draft.summary,
        "status": draft.status,
        "opens_at": iso(draft.opens_at),
        "closes_at": iso(draft.closes_at),
        "published_at": iso(draft.published_at),
        "show_comments": draft.show_comments,
        "lock_version": draft.version,
        "version": {
            "number": version.number,
            "label": version.label,
            "published_at": iso(version.published_at),
        },
        "articles": [article_json(t, 0) for t in current_articles(draft)],
    }


@bp.post("/admin/drafts")
@access("staff")
def admin_create_draft():
    """Create a draft from its whole text; published at once with "publish": true."""
    data = json_body()
    actor = current_actor()
    draft_input = DraftInput(
        title=optional_str(data, "title") or "",
        text=optional_str(data, "text") or "",
        summary=optional_str(data, "summary") or "",
        slug=optional_str(data, "slug"),
        opens_at=parse_time(data, "opens_at"),
        closes_at=parse_time(data, "closes_at"),
        publish=optional_bool(data, "publish"),
        show_comments=data.get("show_comments", True) is not False,
        version_label=optional_str(data, "version_label"),
    )
    draft = create_draft(actor, RequestContext.from_request(), draft_input)
    return jsonify(admin_draft_json(draft.id)), 201


@bp.patch("/admin/drafts/<slug>")
@access("staff")
def admin_update_draft(slug: str):
    """Change title, summary, dates, publication or comment display."""
    data = json_body()
    actor = current_actor()
    changes: dict = {}
    for key in ("title", "summary"):
        if key in data:
            changes[key] = optional_str(data, key) or ""
    for key in ("opens_at", "closes_at"):
        if key in data:
            changes[key] = parse_time(data, key)
    for key in ("publish", "show_comments"):
        if key in data:
            changes[key] = optional_bool(data, key)
    extra = set(data) - {
        "title",
        "summary",
        "opens_at",
        "closes_at",
        "publish",
        "show_comments",
        "lock_version",
    }
    if extra:
        raise ValidationError(
            _("不能修改这些字段：%(f)s", f="、".join(sorted(extra))), {k: _("不可修改") for k in extra}
        )
    draft = update_draft(
        actor, RequestContext.from_request(), slug, changes, optional_int(data, "lock_version")
    )
    return jsonify(admin_draft_json(draft.id))


@bp.post("/admin/drafts/<slug>/versions")
@access("staff")
def admin_add_version(slug: str):
    """A revised text becomes the current version; articles keep their identity where they match."""
    data = json_body()
    actor = current_actor()
    version = add_version(
        actor,
        RequestContext.from_request(),
        slug,
        optional_str(data, "text") or "",
        optional_str(data, "label"),
    )
    return jsonify(admin_draft_json(version.draft_id)), 201
