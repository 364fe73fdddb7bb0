"""Files the intake hands out: the XLSX and CSV templates, and the XLSX report of rows to fix.

Every text cell is written with ``data_type = "s"`` (consult.spreadsheets.text_cell): openpyxl would
otherwise store an opinion that starts with "=" as a formula, and Excel would evaluate it when the
operator opens the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from consult.i18n import _
from consult.spreadsheets import csv_bytes, text_cell

if TYPE_CHECKING:
    from openpyxl import Workbook

_COLUMN_WIDTHS = (12, 48, 32, 32, 14, 16, 20, 20)
CONSENT_COLUMN = 6  # 1-based: the 同意公开姓名 column, offered as a 是/否 list in the XLSX template
CONSENT_ROWS = 2000  # rows of the XLSX template that offer the list


def template_headers() -> list[str]:
    """The headers of the template, in order; each is one of headers.SYNONYMS once its "（…）" is dropped,
    which says whether the column is published with the opinion."""
    return [
        _("条款（公开）"),
        _("意见内容（公开）"),
        _("理由（公开）"),
        _("建议修改为（公开）"),
        _("提出人（同意时公开）"),
        _("同意公开姓名（是/否）"),
        _("联系方式（不公开）"),
        _("备注（不公开）"),
    ]


def example_row() -> list[str]:
    """The template's example row (the importer refuses it, in case it was left in)."""
    return [
        _("第三条"),
        _("建议把城市书房的开放时间延长到晚上九点，方便上班族下班后使用。"),
        _("目前多数书房下午六点闭馆，上班族很难用上。"),
        _("城市书房每日开放时间不少于十二小时，其中晚间开放至二十一时。"),
        _("张某"),
        _("是"),
        "138-0013-8000",  # dashes keep Excel from turning the number into 1.38E+10
        _("示例行，请删除后填写；“同意公开姓名”不填或填“否”时不公开姓名"),
    ]


def template_xlsx() -> bytes:
    """An XLSX template: the header row, one example row, text format so numbers keep leading zeros."""
    # openpyxl (about 30 MB with numpy and lxml) when a template is asked for, not in every worker that
    # imports the intake rows (example_row)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("意见建议汇总表"))
    for column, width in enumerate(_COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width  # before the first row
    sheet.freeze_panes = "A2"
    consent = get_column_letter(CONSENT_COLUMN)
    choices = DataValidation(
        type="list",
        formula1=f'"{_("是")},{_("否")}"',
        allow_blank=True,
        showErrorMessage=True,
        error=_("请选择“是”或“否”；不填视为不公开姓名"),
    )
    choices.add(f"{consent}2:{consent}{CONSENT_ROWS}")
    sheet.data_validations.append(choices)
    wrap = Alignment(wrap_text=True, vertical="top")
    for values, font in ((template_headers(), Font(bold=True)), (example_row(), None)):
        sheet.append([text_cell(sheet, v, font=font, alignment=wrap, number_format="@") for v in values])
    return _save(workbook)


def template_csv() -> bytes:
    """A CSV template in UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it correctly."""
    return csv_bytes([template_headers(), example_row()])


def error_report_xlsx(header: list[str], rows: Iterable[tuple[list[str], str]]) -> bytes:
    """The rows to fix with their original columns and a last column 错误说明, every cell as text."""
    # openpyxl when a report is asked for (see template_xlsx)
    from openpyxl import Workbook
    from openpyxl.styles import Font

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
