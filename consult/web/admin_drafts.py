"""Draft authoring for staff: new drafts with a parsed preview, settings, stages and revised versions."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.auth.access import access, current_actor
from consult.clock import as_utc, local_zone, utcnow
from consult.context import RequestContext
from consult.drafts.explanations import revised_since_explained
from consult.drafts.operations import (
    STAGES,
    TEXT_BODY_MAX,
    DraftInput,
    add_version,
    available_stages,
    change_stage,
    create_draft,
    update_draft,
)
from consult.drafts.previews import first_line, preview_draft, preview_version
from consult.drafts.queries import by_slug, current_articles
from consult.errors import Conflict, DomainError, NotFound, ValidationError, body_limit
from consult.extensions import db
from consult.feedback.purge import purge_due_at
from consult.i18n import _
from consult.invitations.queries import draft_invitations
from consult.models import ArticleText, Draft
from consult.sanitize import STAFF_TAGS
from consult.web.forms import check_form_token, csrf_checked_in_view, form_page

bp = Blueprint("admin_drafts", __name__, url_prefix="/admin")

DRAFT_FIELDS = ("title", "slug", "summary", "text", "opens_at", "closes_at")
SETTINGS_FIELDS = ("title", "summary", "opens_at", "closes_at")


# -- input parsing (formats only; the rules live in consult.drafts.operations) ------------------------


def _local_datetime(name: str, errors: dict[str, str]) -> datetime | None:
    """A form date-time read as Asia/Shanghai local time; a malformed one goes into `errors`."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return as_utc(datetime.fromisoformat(raw.replace("/", "-")))
    except ValueError:
        errors[name] = _("时间格式不正确，请按“2026-12-01 09:00”的格式填写")
        return None


def _local_value(value: datetime | None) -> str:
    """A stored UTC time as a datetime-local input value in local time."""
    return value.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def _text(name: str) -> str:
    """A textarea's value with the browser's CRLF line endings made plain newlines."""
    return (request.form.get(name) or "").replace("\r\n", "\n")


def _int(name: str) -> int | None:
    raw = request.form.get(name, "")
    return int(raw) if raw.isdigit() else None


def _draft_input(errors: dict[str, str]) -> DraftInput:
    form = request.form
    return DraftInput(
        title=form.get("title", ""),
        slug=form.get("slug", "").strip() or None,
        summary=_text("summary"),
        text=_text("text"),
        opens_at=_local_datetime("opens_at", errors),
        closes_at=_local_datetime("closes_at", errors),
        publish=form.get("publish") == "1",
        show_comments=form.get("show_comments") == "1",
    )


def _raise_format_errors(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)


def _staff_draft(slug: str) -> Draft:
    """A draft by slug, published or not, or NotFound."""
    draft = by_slug(slug)
    return draft


def _article_counts(version_ids: list[int]) -> dict[int, int]:
    if not version_ids:
        return {}
    return dict(
        db.session.execute(
            select(ArticleText.version_id, func.count(ArticleText.id))
            .where(ArticleText.version_id.in_(version_ids))
            .group_by(ArticleText.version_id)
        ).all()
    )


# -- the list ---------------------------------------------------------------------------------------


@bp.get("/drafts")
@access("staff")
def drafts():
    """Every draft, published or not, with its stage, dates and current version."""
    rows = db.session.scalars(
        select(Draft).options(selectinload(Draft.versions)).order_by(Draft.created_at.desc(), Draft.id.desc())
    ).all()
    counts = _article_counts([d.current_version.id for d in rows if d.current_version])
    days = current_app.config["CONTACT_RETENTION_DAYS"]
    purges = {d.id: purge_due_at(d, days) for d in rows}
    return render_template("admin/drafts/list.html", drafts=rows, counts=counts, purges=purges, now=utcnow())


# -- a new draft --------------------------------------------------------------------------------------


def _render_new(values, errors=None, message=None, preview=None, status=200):
    return form_page(
        "admin/drafts/new.html",
        status,
        values=values,
        errors=errors,
        message=message,
        preview=preview,
        staff_tags="、".join(sorted(STAFF_TAGS)),
        first_line=first_line,
    )


@bp.route("/drafts/new", methods=["GET", "POST"])
@body_limit(TEXT_BODY_MAX)
@access("staff")
@csrf_checked_in_view
def new_draft():
    """The new-draft form: 预览 shows the parsed structure and errors; 保存 creates the draft."""
    if request.method == "GET":
        return _render_new({"show_comments": True, "publish": False})
    values = {name: request.form.get(name, "") for name in DRAFT_FIELDS}
    values["summary"], values["text"] = _text("summary"), _text("text")
    values["show_comments"] = request.form.get("show_comments") == "1"
    values["publish"] = request.form.get("publish") == "1"
    try:
        check_form_token()
    except ValidationError as err:
        return _render_new(values, err.fields, err.message, status=400)
    format_errors: dict[str, str] = {}
    data = _draft_input(format_errors)
    if request.form.get("action") != "save":
        preview = preview_draft(data)
        errors = {**preview.errors, **format_errors}
        return _render_new(values, errors, preview=preview)
    try:
        _raise_format_errors(format_errors)
        draft = create_draft(current_actor(), RequestContext.from_request(), data)
    except DomainError as err:
        preview = preview_draft(data)
        errors = {**preview.errors, **format_errors, **err.fields}
        if preview.text.issues:
            errors["text"] = preview.errors["text"]
        return _render_new(values, errors, err.message, preview, err.status)
    flash(_("已创建草案“%(title)s”。", title=draft.title))
    return redirect(url_for("admin_drafts.edit_draft", slug=draft.slug), code=303)


# -- settings and stages ----------------------------------------------------------------------------


def _settings_values(draft: Draft) -> dict:
    return {
        "title": draft.title,
        "summary": draft.summary,
        "opens_at": _local_value(draft.opens_at),
        "closes_at": _local_value(draft.closes_at),
        "show_comments": draft.show_comments,
        "version": draft.version,
    }


def _render_edit(draft: Draft, values=None, errors=None, message=None, conflict=False, status=200):
    counts = _article_counts([v.id for v in draft.versions])
    now = utcnow()
    return form_page(
        "admin/drafts/edit.html",
        status,
        draft=draft,
        values=values or _settings_values(draft),
        saved=_settings_values(draft),
        errors=errors,
        message=message,
        conflict=conflict,
        counts=counts,
        articles=current_articles(draft),
        revised=revised_since_explained(draft),
        first_line=first_line,
        stages=available_stages(draft, now),
        staff_tags="、".join(sorted(STAFF_TAGS)),
        invitations=draft_invitations(draft.id),
        now=now,
    )


@bp.get("/drafts/<slug>")
@access("staff")
def edit_draft(slug: str):
    """One draft: its settings form, stage buttons and versions."""
    return _render_edit(_staff_draft(slug))


@bp.post("/drafts/<slug>")
@access("staff")
@csrf_checked_in_view
def save_settings(slug: str):
    """Save title, note, dates and comment display, refusing if someone else saved first."""
    values = {name: request.form.get(name, "") for name in SETTINGS_FIELDS}
    values["summary"] = _text("summary")
    values["show_comments"] = request.form.get("show_comments") == "1"
    values["version"] = request.form.get("version", "")
    try:
        check_form_token()
        format_errors: dict[str, str] = {}
        changes = {
            "title": values["title"],
            "summary": values["summary"],
            "opens_at": _local_datetime("opens_at", format_errors),
            "closes_at": _local_datetime("closes_at", format_errors),
            "show_comments": values["show_comments"],
        }
        _raise_format_errors(format_errors)
        update_draft(current_actor(), RequestContext.from_request(), slug, changes, _int("version"))
    except NotFound:
        raise
    except DomainError as err:
        draft = _staff_draft(slug)
        conflict = isinstance(err, Conflict) and not err.fields
        if conflict:
            # Keep what was typed; a second 保存 deliberately replaces what the other person saved.
            values["version"] = draft.version
        return _render_edit(draft, values, err.fields, err.message, conflict, err.status)
    flash(_("已保存草案设置。"))
    return redirect(url_for("admin_drafts.edit_draft", slug=slug), code=303)


@bp.get("/drafts/<slug>/stage/<stage>")
@access("staff")
def confirm_stage(slug: str, stage: str):
    """The confirmation page of 发布 / 立即开始征求意见 / 立即截止."""
    if stage not in STAGES:
        abort(404)
    draft = _staff_draft(slug)
    now = utcnow()
    return render_template(
        "admin/drafts/confirm.html",
        draft=draft,
        stage=stage,
        available=stage in available_stages(draft, now),
        now=now,
    )


@bp.post("/drafts/<slug>/stage/<stage>")
@access("staff")
def change_draft_stage(slug: str, stage: str):
    """Carry out a confirmed stage change."""
    if request.form.get("confirm") != "1":
        flash(_("请先在确认页面确认这项操作。"), "error")
        return redirect(url_for("admin_drafts.confirm_stage", slug=slug, stage=stage), code=303)
    expected = _int("version")
    try:
        change_stage(current_actor(), RequestContext.from_request(), slug, stage, expected)
    except NotFound:
        raise
    except DomainError as err:
        flash(err.message, "error")
    else:
        done = {
            "publish": _("草案已发布。"),
            "open-now": _("已开始征求意见。"),
            "close-now": _("已截止征求意见。"),
        }
        flash(done[stage])
    return redirect(url_for("admin_drafts.edit_draft", slug=slug), code=303)


# -- revised versions ---------------------------------------------------------------------------------


def _digest(text: str) -> str:
    """Ties the staff's reviewed matches to the exact text they were reviewed for."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _submitted_matches(text: str) -> list[int | None] | None:
    """The corrected matches from the preview's selects, or None when not reviewed for this text."""
    if request.form.get("reviewed") != _digest(text):
        return None
    count = _int("match_count")
    if count is None:
        return None
    matches: list[int | None] = []
    for j in range(count):
        raw = request.form.get(f"match-{j}", "new")
        matches.append(int(raw) if raw.isdigit() else None)
    return matches


def _render_version(draft: Draft, values, preview=None, errors=None, message=None, status=200):
    return form_page(
        "admin/drafts/version.html",
        status,
        draft=draft,
        values=values,
        preview=preview,
        errors=errors,
        message=message,
        digest=_digest(values["text"]),
        first_line=first_line,
    )


@bp.route("/drafts/<slug>/versions/new", methods=["GET", "POST"])
@body_limit(TEXT_BODY_MAX)
@access("staff")
@csrf_checked_in_view
def new_version(slug: str):
    """A revised text: 预览 shows which old article each new one continues; 保存 adds the version."""
    draft = _staff_draft(slug)
    if request.method == "GET":
        current = draft.current_version
        values = {"label": _("修改稿"), "text": current.source_text if current else ""}
        return _render_version(draft, values)
    values = {"label": request.form.get("label", ""), "text": _text("text")}
    try:
        check_form_token()
    except ValidationError as err:
        return _render_version(draft, values, errors=err.fields, message=err.message, status=400)
    matches = _submitted_matches(values["text"])
    message = None
    if request.form.get("action") == "save":
        if matches is None:
            message = _(
                "请先核对下面的条文对应关系，再点击“保存修改稿”。全文在预览后有改动时也需要重新核对。"
            )
        else:
            try:
                version = add_version(
                    current_actor(),
                    RequestContext.from_request(),
                    slug,
                    values["text"],
                    values["label"],
                    matches,
                )
            except DomainError as err:
                preview = preview_version(slug, values["text"], matches)
                errors = {**preview.errors, **err.fields}
                if preview.text.issues:
                    errors["text"] = preview.errors["text"]
                return _render_version(preview.draft, values, preview, errors, err.message, err.status)
            flash(_("已保存第%(n)d版（%(label)s）。", n=version.number, label=version.label or "-"))
            return redirect(url_for("admin_drafts.edit_draft", slug=slug), code=303)
    preview = preview_version(slug, values["text"], matches)
    return _render_version(preview.draft, values, preview, preview.errors, message)
