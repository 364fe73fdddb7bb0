"""Files the intake hands out: the XLSX and CSV templates, and the XLSX report of rows to fix.

Every text cell is written with ``data_type = "s"``: openpyxl would otherwise store an opinion that
starts with "=" as a formula, and Excel would evaluate it when the operator opens the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from consult.i18n import _

EXCEL_CELL_MAX = 32_767  # Excel refuses to open a workbook with a longer cell
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
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("意见建议汇总表")
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_number, values in ((1, template_headers()), (2, example_row())):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            cell.data_type = "s"
            cell.number_format = "@"
            cell.alignment = wrap
            if row_number == 1:
                cell.font = bold
    for column, width in enumerate(_COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + column - 1)].width = width
    sheet.freeze_panes = "A2"
    return _save(workbook)


def template_csv() -> bytes:
    """A CSV template in UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template_headers())
    writer.writerow(example_row())
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def error_report_xlsx(header: list[str], rows: Iterable[tuple[list[str], str]]) -> bytes:
    """The rows to fix with their original columns and a last column 错误说明, every cell as text."""
    rows = list(rows)
    width = max([len(header), *(len(cells) for cells, _message in rows)])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("需要修改的行"))
    bold = Font(bold=True)
    padded = [*header, *[""] * (width - len(header)), _("错误说明")]
    sheet.append([_text_cell(sheet, value, bold) for value in padded])
    for cells, message in rows:
        values = [*cells, *[""] * (width - len(cells)), message]
        sheet.append([_text_cell(sheet, value) for value in values])
    return _save(workbook)


def _text_cell(sheet, value: object, font: Font | None = None) -> WriteOnlyCell:
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))[:EXCEL_CELL_MAX]
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # "=1+1" stays the text the operator typed
    if font is not None:
        cell.font = font
    return cell


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
