"""The staff workspace (HTML): overview and the moderation queue."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from consult.auth.access import access, current_actor
from consult.comments.moderation import REJECT_REASONS, masked, moderate_comment, moderate_many, personal_data
from consult.comments.staff_queries import CommentFilter, article_labels, contact_point_slugs, staff_comments
from consult.context import RequestContext
from consult.db import end_read
from consult.errors import DomainError
from consult.extensions import db
from consult.i18n import _
from consult.models import Comment, ContactPoint, Decision, Draft
from consult.models.enums import CHANNELS, COMMENT_STATUSES

bp = Blueprint("admin", __name__, url_prefix="/admin")

QUEUE_PER_PAGE = 25


@bp.get("/")
@access("staff")
def overview():
    """Every draft with what waits for staff: pending comments and undecided published ones."""
    counts = {
        (draft_id, status): n
        for draft_id, status, n in db.session.execute(
            select(Comment.draft_id, Comment.status, func.count(Comment.id)).group_by(
                Comment.draft_id, Comment.status
            )
        )
    }
    undecided = dict(
        db.session.execute(
            select(Comment.draft_id, func.count(Comment.id))
            .outerjoin(Decision, Decision.comment_id == Comment.id)
            .where(Comment.status == "published", Decision.id.is_(None))
            .group_by(Comment.draft_id)
        ).all()
    )
    drafts = db.session.scalars(select(Draft).order_by(Draft.created_at.desc())).all()
    return render_template("admin/overview.html", drafts=drafts, counts=counts, undecided=undecided)


def _filter_from_args() -> CommentFilter:
    status = request.args.get("status", "pending")
    return CommentFilter(
        status=status if status in COMMENT_STATUSES else None,
        draft_slug=request.args.get("draft") or None,
        article_id=int(request.args["article_id"]) if request.args.get("article_id", "").isdigit() else None,
        channel=request.args.get("channel") if request.args.get("channel") in CHANNELS else None,
        contact_point=request.args.get("contact_point") or None,
        q=(request.args.get("q") or "").strip() or None,
    )


@bp.get("/moderation")
@access("staff")
def moderation():
    """The moderation queue: pending comments oldest first, with filters and personal-data flags."""
    f = _filter_from_args()
    page = int(request.args["page"]) if request.args.get("page", "").isdigit() else 1
    result = staff_comments(f, max(1, page), QUEUE_PER_PAGE)
    labels, points = article_labels(result.items), contact_point_slugs(result.items)
    flags = {c.id: personal_data(c.body) for c in result.items}
    suggestions = {c.id: masked(c.body) for c in result.items if flags[c.id]}
    drafts = db.session.scalars(select(Draft).order_by(Draft.title)).all()
    contact_points = db.session.scalars(select(ContactPoint).order_by(ContactPoint.name)).all()
    return render_template(
        "admin/moderation.html",
        result=result,
        f=f,
        labels=labels,
        points=points,
        flags=flags,
        suggestions=suggestions,
        drafts=drafts,
        contact_points=contact_points,
        reasons=REJECT_REASONS,
        statuses=COMMENT_STATUSES,
        channels=CHANNELS,
        args=request.args,
    )


def _back() -> str:
    target = request.form.get("next") or ""
    return target if target.startswith("/admin/") else url_for("admin.moderation")


@bp.post("/comments/<int:comment_id>/moderate")
@access("staff")
def moderate(comment_id: int):
    """Publish, publish a masked copy, reject with a reason, or mark as spam (form door)."""
    actor = current_actor()
    form = request.form
    reason = form.get("reason_other") or form.get("reason") or None
    masked_body = form.get("masked_body") if form.get("use_masked") == "1" else None
    version = int(form["version"]) if form.get("version", "").isdigit() else None
    end_read()
    try:
        moderate_comment(
            actor,
            RequestContext.from_request(),
            comment_id,
            form.get("action", ""),
            reason,
            masked_body,
            version,
        )
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(_("已处理意见 #%(id)d。", id=comment_id))
    return redirect(_back(), code=303)


@bp.post("/comments/bulk")
@access("staff")
def moderate_bulk():
    """One moderation action for the selected comments."""
    actor = current_actor()
    ids = [int(x) for x in request.form.getlist("ids") if x.isdigit()]
    reason = request.form.get("reason_other") or request.form.get("reason") or None
    end_read()
    try:
        n = moderate_many(actor, RequestContext.from_request(), ids, request.form.get("action", ""), reason)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(_("已批量处理%(n)d条意见。", n=n))
    return redirect(_back(), code=303)
