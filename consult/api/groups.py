"""Staff endpoints for groups of similar comments: the list, split, merge, confirm, decide (CONTRACT.md)."""

from __future__ import annotations

from flask import current_app, jsonify, request

from consult.api import bp
from consult.api.schemas.base import load, load_query
from consult.api.schemas.groups import (
    GroupAnswerSchema,
    GroupDecisionAnswerSchema,
    GroupDecisionInputSchema,
    GroupListSchema,
    GroupModerationAnswerSchema,
    GroupModerationInputSchema,
    GroupsQuerySchema,
    MergeInputSchema,
    SplitInputSchema,
)
from consult.api.serialize import json_body
from consult.auth.access import access, current_actor
from consult.changes import generation
from consult.context import RequestContext
from consult.drafts.queries import by_slug
from consult.errors import STAFF_JSON_BODY_MAX, NotFound, ValidationError, body_limit
from consult.extensions import db
from consult.generation_cache import cache_for
from consult.groups.decisions import decide_group
from consult.groups.moderation import moderate_group
from consult.groups.operations import confirm_group, merge_groups, split_member
from consult.groups.queries import group_view, groups_of_draft
from consult.i18n import _
from consult.paging import decode_key


def _answer(group_id: int | None):
    view = group_view(group_id) if group_id is not None else None
    return jsonify(GroupAnswerSchema().dump({"group": view}))


@bp.get("/admin/drafts/<slug>/groups")
@access("staff")
def admin_draft_groups(slug: str):
    """A page of a draft's groups of similar comments, largest first (``after``: the previous page's
    ``next_after``), each with its first members' ids."""
    # Kept per change of the comments and groups (every grouping write and staff's change to a group
    # bumps the counter, consult/changes.py) and query string, as the staff comment list is.
    key = ("api", generation(db.session), request.full_path)
    body = cache_for("api-groups").get_or_make(key, lambda: _groups_json(slug))
    return current_app.response_class(body, mimetype="application/json")


def _groups_json(slug: str) -> bytes:
    args = load_query(GroupsQuerySchema)
    after = decode_key(args.get("after"))
    if args.get("after") and after is None:
        raise ValidationError(_("参数 after 无效"), {"after": _("应为上一页答复中的 next_after")})
    draft = by_slug(slug)
    page = groups_of_draft(draft.id, args.get("article_id"), args["min_size"], after, args["per_page"])
    payload = GroupListSchema().dump({"groups": page.groups, "next_after": page.next_after})
    return current_app.json.dumps(payload).encode()


@bp.get("/admin/groups/<int:group_id>")
@access("staff")
def admin_group(group_id: int):
    """One group with every member's id."""
    view = group_view(group_id)
    if view is None:
        raise NotFound(_("意见组不存在"))
    return jsonify(GroupAnswerSchema().dump({"group": view}))


@bp.post("/admin/groups/<int:group_id>/moderate")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_moderate_group(group_id: int):
    """Publish or reject every pending member of a group at once."""
    data = load(GroupModerationInputSchema(), json_body())
    done = moderate_group(
        current_actor(),
        RequestContext.from_request(),
        group_id,
        data.get("action") or "",
        data.get("reason"),
        data.get("confirm_personal_data") is True,
        data.get("expected_count"),
    )
    answer = {"group": group_view(done.group_id), "moderated": done.count}
    return jsonify(GroupModerationAnswerSchema().dump(answer))


@bp.post("/admin/groups/<int:group_id>/split")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_split_group(group_id: int):
    """Take one comment out of a group; it stays out."""
    data = load(SplitInputSchema(), json_body())
    left = split_member(current_actor(), RequestContext.from_request(), group_id, data.get("comment_id") or 0)
    return _answer(left)


@bp.post("/admin/groups/merge")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_merge_groups():
    """Merge groups of one article into one, kept together from then on."""
    data = load(MergeInputSchema(), json_body())
    return _answer(merge_groups(current_actor(), RequestContext.from_request(), data.get("groups") or []))


@bp.post("/admin/groups/<int:group_id>/confirm")
@access("staff")
def admin_confirm_group(group_id: int):
    """Confirm a group: its members stay in it whatever a recomputation finds."""
    return _answer(confirm_group(current_actor(), RequestContext.from_request(), group_id))


@bp.post("/admin/groups/<int:group_id>/decision")
@body_limit(STAFF_JSON_BODY_MAX)
@access("staff")
def admin_decide_group(group_id: int):
    """One decision for a group: every member without its own carries it, later members too."""
    data = load(GroupDecisionInputSchema(), json_body())
    group, decided = decide_group(
        current_actor(),
        RequestContext.from_request(),
        group_id,
        data.get("outcome") or "",
        data.get("reason"),
        data.get("decision_version"),
    )
    return jsonify(GroupDecisionAnswerSchema().dump({"group": group_view(group), "decided": decided}))
