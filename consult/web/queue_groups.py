"""The moderation queue's groups of similar comments (HTML): a group's members, the confirmation of
全部发布 / 全部不予发布, and taking a member out to moderate it alone. Without JavaScript."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from consult import personal_data
from consult.auth.access import access, current_actor
from consult.comments.moderation import REJECT_REASONS
from consult.comments.queue_queries import group_members as members_of_group
from consult.comments.queue_queries import group_place
from consult.context import RequestContext
from consult.errors import DomainError
from consult.groups.moderation import GROUP_ACTIONS, moderate_group, pending_summary
from consult.groups.operations import split_member
from consult.i18n import _
from consult.web.admin import _tell, bp

MEMBERS_PER_PAGE = 50
FLAGGED_SHOWN = 50  # flagged members listed on the confirmation page (all of them on the members page)


def _digits(raw: str | None) -> int | None:
    raw = raw or ""
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _queue() -> str:
    target = request.values.get("next") or ""
    return target if target.startswith("/admin/") else url_for("admin.moderation")


@bp.get("/groups/<int:group_id>")
@access("staff")
def group_members(group_id: int):
    """A group's members, oldest first by id (keyset ``after``), each with its personal-data flags."""
    place = group_place(group_id)
    if place is None:
        abort(404)
    after = _digits(request.args.get("after")) or 0
    members, more = members_of_group(group_id, after, MEMBERS_PER_PAGE)
    return render_template(
        "admin/group.html",
        place=place,
        members=members,
        flags={c.id: personal_data.find(c.body) for c in members},
        summary=pending_summary(group_id),
        next_after=members[-1].id if members and more else None,
        after=after,
        queue=_queue(),
    )


@bp.get("/groups/<int:group_id>/moderate")
@access("staff")
def confirm_group_moderation(group_id: int):
    """The confirmation step: how many pending members, and those that seem to carry personal data."""
    action = request.args.get("action")
    if action not in GROUP_ACTIONS:
        action = "publish"
    place = group_place(group_id)
    if place is None:
        abort(404)
    return render_template(
        "admin/group_moderate.html",
        place=place,
        action=action,
        summary=pending_summary(group_id),
        shown=FLAGGED_SHOWN,
        reasons=REJECT_REASONS,
        queue=_queue(),
    )


@bp.post("/groups/<int:group_id>/moderate")
@access("staff")
def moderate_group_form(group_id: int):
    """全部发布 / 全部不予发布 (form door of moderate_group)."""
    form = request.form
    action = form.get("action", "")
    try:
        done = moderate_group(
            current_actor(),
            RequestContext.from_request(),
            group_id,
            action,
            form.get("reason_other") or form.get("reason") or None,
            form.get("confirm_personal_data") == "1",
            _digits(form.get("expected_count")),
        )
    except DomainError as err:
        flash(err.message, "error")
        back = url_for("admin.confirm_group_moderation", group_id=group_id, action=action, next=_queue())
        return redirect(back, code=303)
    if done.action == "publish":
        text = _("已全部公开意见组 #%(g)d 中待审核的%(n)d条意见", g=done.group_id, n=done.count)
    else:
        text = _(
            "已将意见组 #%(g)d 中待审核的%(n)d条意见全部不予公开（理由：%(reason)s）",
            g=done.group_id,
            n=done.count,
            reason=done.reason,
        )
    _tell(text)
    return redirect(_queue(), code=303)


@bp.post("/groups/<int:group_id>/split")
@access("staff")
def split_group_member(group_id: int):
    """Take a member out of the group: it then waits in the queue on its own (to publish a masked copy)."""
    comment_id = _digits(request.form.get("comment_id")) or 0
    try:
        split_member(current_actor(), RequestContext.from_request(), group_id, comment_id)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(_("意见 #%(c)d 已移出本组，将在审核队列中单独显示。", c=comment_id), "success")
    return redirect(url_for("admin.group_members", group_id=group_id, next=_queue()), code=303)
