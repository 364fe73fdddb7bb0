"""An upload read and previewed row by row, kept under a token until it is confirmed (imported) or
cancelled; the preview's later pages and its error report re-read the kept file."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for

from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.errors import DomainError, Forbidden, NotFound, body_limit
from consult.i18n import _
from consult.intake import raw_table, uploads
from consult.intake.importing import (
    AlreadyImported,
    BatchOutcome,
    BatchRequest,
    NothingToImport,
    import_batch,
    preview_batch,
)
from consult.models import User
from consult.paging import Page
from consult.web.intake.common import FORM_FIELDS, PREVIEW_PER_PAGE, SHOWS, bp, error_report, page_arg
from consult.web.intake.form import FormState, form_again, render_form


def _file_from_request(actor: User, kept: str) -> tuple[str, bytes, str]:
    """(file name, bytes, token of a kept copy) of the file sent, or of the one kept from a refusal."""
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    if data or not kept:
        return (upload.filename or "") if upload is not None else "", data, ""
    try:
        meta, data = uploads.load(kept, actor.id)
    except (NotFound, Forbidden):
        return "", b"", ""
    return meta.filename, data, kept


def _stored(actor: User, req: BatchRequest) -> uploads.StoredUpload:
    fields = {name: getattr(req, name) for name in FORM_FIELDS}
    return uploads.StoredUpload(user_id=actor.id, filename=req.filename, **fields)


@bp.post("/upload")
@body_limit(raw_table.UPLOAD_BODY_MAX)
@access("intake")
def upload():
    """Read the file and show the preview of every row; a refusal shows the form again, input kept."""
    actor = current_actor()
    values = {name: request.form.get(name, "") for name in FORM_FIELDS}
    filename, data, kept = _file_from_request(actor, request.form.get("kept", ""))
    req = BatchRequest(
        draft=values["draft"] or None,
        filename=filename,
        data=data,
        contact_point=values["contact_point"] or None,
        meeting_date=values["meeting_date"],
        meeting_place=values["meeting_place"],
        method=values["method"],
        participants=values["participants"],
        collector=values["collector"],
    )
    try:
        outcome = preview_batch(actor, req)
    except DomainError as err:
        fields = dict(err.fields) or {"contact_point" if isinstance(err, Forbidden) else "file": err.message}
        state = FormState(values, err.message, fields)
        if data and "file" not in fields and len(data) <= raw_table.MAX_UPLOAD_BYTES:
            # Keep the file the operator already sent, so fixing a date does not mean choosing it again.
            state.kept = kept or uploads.store(_stored(actor, req), data)
            state.kept_name = filename
        elif kept:
            uploads.discard(kept)
        return render_form(state, err.status)
    if kept:
        uploads.discard(kept)
    token = uploads.store(_stored(actor, req), data, outcome.known())
    return render_preview(outcome, token)


def _request_for(token: str) -> tuple[User, BatchRequest]:
    """The kept upload as the request it was: NotFound when gone, Forbidden for another user's."""
    actor = current_actor()
    meta, data = uploads.load(token, actor.id)
    fields = {name: getattr(meta, name) for name in FORM_FIELDS}
    return actor, BatchRequest(filename=meta.filename, data=data, **fields)


def _kept_upload(view: Callable) -> Callable:
    """Hand a view of a kept upload its actor and the request the upload was; one that is gone (expired,
    confirmed or cancelled) answers the expired page, 404. Another user's token stays Forbidden."""

    @functools.wraps(view)
    def wrapper(token: str):
        try:
            actor, req = _request_for(token)
        except NotFound as err:
            return render_template("intake/expired.html", message=err.message), 404
        return view(token, actor, req)

    return wrapper


def _rows_shown(outcome: BatchOutcome, show: str) -> list:
    rows = outcome.report.rows
    if show == "errors":
        return [row for row in rows if not row.valid]
    if show == "new":
        return [row for row in rows if row.valid and row.row not in outcome.already]
    if show == "already":
        return [row for row in rows if row.valid and row.row in outcome.already]
    return rows


def render_preview(outcome: BatchOutcome, token: str, message: str = "", status: int = 200):
    """The preview of an upload as read: the rows chosen by ``show`` on their page, and any refusal."""
    show = request.args.get("show") if request.method == "GET" else None
    show = show if show in SHOWS else "all"
    rows = _rows_shown(outcome, show)
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    number = min(page_arg(), pages) if request.method == "GET" else 1
    start = (number - 1) * PREVIEW_PER_PAGE
    page = Page(rows[start : start + PREVIEW_PER_PAGE], number, PREVIEW_PER_PAGE, len(rows))
    return (
        render_template(
            "intake/preview.html",
            outcome=outcome,
            report=outcome.report,
            token=token,
            page=page,
            show=show,
            message=message,
            new_count=len(outcome.new_rows),
            invalid_count=len(outcome.report.invalid_rows),
            place=lambda row: _place(outcome, row),
        ),
        status,
    )


def _place(outcome: BatchOutcome, row) -> str:
    """The article a row is about as the preview shows it: its label, 整体意见, or the cell as typed."""
    if row.article.kind == "general":
        return _("整体意见")
    return outcome.article_label(row) or row.article.text


@bp.get("/upload/<token>")
@access("intake")
@_kept_upload
def preview(token: str, actor: User, req: BatchRequest):
    """The preview of a kept upload (its pages, and the way back to it)."""
    try:
        outcome = preview_batch(actor, req, uploads.load_known(token))
    except DomainError as err:
        return form_again(req, err)
    return render_preview(outcome, token)


@bp.get("/upload/<token>/errors.xlsx")
@access("intake")
@_kept_upload
def upload_errors(token: str, actor: User, req: BatchRequest):
    """The rows to fix of a kept upload, with their original cells and a last column 错误说明."""
    outcome = preview_batch(actor, req, uploads.load_known(token))
    report = outcome.report
    return error_report(report.header, report.error_report_rows(), req.filename)


@bp.post("/upload/<token>/confirm")
@access("intake")
@_kept_upload
def confirm(token: str, actor: User, req: BatchRequest):
    """Import the kept upload's valid rows; then the batch page. Refusals show the preview again."""
    try:
        outcome = import_batch(actor, RequestContext.from_request(), req, uploads.load_known(token))
    except (AlreadyImported, NothingToImport) as err:
        return render_preview(err.outcome, token, err.message, err.status)
    except DomainError as err:
        return form_again(req, err)
    uploads.discard(token)
    flash(_("已导入%(n)d条意见", n=outcome.rows_imported))
    return redirect(url_for("intake.batch", batch_id=outcome.batch_id), code=303)


@bp.post("/upload/<token>/cancel")
@access("intake")
@_kept_upload
def cancel(token: str, actor: User, req: BatchRequest):
    """Forget a kept upload and go back to the dashboard."""
    uploads.discard(token)
    flash(_("已取消本次上传，没有导入任何意见。"))
    return redirect(url_for("intake.dashboard"), code=303)
