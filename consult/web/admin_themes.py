"""Staff: a draft's themes per article (rename, merge, move, recompute) and the drafted summary of
opinions (edit, sign off, download). Thin doors: each form calls one operation of consult/themes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.downloads import download
from consult.drafts.queries import by_slug
from consult.errors import Conflict, DomainError, NotFound
from consult.i18n import _
from consult.models.counts import GENERAL
from consult.models.types import ID_MAX
from consult.themes.jobs import latest_job, request_rebuild
from consult.themes.operations import (
    edit_section,
    export_summary_docx,
    merge_themes,
    move_comment,
    rename_theme,
    sign_off_summary,
)
from consult.themes.queries import MEMBERS_PAGE, shown_label, theme_in_draft, theme_members, themes_of_draft
from consult.themes.summary import opinion_summary
from consult.themes.summary_words import DOCX_MIMETYPE, no_quote_text, state_text
from consult.web.forms import form_page

bp = Blueprint("admin_themes", __name__, url_prefix="/admin")


def _int(name: str) -> int | None:
    """A form or query field as an id; None when absent, empty or not an id."""
    value = (request.values.get(name) or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= ID_MAX else None


REFRESH_SECONDS = 5  # while a recomputation waits or runs, the themes page reads its state this often


def _themes_page(slug: str, errors: dict | None = None, message: str | None = None, status: int = 200):
    draft = by_slug(slug)
    job = latest_job(draft.id)
    return form_page(
        "admin/themes/themes.html",
        status,
        draft=draft,
        view=opinion_summary(draft),
        job=job,
        refresh=REFRESH_SECONDS if job is not None and job.waiting else None,
        errors=errors,
        message=message,
    )


def _summary_page(
    slug: str,
    errors: dict | None = None,
    message: str | None = None,
    status: int = 200,
    kept=None,
    conflict: str | None = None,
):
    draft = by_slug(slug)
    view = opinion_summary(draft)
    return form_page(
        "admin/themes/summary.html",
        status,
        draft=draft,
        view=view,
        state=state_text(view),
        no_quote=no_quote_text(),
        errors=errors,
        message=message,
        kept=kept or {},
        conflict=conflict,
    )


@bp.get("/review/<slug>/themes")
@access("staff")
def themes(slug: str):
    """A draft's themes per article, with counts, keywords and the forms to rename and merge them."""
    return _themes_page(slug)


@bp.post("/review/<slug>/themes/rebuild")
@access("staff")
def rebuild(slug: str):
    """Queue the recomputation of the draft's themes (staff's names, merges and moves are kept); a second
    press while it waits or runs queues nothing more."""
    _job, created = request_rebuild(current_actor(), RequestContext.from_request(), slug)
    if created:
        flash(_("已开始在后台重新计算意见主题，完成后本页会显示新的主题。"))
    else:
        flash(_("意见主题正在重新计算，无需重复提交；完成后本页会显示新的主题。"))
    return redirect(url_for("admin_themes.themes", slug=slug), 303)


@bp.post("/review/<slug>/themes/<int:theme_id>/rename")
@access("staff")
def rename(slug: str, theme_id: int):
    """Name a theme; an empty name gives it its keywords back."""
    try:
        rename_theme(
            current_actor(), RequestContext.from_request(), slug, theme_id, request.form.get("label", "")
        )
    except DomainError as err:
        return _themes_page(slug, {f"label-{theme_id}": err.message}, err.message, err.status)
    flash(_("主题名称已保存。"))
    if request.form.get("back") == "theme":
        return redirect(url_for("admin_themes.theme", slug=slug, theme_id=theme_id), 303)
    return redirect(url_for("admin_themes.themes", slug=slug) + f"#theme-{theme_id}", 303)


@bp.post("/review/<slug>/themes/merge")
@access("staff")
def merge(slug: str):
    """Merge the ticked themes into the chosen one; the confirmation box must be ticked."""
    target = _int("target")
    sources = [int(v) for v in request.form.getlist("sources") if v.isdigit() and 0 < int(v) <= ID_MAX]
    scope = request.form.get("scope", "")
    if target is None:
        message = _("请选择要并入到哪个主题")
        return _themes_page(slug, {f"merge-{scope}": message}, message, 400)
    if request.form.get("confirm") != "1":
        message = _("请勾选确认框后再合并")
        return _themes_page(slug, {f"merge-{scope}": message}, message, 400)
    try:
        merge_themes(current_actor(), RequestContext.from_request(), slug, target, sources)
    except DomainError as err:
        return _themes_page(slug, {f"merge-{scope}": err.message}, err.message, err.status)
    flash(_("主题已合并。"))
    return redirect(url_for("admin_themes.themes", slug=slug) + f"#theme-{target}", 303)


@bp.get("/review/<slug>/themes/<int:theme_id>")
@access("staff")
def theme(slug: str, theme_id: int):
    """One theme's comments, a page at a time, each with the form to move it to another theme."""
    draft = by_slug(slug)
    found = theme_in_draft(draft.id, theme_id)
    return _members_page(draft, found.article_key, found)


@bp.get("/review/<slug>/themes/other")
@access("staff")
def other(slug: str):
    """An article's comments in no theme (?article_id=; none: the general opinions)."""
    draft = by_slug(slug)
    return _members_page(draft, _int("article_id") or GENERAL, None)


def _members_page(
    draft, article_key: int, found, errors: dict | None = None, message: str | None = None, status=200
):
    after = _int("after") or 0
    rows = theme_members(found.id if found else None, draft.id, article_key, after)
    choices = themes_of_draft(draft.id, article_key, with_ids=False)
    if found is None and not choices and not rows and article_key != GENERAL and after == 0:
        raise NotFound(_("该条款没有意见"))
    return form_page(
        "admin/themes/theme.html",
        status,
        draft=draft,
        theme=found,
        label=shown_label(found) if found else _("其他意见（不属于任何主题）"),
        article_id=None if article_key == GENERAL else article_key,
        rows=rows[:MEMBERS_PAGE],
        more=rows[MEMBERS_PAGE - 1].id if len(rows) > MEMBERS_PAGE else None,
        choices=[c for c in choices if found is None or c.id != found.id],
        errors=errors,
        message=message,
    )


@bp.post("/review/<slug>/themes/move")
@access("staff")
def move(slug: str):
    """Move a comment to another theme of its article (or out of every theme); it stays there."""
    comment_id = _int("comment_id") or 0
    target = _int("theme_id")
    back = request.form.get("back", "")
    try:
        move_comment(current_actor(), RequestContext.from_request(), slug, comment_id, target)
    except DomainError as err:
        draft = by_slug(slug)
        from_id = _int("from_theme")
        found = theme_in_draft(draft.id, from_id) if from_id else None
        key = found.article_key if found else (_int("article_id") or GENERAL)
        return _members_page(draft, key, found, {f"move-{comment_id}": err.message}, err.message, err.status)
    flash(
        _("意见%(id)d已移到所选主题。", id=comment_id)
        if target
        else _("意见%(id)d已移出主题。", id=comment_id)
    )
    return redirect(back if back.startswith("/admin/") else url_for("admin_themes.themes", slug=slug), 303)


@bp.get("/review/<slug>/summary")
@access("staff")
def summary(slug: str):
    """The drafted summary of opinions: editable text per article, 草稿 until signed off."""
    return _summary_page(slug)


@bp.post("/review/<slug>/summary/sections")
@access("staff")
def save_section(slug: str):
    """Save staff's text for one article's section (empty: back to the drafted text)."""
    article_id = _int("article_id")
    text = request.form.get("text", "")
    seen = request.form.get("seen")
    anchor = f"section-{article_id or 'general'}"
    try:
        edit_section(current_actor(), RequestContext.from_request(), slug, article_id, text, seen)
    except DomainError as err:
        conflict = anchor if isinstance(err, Conflict) else None
        return _summary_page(slug, {anchor: err.message}, err.message, err.status, {anchor: text}, conflict)
    flash(_("已保存。意见汇总需要重新签发。"))
    return redirect(url_for("admin_themes.summary", slug=slug) + f"#{anchor}", 303)


@bp.post("/review/<slug>/summary/sign-off")
@access("staff")
def sign_off(slug: str):
    """Sign the summary off as it stands; the confirmation box must be ticked."""
    if request.form.get("confirm") != "1":
        message = _("请勾选确认框后再签发")
        return _summary_page(slug, {"sign_off": message}, message, 400)
    try:
        sign_off_summary(current_actor(), RequestContext.from_request(), slug)
    except DomainError as err:
        return _summary_page(slug, {"sign_off": err.message}, err.message, err.status)
    flash(_("意见汇总已签发。"))
    return redirect(url_for("admin_themes.summary", slug=slug), 303)


@bp.get("/review/<slug>/summary.docx")
@access("staff")
def summary_docx(slug: str):
    """The summary as a Word document (草稿 until signed off)."""
    data, filename = export_summary_docx(current_actor(), RequestContext.from_request(), slug)
    return download(data, DOCX_MIMETYPE, filename, len(data))
