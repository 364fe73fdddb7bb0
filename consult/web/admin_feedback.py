"""Staff: preview and publish a draft's feedback, open a revision, see satisfaction and the purge date."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from consult.auth.access import access, current_actor
from consult.clock import utcnow
from consult.context import RequestContext
from consult.drafts.queries import by_slug
from consult.errors import DomainError, NotFound
from consult.feedback.notifications import draft_mail_counts
from consult.feedback.publishing import (
    decisions_frozen,
    open_revision,
    publish_feedback,
    publishable_problem,
)
from consult.feedback.purge import purge_due_at
from consult.feedback.reading import find_place, items_page, point_names, points_by_kind, preview_summary
from consult.feedback.satisfaction import recent_remarks, summary
from consult.i18n import _
from consult.paging import decode_cursor
from consult.web.forms import form_page

bp = Blueprint("admin_feedback", __name__, url_prefix="/admin")


PLACE_ENDPOINTS = ("admin_feedback.place_article", "admin_feedback.place_general")


def _render(slug: str, errors: dict | None = None, message: str | None = None, note: str = "", status=200):
    draft = by_slug(slug)
    report = preview_summary(draft)  # grouped counts; each place's comments open on their own page
    return form_page(
        "admin/feedback.html",
        status,
        draft=draft,
        report=report,
        totals=report.totals,
        points=point_names(report),
        point_kinds=points_by_kind(report),
        problem=publishable_problem(draft),
        frozen=decisions_frozen(draft),
        rated=summary(draft.id),
        remarks=recent_remarks(draft.id),
        purge_due=purge_due_at(draft, current_app.config["CONTACT_RETENTION_DAYS"]),
        notifications=draft_mail_counts(draft.id),
        errors=errors,
        message=message,
        note=note,
        now=utcnow(),
        place_endpoints=PLACE_ENDPOINTS,
    )


@bp.get("/drafts/<slug>/feedback")
@access("staff")
def feedback(slug: str):
    """The staff view of a draft's feedback: preview with the decisions as they stand, and the stage."""
    return _render(slug)


def _place(slug: str, article_id: int | None):
    draft = by_slug(slug)
    report = preview_summary(draft, figures=False)  # the places only, from the counters: no scan
    place = find_place(report, article_id)
    if place is None:
        raise NotFound(_("预览中没有这一条"))
    after = decode_cursor(request.args.get("after"))  # malformed: the first page
    return render_template(
        "admin/feedback_place.html",
        draft=draft,
        place=place,
        page=items_page(draft, place, None, after),
        later=after is not None,
        endpoint=PLACE_ENDPOINTS[0] if article_id is not None else PLACE_ENDPOINTS[1],
        args={"article_id": article_id} if article_id is not None else {},
    )


@bp.get("/drafts/<slug>/feedback/articles/<int:article_id>")
@access("staff")
def place_article(slug: str, article_id: int):
    """Preview: one article's comments with their decisions as they stand, a page at a time by key."""
    return _place(slug, article_id)


@bp.get("/drafts/<slug>/feedback/general")
@access("staff")
def place_general(slug: str):
    """Preview: the general opinions with their decisions as they stand, a page at a time by key."""
    return _place(slug, None)


@bp.post("/drafts/<slug>/feedback/publish")
@access("staff")
def publish(slug: str):
    """Publish (or publish a revision); the form's confirmation box must be ticked."""
    note = request.form.get("revision_note", "")
    if request.form.get("confirm") != "1":
        message = _("请勾选确认框后再发布")
        return _render(slug, {"confirm": message}, message, note, 400)
    try:
        publication = publish_feedback(current_actor(), RequestContext.from_request(), slug, note)
    except DomainError as err:
        return _render(slug, err.fields, err.message, note, err.status)
    if publication.number == 1:
        flash(_("采纳情况反馈已发布，处理结果已冻结。"))
    else:
        flash(_("修订后的采纳情况反馈已发布（第%(n)d次修订）。", n=publication.number - 1))
    return redirect(url_for("admin_feedback.feedback", slug=slug), 303)


@bp.post("/drafts/<slug>/feedback/revise")
@access("staff")
def revise(slug: str):
    """Open a revision: decisions become editable until the feedback is published again."""
    if request.form.get("confirm") != "1":
        message = _("请勾选确认框后再开始修订")
        return _render(slug, {"revise": message}, message, status=400)
    try:
        open_revision(current_actor(), RequestContext.from_request(), slug)
    except DomainError as err:
        return _render(slug, err.fields, err.message, status=err.status)
    flash(
        _(
            "已开始修订：现在可以修改处理结果，修改完成后请填写修订说明并重新发布。公众看到的仍是上次发布的版本。"
        )
    )
    return redirect(url_for("admin_feedback.feedback", slug=slug), 303)
