"""Review for staff: per-draft and per-article views, decisions, opinions entered by staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from consult.auth.access import access, current_actor
from consult.clock import local_zone, utcnow
from consult.comments.decisions import decide
from consult.comments.moderation import OFFLINE_CHANNELS, enter_offline_comment
from consult.comments.review import add_note, assign, unassign
from consult.comments.review_queries import (
    draft_review,
    entered_comment,
    entry_drafts,
    neighbours,
    review_comments,
    review_drafts,
    review_place,
)
from consult.comments.work_queries import comment_place, my_work, place_work, staff_members
from consult.context import RequestContext
from consult.drafts.queries import by_slug, chapters, current_articles
from consult.errors import DomainError, ValidationError
from consult.feedback.publishing import decisions_frozen
from consult.i18n import _
from consult.paging import page_number
from consult.receipts import display
from consult.vocabulary import outcome_label
from consult.web.admin_stats import staff_statistics
from consult.web.dates import local_day_start
from consult.web.forms import form_page
from consult.web.fragments import attached
from consult.web.review_cache import counters, kept_draft, kept_overview, kept_place, review_page
from consult.web.review_words import channel_names, outcome_choices, review_words

bp = Blueprint("admin_review", __name__, url_prefix="/admin")


def _page_arg() -> int:
    return page_number(request.args.get("page"))


# Review: drafts → articles → comments with their decisions


@bp.get("/review")
@access("staff")
def review():
    """Drafts with their published comments and how many of them still wait for a decision."""
    return render_template("admin/review/drafts.html", rows=review_drafts())


@bp.get("/review/<slug>")
@access("staff")
def review_draft(slug: str):
    """One draft: per article of the current version, published and undecided comments, and general ones."""
    numbers = counters()  # before the draft and everything the page shows
    draft = kept_draft(numbers, slug)

    def render() -> str:
        overview = draft_review(attached(draft))
        return render_template(
            "admin/review/draft.html",
            review=overview,
            draft=overview.draft,
            groups=chapters(overview.articles),
            stats=staff_statistics(overview.draft, overview.articles),
        )

    return kept_overview(numbers, draft, render)


@dataclass
class DecisionInput:
    """What staff typed into a decision form, kept when the decision is refused."""

    scope: str = ""  # "bulk", or the id of the comment whose own form was sent
    outcome: str = ""
    reason: str = ""
    ids: set[int] = field(default_factory=set)
    message: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class WorkInput:
    """A refused note or assignment form: which one ("note-article", "note-<id>", "assign-…"), kept input."""

    scope: str = ""
    body: str = ""
    message: str = ""


def _render_place(
    slug: str,
    article_id: int | None,
    state: DecisionInput | None = None,
    status: int = 200,
    work_state: WorkInput | None = None,
):
    """The review page; on GET its list comes from the copy kept per change counter (review_cache)."""
    if request.method == "GET":
        label, title, pieces = kept_place(lambda: _place_list(slug, article_id, DecisionInput(), WorkInput()))
        return review_page(label, title, pieces), status
    # A refused form, shown again with what was typed: rendered afresh.
    label, title, body = _place_list(slug, article_id, state or DecisionInput(), work_state or WorkInput())
    page = render_template(
        "admin/review/comments.html", place_label=label, draft_title=title, body=Markup(body)
    )
    return page, status


def _place_list(slug: str, article_id: int | None, state: DecisionInput, work_state: WorkInput):
    """(place label, draft title, the page's content) rendered from the database."""
    draft = by_slug(slug)
    place = review_place(draft, article_id)
    undecided_only = request.values.get("undecided") == "1"
    result = review_comments(place, undecided_only, _page_arg() if request.method == "GET" else _form_page())
    work = place_work(place, [c.id for c in result.page.items])
    html = render_template(
        "admin/review/_place.html",
        draft=draft,
        place=place,
        result=result,
        neighbours=neighbours(place),
        undecided_only=undecided_only,
        outcomes=outcome_choices(),
        channel_of=channel_names(),
        words=review_words(),
        state=state,
        select_all=request.args.get("select") == "all",
        locked=decisions_frozen(draft),
        work=work,
        work_state=work_state,
        staff=staff_members(),
    )
    return place.label, draft.title, html


def _form_page() -> int:
    return page_number(request.form.get("page"))


def _seen(ids: set[int]) -> dict[int, int]:
    """The decision version the page showed for each selected comment (0: undecided then)."""
    seen = {}
    for comment_id in ids:
        raw = request.form.get(f"seen-{comment_id}", "")
        if raw.isdigit() and len(raw) < 10:
            seen[comment_id] = int(raw)
    return seen


def _list_url(slug: str, article_id: int | None, page: int) -> str:
    """The review list of the place at ``page``, keeping the "undecided only" filter this request carries."""
    params: dict[str, Any] = {"undecided": "1"} if request.values.get("undecided") == "1" else {}
    if page > 1:
        params["page"] = page
    return _place_url(slug, article_id, **params)


def _place_url(slug: str, article_id: int | None, **params) -> str:
    if article_id is None:
        return url_for("admin_review.review_general", slug=slug, **params)
    return url_for("admin_review.review_article", slug=slug, article_id=article_id, **params)


def _decide(slug: str, article_id: int | None):
    """One decision for one comment or for the selected ones; refused input is shown again, kept."""
    form = request.form
    ids = {int(x) for x in form.getlist("ids") if x.isdigit() and len(x) < 12}
    bulk = form.get("scope") == "bulk"
    state = DecisionInput(
        scope="bulk" if bulk else (str(min(ids)) if ids else ""),
        outcome=form.get("outcome", ""),
        reason=form.get("reason", ""),
        ids=ids,
    )
    by_slug(slug)  # an unknown draft is a 404, not a form error
    actor = current_actor()
    try:
        if not ids:
            raise ValidationError(_("请先勾选要处理的意见"), {"ids": _("未选择任何意见")})
        n = decide(actor, RequestContext.from_request(), sorted(ids), state.outcome, state.reason, _seen(ids))
    except DomainError as err:
        state.message, state.fields = err.message, err.fields
        return _render_place(slug, article_id, state, err.status)
    label = outcome_label(state.outcome)
    if bulk:
        flash(_("已为选中的%(n)d条意见保存处理结果：%(o)s。", n=n, o=label))
    else:
        flash(_("已保存意见 #%(id)d 的处理结果：%(o)s。", id=min(ids), o=label))
    return _back(slug, article_id, "" if bulk else f"#c{min(ids)}")


@bp.get("/review/<slug>/articles/<int:article_id>")
@access("staff")
def review_article(slug: str, article_id: int):
    """The published comments of one article with their decisions, and the forms to decide."""
    return _render_place(slug, article_id)


@bp.post("/review/<slug>/articles/<int:article_id>")
@access("staff")
def decide_article(slug: str, article_id: int):
    """Record a decision on comments of one article."""
    return _decide(slug, article_id)


@bp.get("/review/<slug>/general")
@access("staff")
def review_general(slug: str):
    """The published comments on the draft as a whole (整体意见), with their decisions."""
    return _render_place(slug, None)


@bp.post("/review/<slug>/general")
@access("staff")
def decide_general(slug: str):
    """Record a decision on general comments."""
    return _decide(slug, None)


# Internal notes and assignments (never shown on a public page)


def _back(slug: str, article_id: int | None, anchor: str):
    """Back to the review page the form was on, keeping its filter and page."""
    return redirect(_list_url(slug, article_id, _form_page()) + anchor, code=303)


def _assignee_arg() -> int | None:
    raw = request.form.get("assignee", "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _assign(slug: str, article_id: int | None, comment_id: int | None, place_article: int | None, scope: str):
    """Assign (or, with the empty choice, take back) an article or a comment; refusals re-render."""
    wanted = request.form.get("assignee", "").strip()
    assignee_id = _assignee_arg()
    actor = current_actor()
    try:
        if wanted:
            assign(actor, RequestContext.from_request(), assignee_id, article_id, comment_id)
        else:
            unassign(actor, RequestContext.from_request(), article_id, comment_id)
    except DomainError as err:
        return _refused_work(slug, place_article, comment_id, WorkInput(scope, "", err.message), err.status)
    flash(_("已更新分工。") if wanted else _("已取消分配。"))
    return _back(slug, place_article, f"#{'work' if comment_id is None else f'c{comment_id}'}")


def _note(slug: str, article_id: int | None, comment_id: int | None, place_article: int | None, scope: str):
    """Add an internal note to an article or a comment; a refused note is shown again, kept."""
    body = request.form.get("body", "")
    actor = current_actor()
    try:
        add_note(actor, RequestContext.from_request(), body, article_id, comment_id)
    except DomainError as err:
        return _refused_work(slug, place_article, comment_id, WorkInput(scope, body, err.message), err.status)
    flash(_("已添加内部备注。"))
    return _back(slug, place_article, f"#{'work' if comment_id is None else f'c{comment_id}'}")


def _refused_work(
    slug: str, place_article: int | None, comment_id: int | None, state: WorkInput, status: int
):
    """A refused note or assignment, shown again where its form is: the article's on the review page, a
    comment's on the comment's own page."""
    if comment_id is None:
        return _render_place(slug, place_article, status=status, work_state=state)
    return _render_comment(slug, comment_id, state, status)


def _render_comment(slug: str, comment_id: int, work_state: WorkInput, status: int = 200):
    """One comment's page: its text and decision, its assignment and internal notes with their forms."""
    draft, comment = comment_place(slug, comment_id)
    place = review_place(draft, comment.article_id)
    undecided_only = request.values.get("undecided") == "1"
    page = _page_arg() if request.method == "GET" else _form_page()
    html = render_template(
        "admin/review/comment.html",
        draft=draft,
        place=place,
        comment=comment,
        work=place_work(place, [comment.id]),
        work_state=work_state,
        staff=staff_members(),
        undecided_only=undecided_only,
        page_number=page,
        back=_list_url(slug, comment.article_id, page),
        words=review_words(),
        outcome_of=dict(outcome_choices()),
        channel_of=channel_names(),
    )
    return html, status


@bp.get("/review/<slug>/comments/<int:comment_id>")
@access("staff")
def review_comment(slug: str, comment_id: int):
    """One comment's assignment and internal notes, with the forms to change them (the review list
    shows them and links here)."""
    return _render_comment(slug, comment_id, WorkInput())


@bp.post("/review/<slug>/articles/<int:article_id>/assign")
@access("staff")
def assign_article(slug: str, article_id: int):
    """Assign the article's comments to a staff member (empty choice: take the assignment back)."""
    review_place(by_slug(slug), article_id)  # unknown draft or article: 404
    return _assign(slug, article_id, None, article_id, "assign-article")


@bp.post("/review/<slug>/articles/<int:article_id>/notes")
@access("staff")
def note_article(slug: str, article_id: int):
    """Add an internal note to the article."""
    review_place(by_slug(slug), article_id)
    return _note(slug, article_id, None, article_id, "note-article")


@bp.post("/review/<slug>/comments/<int:comment_id>/assign")
@access("staff")
def assign_comment(slug: str, comment_id: int):
    """Assign one comment to a staff member (empty choice: take the assignment back)."""
    _draft, comment = comment_place(slug, comment_id)
    return _assign(slug, None, comment_id, comment.article_id, f"assign-{comment_id}")


@bp.post("/review/<slug>/comments/<int:comment_id>/notes")
@access("staff")
def note_comment(slug: str, comment_id: int):
    """Add an internal note to one comment."""
    _draft, comment = comment_place(slug, comment_id)
    return _note(slug, None, comment_id, comment.article_id, f"note-{comment_id}")


@bp.get("/mine")
@access("staff")
def mine():
    """The articles and comments assigned to the signed-in staff member, with what still waits."""
    return render_template("admin/review/mine.html", work=my_work(current_actor().id))


# Opinions that arrived by letter, from deputies or from experts


def _render_entry(values: dict[str, str], message: str = "", fields: dict | None = None, status: int = 200):
    drafts = entry_drafts()
    chosen = next((d for d in drafts if d.slug == values.get("draft")), None)
    if values.get("draft") and chosen is None and not message:
        message, status = _("草案不存在，请重新选择"), 404
        fields = {"draft": message}
    articles = chapters(current_articles(chosen)) if chosen is not None else []
    return form_page(
        "admin/review/enter.html",
        status,
        drafts=drafts,
        chosen=chosen,
        groups=articles,
        values=values,
        message=message,
        fields=fields or {},
        channels=OFFLINE_CHANNELS,
        today=utcnow().astimezone(local_zone()).date().isoformat(),
    )


ENTRY_FIELDS = ("draft", "channel", "author_name", "contact", "received_at", "article_id", "body")


@bp.route("/enter", methods=["GET", "POST"])
@access("staff")
def enter_comment():
    """Enter an opinion that came by letter, from a deputy or an expert; the draft is chosen first."""
    if request.method == "GET":
        return _render_entry({"draft": request.args.get("draft", "")})
    values = {name: request.form.get(name, "") for name in ENTRY_FIELDS}
    actor = current_actor()
    try:
        raw_article = values["article_id"].strip()
        if raw_article and not raw_article.isdigit():
            raise ValidationError(_("所选条款不属于本草案"), {"article_id": _("所选条款不属于本草案")})
        if not values["draft"]:
            raise ValidationError(_("请先选择草案"), {"draft": _("请选择草案")})
        comment = enter_offline_comment(
            actor,
            RequestContext.from_request(),
            values["draft"],
            values["body"],
            values["channel"],
            int(raw_article) if raw_article else None,
            values["author_name"],
            values["contact"],
            local_day_start(values["received_at"], "received_at"),
        )
    except DomainError as err:
        fields = dict(err.fields)
        if err.status == 404 and not fields:
            fields = {"draft": err.message}
        return _render_entry(values, err.message, fields, 400 if err.status == 404 else err.status)
    return redirect(url_for("admin_review.entered", comment_id=comment.id), code=303)


@bp.get("/enter/<int:comment_id>")
@access("staff")
def entered(comment_id: int):
    """The entered opinion's receipt code, large, to send back to the sender."""
    comment, label = entered_comment(comment_id)
    return render_template(
        "admin/review/entered.html", comment=comment, label=label, code=display(comment.receipt_code)
    )
