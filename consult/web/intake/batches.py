"""The intake dashboard, one imported batch with its opinions, its error report and receipt list, and
the blank templates."""

from __future__ import annotations

from flask import abort, render_template, request

from consult.auth.access import access, current_actor
from consult.downloads import download
from consult.i18n import _
from consult.intake import queries
from consult.intake.importing import mask_contact
from consult.receipts import display
from consult.spreadsheets import csv_bytes
from consult.vocabulary import status_label
from consult.web.intake.common import TEMPLATES, bp, error_report, page_arg

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
    result = queries.batches(point_id, page_arg())
    return render_template(
        "intake/dashboard.html",
        result=result,
        point=point,
        chosen=chosen,
        points=queries.contact_points() if point is None else [],
        params={"point": chosen.slug} if chosen is not None else {},
    )


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
        result=queries.batch_opinions(found.id, page_arg()),
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
    return error_report(header, rows, found.filename)


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
