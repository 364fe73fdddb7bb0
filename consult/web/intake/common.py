"""The intake blueprint and what its pages share: the form's fields, the preview's size, the templates
offered, the helpers every intake template gets, and the error report download."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import format_date

from consult.downloads import download
from consult.i18n import _, _l
from consult.intake import queries
from consult.intake.importing import mask_contact
from consult.intake.workbooks import error_report_xlsx, template_csv, template_xlsx
from consult.paging import page_number
from consult.receipts import display
from consult.vocabulary import MEETING_METHODS

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


def page_arg() -> int:
    return page_number(request.args.get("page"))


def error_report(header: list[str], rows: list[tuple[list[str], str]], filename: str) -> Response:
    """The rows to fix as an XLSX named after the operator's file, with a last column 错误说明."""
    stem = (filename or "").rsplit(".", 1)[0] or _("意见")
    return download(error_report_xlsx(header, rows), XLSX, _("%(name)s-需修改的行.xlsx", name=stem))
