"""The public feedback report (采纳情况反馈) and satisfaction on the receipt page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from consult.auth.access import public
from consult.clock import utcnow
from consult.comments.operations import stop_notifications
from consult.comments.queries import look_up_receipt, receipt
from consult.context import RequestContext
from consult.drafts.queries import public_draft
from consult.errors import DomainError, NotFound
from consult.feedback.reading import find_place, items_page, point_names, points_by_kind, published_summary
from consult.feedback.satisfaction import rate, summary
from consult.i18n import _
from consult.paging import decode_cursor
from consult.receipts import display
from consult.web.cache import cached_page
from consult.web.public import render_receipt

bp = Blueprint("feedback", __name__)


PLACE_ENDPOINTS = ("feedback.feedback_article", "feedback.feedback_general")


@bp.get("/drafts/<slug>/feedback")
@public
@cached_page
def feedback_page(slug: str):
    """The published report: figures, per article the counts per outcome (its comments and reasons on
    its own page), revisions; printable. Read from the summary its publication kept: nothing counted."""
    draft = public_draft(slug)
    report = published_summary(draft)
    if report is None:
        return render_template("public/feedback_pending.html", draft=draft, status=draft.status), 404
    return render_template(
        "public/feedback.html",
        draft=draft,
        report=report,
        totals=report.totals,
        points=point_names(report),
        point_kinds=points_by_kind(report),
        rated=summary(draft.id),
        now=utcnow(),
        place_endpoints=PLACE_ENDPOINTS,
        compare_url=url_for("versions.compare_page", slug=draft.slug) if len(draft.versions) > 1 else None,
        open_data_url=url_for("versions.open_data_zip", slug=draft.slug),
    )


def _place_page(slug: str, article_id: int | None):
    draft = public_draft(slug)
    report = published_summary(draft)
    if report is None:
        return render_template("public/feedback_pending.html", draft=draft, status=draft.status), 404
    place = find_place(report, article_id)
    if place is None:
        raise NotFound(_("采纳情况反馈中没有这一条"))
    after = decode_cursor(request.args.get("after"))  # malformed: the first page
    page = items_page(draft, place, report.publication.id, after)
    return render_template(
        "public/feedback_place.html",
        draft=draft,
        place=place,
        page=page,
        later=after is not None,
        endpoint=PLACE_ENDPOINTS[0] if article_id is not None else PLACE_ENDPOINTS[1],
        report_url=url_for("feedback.feedback_page", slug=draft.slug),
        args={"article_id": article_id} if article_id is not None else {},
    )


@bp.get("/drafts/<slug>/feedback/articles/<int:article_id>")
@public
@cached_page
def feedback_article(slug: str, article_id: int):
    """One article's comments in the published report, with their outcomes and reasons, by key."""
    return _place_page(slug, article_id)


@bp.get("/drafts/<slug>/feedback/general")
@public
@cached_page
def feedback_general(slug: str):
    """The general opinions in the published report, with their outcomes and reasons, by key."""
    return _place_page(slug, None)


@bp.post("/receipts/<code>/satisfaction")
@public
def rate_form(code: str):
    """Rate the feedback from the receipt page; errors show on the same page with the choice kept."""
    view = look_up_receipt(RequestContext.from_request().address, code)
    if view is None:
        raise NotFound(_("未找到该回执码"))
    slug, stored_code = view.draft.slug, view.comment.receipt_code
    try:
        rate(
            RequestContext.from_request(),
            slug,
            stored_code,
            request.form.get("score"),
            request.form.get("comment"),
        )
    except DomainError as err:
        kept = {"score": request.form.get("score", ""), "comment": request.form.get("comment", "")}
        return render_receipt(receipt(code), rating_error=err, rating_form=kept, status=err.status)
    flash(_("感谢您的评价！"))
    target = url_for("public.receipt_page", code=display(stored_code))
    return redirect(target + "#satisfaction-title", 303)


@bp.post("/receipts/<code>/notifications/stop")
@public
def stop_notifications_form(code: str):
    """The commenter withdraws consent to emails (linked from every mail)."""
    view = look_up_receipt(RequestContext.from_request().address, code)
    if view is None:
        raise NotFound(_("未找到该回执码"))
    stored_code = view.comment.receipt_code
    stop_notifications(RequestContext.from_request(), stored_code)
    flash(_("已停止：我们不会再就这条意见向您发送邮件。"))
    return redirect(url_for("public.receipt_page", code=display(stored_code)) + "#notifications", 303)
