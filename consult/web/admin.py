"""The staff workspace (HTML): overview and the moderation queue."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from consult import personal_data
from consult.auth.access import access, current_actor
from consult.changes import generation
from consult.comments.counts import by_status
from consult.comments.moderation import (
    REJECT_REASONS,
    UNDO_MINUTES,
    Moderated,
    Undone,
    moderate_comment,
    moderate_many,
    undo_moderation,
)
from consult.comments.queue_queries import collapses, groups_of_items, queue_page
from consult.comments.staff_queries import CommentFilter, article_labels, encode_cursor
from consult.context import RequestContext
from consult.drafts.queries import current_articles
from consult.errors import DomainError, ValidationError
from consult.extensions import db
from consult.generation_cache import cache_for
from consult.i18n import _
from consult.models import ContactPoint, Draft
from consult.models.enums import CHANNELS, COMMENT_STATUSES
from consult.paging import decode_cursor, page_number
from consult.vocabulary import status_label
from consult.web.cache import join_csrf, placeholder_csrf, split_csrf
from consult.web.dates import local_day_end, local_day_start
from consult.web.preferences import variant

bp = Blueprint("admin", __name__, url_prefix="/admin")

QUEUE_PER_PAGE = 25
# What the last moderation did, for the next page of the queue to say, with its undo button.
OUTCOME_KEY = "moderation_outcome"


@bp.get("/")
@access("staff")
def overview():
    """Every draft with what waits for staff: pending comments and undecided published ones (read from
    the kept counters, never counted on the view)."""
    counts, undecided = by_status()
    drafts = db.session.scalars(select(Draft).order_by(Draft.created_at.desc())).all()
    return render_template("admin/overview.html", drafts=drafts, counts=counts, undecided=undecided)


def _filter_from_args() -> tuple[CommentFilter, dict[str, str]]:
    """The queue's filter from the query string, and a message per malformed field."""
    args, errors = request.args, {}
    status = args.get("status", "pending")
    since = until = None
    try:
        since = local_day_start(args.get("from"), "from")
    except ValidationError as err:
        errors.update(err.fields)
    try:
        until = local_day_end(args.get("to"), "to")
    except ValidationError as err:
        errors.update(err.fields)
    raw_article = args.get("article_id", "")
    f = CommentFilter(
        status=status if status in COMMENT_STATUSES else None,
        draft_slug=args.get("draft") or None,
        article_id=int(raw_article) if raw_article.isdigit() and len(raw_article) < 10 else None,
        channel=args.get("channel") if args.get("channel") in CHANNELS else None,
        contact_point=args.get("contact_point") or None,
        q=(args.get("q") or "").strip() or None,
        since=since,
        until=until,
    )
    return f, errors


@bp.get("/moderation")
@access("staff")
def moderation():
    """The moderation queue: pending comments oldest first, with filters and personal-data flags.

    The list is rendered once per change of the comments (any worker's) and filter, then reused: the
    change counter is read first, so a cached copy never hides a newer change. The page around it (the
    site's chrome) is rendered once per signed-in person and reused too, unless messages wait to be shown.
    """
    key = ("queue", generation(db.session), request.full_path)
    body = cache_for("queue").get_or_make(key, lambda: split_csrf(_render_queue()))
    outcome = session.pop(OUTCOME_KEY, None)
    if outcome or session.get("_flashes"):
        return render_template(
            "admin/moderation.html",
            body=Markup(join_csrf(body).decode()),
            outcome=outcome,
            undo_minutes=UNDO_MINUTES,
        )
    head, tail = cache_for("chrome").get_or_make(("moderation", *_chrome_key()), _render_chrome)
    return current_app.response_class(join_csrf(head, body, tail), mimetype="text/html")


# Random per process, like the CSRF placeholder (web/cache.py): a display name holding a fixed cut mark
# split the page in three and answered 500.
CHROME_CUT = f"__consult_page_body_{secrets.token_hex(16)}__"


def _chrome_key() -> tuple:
    """What base.html shows of the person: who is signed in and what their role lets them open.

    base.html must depend on nothing else of the request but its CSRF token (a placeholder here), the
    messages (never cached), its address (the header's care-mode link comes back to it) and the
    visitor's care mode and language (consult/web/preferences.py): one chrome per address of the queue.
    """
    user = current_user
    page = (request.full_path, *variant())
    if not user.is_authenticated:
        return (None, *page)
    return (user.id, user.role, user.username, user.display_name, *page)


def _render_chrome() -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    with placeholder_csrf():
        page = render_template("admin/moderation.html", body=Markup(CHROME_CUT))
    head, tail = page.split(CHROME_CUT)
    return split_csrf(head), split_csrf(tail)


def _render_queue() -> str:
    f, errors = _filter_from_args()
    page = page_number(request.args.get("page"))
    # Pending members of one group of similar comments are one item (consult/comments/queue_queries.py).
    result = queue_page(f, page, QUEUE_PER_PAGE, after=decode_cursor(request.args.get("after")))
    groups = groups_of_items([c.id for c in result.items]) if collapses(f) else {}
    labels = article_labels(result.items)
    contact_points = db.session.scalars(select(ContactPoint).order_by(ContactPoint.name)).all()
    points = {p.id: p.name for p in contact_points}  # staff read a point's name, never its slug
    flags = {c.id: personal_data.find(c.body) for c in result.items}
    suggestions = {c.id: personal_data.mask_text(c.body) for c in result.items if flags[c.id]}
    drafts = db.session.scalars(select(Draft).order_by(Draft.title)).all()
    chosen = next((d for d in drafts if d.slug == f.draft_slug), None)
    with placeholder_csrf():
        return render_template(
            "admin/_moderation_body.html",
            result=result,
            f=f,
            errors=errors,
            labels=labels,
            points=points,
            flags=flags,
            groups=groups,
            suggestions=suggestions,
            drafts=drafts,
            articles=current_articles(chosen) if chosen else [],
            contact_points=contact_points,
            reasons=REJECT_REASONS,
            statuses=COMMENT_STATUSES,
            channels=CHANNELS,
            args=request.args,
            next_cursor=encode_cursor(result.items[-1]) if result.items and result.has_next else None,
        )


def _back() -> str:
    target = request.form.get("next") or ""
    return target if target.startswith("/admin/") else url_for("admin.moderation")


def _pressed_enter() -> bool:
    """The form came through its hidden first button: Enter in a box or a field, not a choice."""
    if request.form.get("implicit") != "1":
        return False
    flash(_("按回车键不会执行审核；请点击“公开”“不予公开”等按钮。"), "error")
    return True


def _ids(ids: list[int]) -> str:
    return "、".join(f"#{n}" for n in ids)


def _done_text(done: Moderated) -> str:
    """What a moderation did, as the queue says it: 已不予公开 #74（理由：…）."""
    ids = (
        _ids(done.ids)
        if len(done.ids) == 1
        else _("%(n)d条意见 %(ids)s", n=len(done.ids), ids=_ids(done.ids))
    )
    if done.action == "publish":
        text = _("已公开 %(ids)s", ids=ids)
        if done.masked:
            text += _("（公开的是遮盖个人信息后的文本）")
    elif done.action == "reject":
        text = _("已不予公开 %(ids)s", ids=ids)
    else:
        text = _("已标记为垃圾信息 %(ids)s", ids=ids)
    if done.reason and done.action != "publish":
        text += _("（理由：%(reason)s）", reason=done.reason)
    return text


def _undone_text(undone: Undone) -> str:
    """What undoing put back: 已撤销：#74 恢复为“待审核”."""
    by_status: dict[str, list[int]] = {}
    for comment_id, status in undone.statuses.items():
        by_status.setdefault(status, []).append(comment_id)
    parts = [
        _("%(ids)s 恢复为“%(status)s”", ids=_ids(ids), status=status_label(status))
        for status, ids in by_status.items()
    ]
    return _("已撤销：%(parts)s", parts="；".join(parts))


def _tell(text: str, entry_id: int | None = None) -> None:
    """Leave the outcome for the queue's next page: what was done, and (by id) the moderation to undo."""
    session[OUTCOME_KEY] = {"text": text, "entry": entry_id, "next": _back()}


@bp.post("/comments/<int:comment_id>/moderate")
@access("staff")
def moderate(comment_id: int):
    """Publish, publish a masked copy, reject with a reason, or mark as spam (form door)."""
    if _pressed_enter():
        return redirect(_back(), code=303)
    actor = current_actor()
    form = request.form
    reason = form.get("reason_other") or form.get("reason") or None
    # The masked copy goes with the 公开 button only: 不予公开 or 垃圾信息 on a flagged comment (its box
    # ticked by default) must not be refused for carrying it.
    use_masked = form.get("use_masked") == "1" and form.get("action") == "publish"
    masked_body = form.get("masked_body") if use_masked else None
    raw_version = form.get("version", "")
    version = int(raw_version) if raw_version.isdigit() and len(raw_version) < 10 else None
    try:
        done = moderate_comment(
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
        _tell(_done_text(done), done.entry_id)
    return redirect(_back(), code=303)


@bp.post("/comments/bulk")
@access("staff")
def moderate_bulk():
    """One moderation action for the selected comments."""
    if _pressed_enter():
        return redirect(_back(), code=303)
    actor = current_actor()
    ids = [int(x) for x in request.form.getlist("ids") if x.isdigit() and len(x) < 10]
    reason = request.form.get("reason_other") or request.form.get("reason") or None
    seen = {}
    for comment_id in ids:
        raw = request.form.get(f"v-{comment_id}", "")
        if raw.isdigit() and len(raw) < 10:
            seen[comment_id] = int(raw)
    try:
        done = moderate_many(
            actor, RequestContext.from_request(), ids, request.form.get("action", ""), reason, seen
        )
    except DomainError as err:
        flash(err.message, "error")
    else:
        _tell(_done_text(done), done.entry_id)
    return redirect(_back(), code=303)


@bp.post("/moderation/undo/<int:entry_id>")
@access("staff")
def undo(entry_id: int):
    """Undo one's own moderation (of one comment or a selection) of the last few minutes."""
    actor = current_actor()
    try:
        undone = undo_moderation(actor, RequestContext.from_request(), entry_id)
    except DomainError as err:
        flash(err.message, "error")
    else:
        _tell(_undone_text(undone))
    return redirect(_back(), code=303)


# The group pages (members, confirmation, 全部发布) share this blueprint: imported last, once bp exists.
from consult.web import queue_groups  # noqa: E402, F401
