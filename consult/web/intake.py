"""The intake workspace (HTML) for contact points and staff: upload, preview, confirm, batches, templates.

Thin doors over consult.intake.importing: the upload is previewed with ``preview_batch`` and kept in the
instance folder under a token (``uploads.store``), so the confirmation — which may reach another
worker — re-reads the kept file and calls ``import_batch``. The preview is rendered straight from the
upload's POST (the file is read once); its later pages, the error report and a return after a refusal
re-read the kept file through the token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from werkzeug.exceptions import RequestEntityTooLarge

from consult.auth.access import LEVELS, access, current_actor
from consult.clock import local_zone, utcnow
from consult.context import RequestContext
from consult.downloads import download
from consult.errors import EXPLANATIONS, HTTP_ERRORS, DomainError, Forbidden, NotFound, body_limit
from consult.i18n import _, _l
from consult.intake import queries, reading, uploads
from consult.intake.importing import (
    AlreadyImported,
    BatchOutcome,
    BatchRequest,
    NothingToImport,
    import_batch,
    mask_contact,
    preview_batch,
)
from consult.intake.workbooks import error_report_xlsx, template_csv, template_xlsx
from consult.models import User
from consult.paging import Page, page_number
from consult.receipts import display
from consult.spreadsheets import csv_bytes
from consult.vocabulary import MEETING_METHODS, status_label
from consult.web.forms import form_page

bp = Blueprint("intake", __name__, url_prefix="/intake")

PREVIEW_PER_PAGE = 200
MEETING_FIELDS = ("meeting_date", "meeting_place", "method", "participants", "collector")
FORM_FIELDS = ("draft", "contact_point", *MEETING_FIELDS)  # BatchRequest's and StoredUpload's fields
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATES = {
    "opinions-template.xlsx": (template_xlsx, XLSX, _l("意见建议汇总表（模板）.xlsx")),
    "opinions-template.csv": (template_csv, "text/csv; charset=utf-8", _l("意见建议汇总表（模板）.csv")),
}
SHOWS = ("all", "errors", "new", "already")


@bp.context_processor
def _helpers():
    return {
        "day": lambda d: format_date(d, "long") if d else "",
        "methods": MEETING_METHODS,
        "receipt": display,
        "mask_contact": mask_contact,
        "invalid_rows": queries.invalid_rows,
    }


def _page_arg() -> int:
    return page_number(request.args.get("page"))


# The dashboard


@bp.get("/")
@access("intake")
def dashboard():
    """A contact point's own batches (staff: every batch, filtered by point), newest first."""
    actor = current_actor()
    point = chosen = None
    if actor.role == "contact_point":
        point = actor.contact_point
        point_id = actor.contact_point_id
    else:
        chosen = queries.point_by_slug(request.args.get("point"))
        point_id = chosen.id if chosen is not None else None
    result = queries.batches(point_id, _page_arg())
    return render_template(
        "intake/dashboard.html",
        result=result,
        point=point,
        chosen=chosen,
        points=queries.contact_points() if point is None else [],
        params={"point": chosen.slug} if chosen is not None else {},
    )


# The upload form


@dataclass
class FormState:
    """What the operator typed, kept when the upload is refused; ``kept`` names a file already sent.

    ``lost`` says the request could not be read at all (a body past MAX_CONTENT_LENGTH): nothing typed
    could be kept, and the page says so instead of claiming it was.
    """

    values: dict[str, str] = field(default_factory=dict)
    message: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    kept: str = ""
    kept_name: str = ""
    lost: bool = False


def _render_form(state: FormState, status: int = 200):
    actor = current_actor()
    own = actor.contact_point if actor.role == "contact_point" else None
    return form_page(
        "intake/upload.html",
        status,
        state=state,
        own=own,
        drafts=queries.upload_drafts(),
        points=[] if own is not None else queries.contact_points(),
        today=utcnow().astimezone(local_zone()).date().isoformat(),
        max_mb=reading.MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@bp.get("/upload")
@access("intake")
def upload_form():
    """The upload form: draft, contact point (staff only), meeting details and the file."""
    values = {
        "method": "forum",
        **{k: request.args[k] for k in ("draft", "contact_point") if k in request.args},
    }
    return _render_form(FormState(values=values))


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
@body_limit(reading.UPLOAD_BODY_MAX)
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
        if data and "file" not in fields and len(data) <= reading.MAX_UPLOAD_BYTES:
            # Keep the file the operator already sent, so fixing a date does not mean choosing it again.
            state.kept = kept or uploads.store(_stored(actor, req), data)
            state.kept_name = filename
        elif kept:
            uploads.discard(kept)
        return _render_form(state, err.status)
    if kept:
        uploads.discard(kept)
    token = uploads.store(_stored(actor, req), data, outcome.known())
    return _render_preview(outcome, token)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_err):
    """A body past MAX_CONTENT_LENGTH: the form again with the message next to the file input."""
    try:
        actor = current_actor()
    except DomainError:  # a revoked API token: answer the size, not the token
        actor = None
    message = _("文件不能超过%(mb)dMB，请分成几个文件上传", mb=reading.MAX_UPLOAD_BYTES // (1024 * 1024))
    if request.endpoint == "intake.upload" and actor is not None and actor.role in LEVELS["intake"]:
        return _render_form(FormState({"method": "forum"}, message, {"file": message}, lost=True), 413)
    title, explanation = str(HTTP_ERRORS[413][1]), str(EXPLANATIONS[413])
    page = render_template(
        "errors/error.html", status=413, title=title, message=message, explanation=explanation
    )
    return page, 413


# The preview of a kept upload


def _request_for(token: str) -> tuple[User, BatchRequest]:
    """The kept upload as the request it was: NotFound when gone, Forbidden for another user's."""
    actor = current_actor()
    meta, data = uploads.load(token, actor.id)
    fields = {name: getattr(meta, name) for name in FORM_FIELDS}
    return actor, BatchRequest(filename=meta.filename, data=data, **fields)


def _form_again(req: BatchRequest, err: DomainError):
    """The upload form with what the kept upload asked for, and the refusal next to its field."""
    values = {name: getattr(req, name) or "" for name in FORM_FIELDS}
    return _render_form(FormState(values, err.message, dict(err.fields)), err.status)


def _expired(err: NotFound):
    return render_template("intake/expired.html", message=err.message), 404


def _rows_shown(outcome: BatchOutcome, show: str) -> list:
    rows = outcome.report.rows
    if show == "errors":
        return [row for row in rows if not row.valid]
    if show == "new":
        return [row for row in rows if row.valid and row.row not in outcome.already]
    if show == "already":
        return [row for row in rows if row.valid and row.row in outcome.already]
    return rows


def _render_preview(outcome: BatchOutcome, token: str, message: str = "", status: int = 200):
    show = request.args.get("show") if request.method == "GET" else None
    show = show if show in SHOWS else "all"
    rows = _rows_shown(outcome, show)
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    number = min(_page_arg(), pages) if request.method == "GET" else 1
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
def preview(token: str):
    """The preview of a kept upload (its pages, and the way back to it)."""
    try:
        actor, req = _request_for(token)
    except NotFound as err:
        return _expired(err)
    try:
        outcome = preview_batch(actor, req, uploads.load_known(token))
    except DomainError as err:
        return _form_again(req, err)
    return _render_preview(outcome, token)


@bp.get("/upload/<token>/errors.xlsx")
@access("intake")
def upload_errors(token: str):
    """The rows to fix of a kept upload, with their original cells and a last column 错误说明."""
    try:
        actor, req = _request_for(token)
    except NotFound as err:
        return _expired(err)
    outcome = preview_batch(actor, req, uploads.load_known(token))
    report = outcome.report
    return _error_report(report.header, report.error_report_rows(), req.filename)


def _error_report(header: list[str], rows: list[tuple[list[str], str]], filename: str) -> Response:
    stem = (filename or "").rsplit(".", 1)[0] or _("意见")
    return download(error_report_xlsx(header, rows), XLSX, _("%(name)s-需修改的行.xlsx", name=stem))


@bp.post("/upload/<token>/confirm")
@access("intake")
def confirm(token: str):
    """Import the kept upload's valid rows; then the batch page. Refusals show the preview again."""
    try:
        actor, req = _request_for(token)
    except NotFound as err:
        return _expired(err)
    try:
        outcome = import_batch(actor, RequestContext.from_request(), req, uploads.load_known(token))
    except (AlreadyImported, NothingToImport) as err:
        return _render_preview(err.outcome, token, err.message, err.status)
    except DomainError as err:
        return _form_again(req, err)
    uploads.discard(token)
    flash(_("已导入%(n)d条意见", n=outcome.rows_imported))
    return redirect(url_for("intake.batch", batch_id=outcome.batch_id), code=303)


@bp.post("/upload/<token>/cancel")
@access("intake")
def cancel(token: str):
    """Forget a kept upload and go back to the dashboard."""
    try:
        _request_for(token)
    except NotFound as err:
        return _expired(err)
    uploads.discard(token)
    flash(_("已取消本次上传，没有导入任何意见。"))
    return redirect(url_for("intake.dashboard"), code=303)


# Batches


@bp.get("/batches/<int:batch_id>")
@access("intake")
def batch(batch_id: int):
    """One batch: the meeting, the counts, and every imported opinion with what became of it."""
    found = queries.visible_batch(current_actor(), batch_id)
    return render_template(
        "intake/batch.html",
        batch=found,
        uploader=queries.uploader_of(found),
        tally=queries.batch_tally(found.id),
        result=queries.batch_opinions(found.id, _page_arg()),
        errors=(found.report or {}).get("errors") or [],
    )


@bp.get("/batches/<int:batch_id>/errors.xlsx")
@access("intake")
def batch_errors(batch_id: int):
    """The rows of the batch's file that were not imported, with their messages."""
    found = queries.visible_batch(current_actor(), batch_id)
    header, rows = queries.batch_error_rows(found)
    if not rows:
        abort(404)
    return _error_report(header, rows, found.filename)


@bp.get("/batches/<int:batch_id>/receipts.csv")
@access("intake")
def batch_receipts(batch_id: int):
    """The batch's receipt codes with article and name, to hand back to the residents (UTF-8 CSV)."""
    found = queries.visible_batch(current_actor(), batch_id)
    header = [_("回执码"), _("条款"), _("提出人"), _("联系方式"), _("审核状态")]
    rows = [
        [
            display(row.comment.receipt_code),
            row.label or _("整体意见"),
            row.comment.author_name,
            mask_contact(row.comment.contact),
            status_label(row.comment.status),
        ]
        for row in queries.all_batch_opinions(found.id)
    ]
    name = _("回执清单-批次%(id)d.csv", id=found.id)
    return download(csv_bytes([header, *rows]), "text/csv; charset=utf-8", name)


# Templates


@bp.get("/templates/<name>")
@access("intake")
def template(name: str):
    """The XLSX or CSV template with the expected headers and an example row."""
    if name not in TEMPLATES:
        abort(404)
    make, mimetype, chinese = TEMPLATES[name]
    return download(make(), mimetype, str(chinese))
