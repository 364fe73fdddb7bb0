"""Files the intake hands out: the XLSX and CSV templates, and the XLSX report of rows to fix.

Every text cell is written with ``data_type = "s"`` (consult.spreadsheets.text_cell): openpyxl would
otherwise store an opinion that starts with "=" as a formula, and Excel would evaluate it when the
operator opens the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from consult.i18n import _
from consult.spreadsheets import csv_bytes, text_cell

_COLUMN_WIDTHS = (12, 48, 32, 32, 12, 18, 20)


def template_headers() -> list[str]:
    """The headers of the template, in order; each is one of headers.SYNONYMS."""
    return [_("条款"), _("意见内容"), _("理由"), _("建议修改为"), _("提出人"), _("联系方式"), _("备注")]


def example_row() -> list[str]:
    """The template's example row (the importer refuses it, in case it was left in)."""
    return [
        _("第三条"),
        _("建议把城市书房的开放时间延长到晚上九点，方便上班族下班后使用。"),
        _("目前多数书房下午六点闭馆，上班族很难用上。"),
        _("城市书房每日开放时间不少于十二小时，其中晚间开放至二十一时。"),
        _("张某"),
        "138-0013-8000",  # dashes keep Excel from turning the number into 1.38E+10
        _("示例行，请删除后填写"),
    ]


def template_xlsx() -> bytes:
    """An XLSX template: the header row, one example row, text format so numbers keep leading zeros."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("意见建议汇总表"))
    for column, width in enumerate(_COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width  # before the first row
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    for values, font in ((template_headers(), Font(bold=True)), (example_row(), None)):
        sheet.append([text_cell(sheet, v, font=font, alignment=wrap, number_format="@") for v in values])
    return _save(workbook)


def template_csv() -> bytes:
    """A CSV template in UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it correctly."""
    return csv_bytes([template_headers(), example_row()])


def error_report_xlsx(header: list[str], rows: Iterable[tuple[list[str], str]]) -> bytes:
    """The rows to fix with their original columns and a last column 错误说明, every cell as text."""
    rows = list(rows)
    width = max([len(header), *(len(cells) for cells, _message in rows)])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("需要修改的行"))
    bold = Font(bold=True)
    padded = [*header, *[""] * (width - len(header)), _("错误说明")]
    sheet.append([text_cell(sheet, value, font=bold) for value in padded])
    for cells, message in rows:
        values = [*cells, *[""] * (width - len(cells)), message]
        sheet.append([text_cell(sheet, value) for value in values])
    return _save(workbook)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
