"""The summary of opinions as an Excel workbook (openpyxl, write-only: rows go to disk as they come).

The table comes first: a title row, a styled frozen header with a filter, wrapped text. Every cell of
it is written as text (data type ``s``), so ``=1+1`` or ``@SUM(A1)`` is shown, never calculated. A sheet
holds at most ``SHEET_MAX_ROWS`` rows (Excel's limit, title and header included): past it the table goes
on in 意见汇总表（2）, （3）…, each with the title and header again. The figures sheet comes last.

Memory stays flat whatever the number of rows: the write-only workbook streams each sheet's rows to a
temporary file, and each row's height is dropped from ``row_dimensions`` once the row is written (kept,
a million of them took hundreds of megabytes).
"""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from consult.i18n import _
from consult.spreadsheets import text_cell

from .exports import (
    exported_at_text,
    figure_rows,
    period_text,
    scope_text,
    table_columns,
    table_rows,
)
from .summary import Summary

FONT_NAME = "宋体"  # i18n: data (the font's name in Office)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="8B1A1A")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
BODY_FONT = Font(name=FONT_NAME, size=10)
BODY_ALIGN = Alignment(vertical="top", wrap_text=True)
LINE_POINTS = 13.5  # one line of 10-point text
MAX_ROW_POINTS = 409  # Excel's limit
SHEET_MAX_ROWS = 1_048_576  # Excel's rows per sheet, the title and header rows included
HEAD_ROWS = 2  # the title row and the header row that start every table sheet


def _text(
    ws, value: str, font: Font | None = None, alignment: Alignment | None = None, border=None, fill=None
):
    """A cell that holds text whatever it looks like (consult.spreadsheets.text_cell)."""
    return text_cell(ws, value, fill=fill, font=font, alignment=alignment, border=border)


def _row_height(cells: list[str], widths: list[int]) -> float:
    """Points for the tallest wrapped cell: not every reader (LibreOffice) sizes rows when opening."""
    lines = 1
    for text, width in zip(cells, widths, strict=True):
        if len(text) * 2 > width or "\n" in text:
            # A Han character is about two columns wide: UTF-8 bytes plus characters, halved.
            need = sum(-(-(len(p.encode()) + len(p)) // (2 * width)) or 1 for p in text.split("\n"))
            lines = max(lines, need)
    return min(MAX_ROW_POINTS, LINE_POINTS * lines + 3)


def _sheet_title(number: int) -> str:
    """意见汇总表, then 意见汇总表（2）, （3）… for the sheets the table goes on in."""
    return _("意见汇总表") if number == 1 else _("意见汇总表（%(n)d）", n=number)


def _start_table_sheet(wb: Workbook, summary: Summary, number: int, columns: list):
    """A new table sheet with its column widths, title and header; the sheet."""
    ws = wb.create_sheet(_sheet_title(number))
    last_column = get_column_letter(len(columns))
    for index, (_heading, width, _value) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width  # before the first row (write-only)
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    title = _("《%(title)s》意见汇总表", title=summary.draft.title)
    if number > 1:
        title += _("（续%(n)d）", n=number - 1)
    ws.row_dimensions[1].height = 30
    ws.append([_text(ws, title, TITLE_FONT, Alignment(horizontal="left", vertical="center"))])
    ws.merged_cells.add(CellRange(f"A1:{last_column}1"))
    ws.append(
        [_text(ws, heading, HEADER_FONT, HEADER_ALIGN, BORDER, HEADER_FILL) for heading, _w, _v in columns]
    )
    return ws


def _end_table_sheet(ws, columns: list, rows: int) -> None:
    ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{rows + HEAD_ROWS}"


def _table_sheets(wb: Workbook, summary: Summary) -> int:
    """The table over as many sheets as it needs; the number of comment rows."""
    columns = table_columns()
    widths = [width for _h, width, _v in columns]
    per_sheet = SHEET_MAX_ROWS - HEAD_ROWS
    number = 1
    ws = _start_table_sheet(wb, summary, number, columns)
    # Styling a cell looks its font, border and alignment up in the workbook's tables; for hundreds of
    # thousands of cells, copy the resolved style of one instead.
    style = _text(ws, "", BODY_FONT, BODY_ALIGN, BORDER)._style
    count = on_sheet = 0
    for cells in table_rows(summary):
        if on_sheet == per_sheet:
            _end_table_sheet(ws, columns, on_sheet)
            number += 1
            ws, on_sheet = _start_table_sheet(wb, summary, number, columns), 0
        row = on_sheet + HEAD_ROWS + 1
        ws.row_dimensions[row].height = _row_height(cells, widths)  # read when the row is written
        ws.append([text_cell(ws, c, style=style) for c in cells])
        del ws.row_dimensions[row]  # written: keep no object per row
        on_sheet += 1
        count += 1
    _end_table_sheet(ws, columns, on_sheet)
    return count


def _figures_sheet(wb: Workbook, summary: Summary) -> None:
    ws = wb.create_sheet(_("统计"))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 10
    ws.append([_text(ws, _("《%(title)s》意见统计", title=summary.draft.title), TITLE_FONT)])
    for line in (period_text(summary), scope_text(summary), exported_at_text()):
        ws.append([_text(ws, line, BODY_FONT)])
    ws.append([])
    ws.append(
        [
            _text(ws, h, HEADER_FONT, HEADER_ALIGN, BORDER, HEADER_FILL)
            for h in (_("类别"), _("项目"), _("条数"))
        ]
    )
    for group, name, n in figure_rows(summary):
        number = WriteOnlyCell(ws, value=n)  # our own count, not user text: a number staff can add up
        number.font, number.border = BODY_FONT, BORDER
        ws.append(
            [_text(ws, group, BODY_FONT, None, BORDER), _text(ws, name, BODY_FONT, None, BORDER), number]
        )


def write_xlsx(summary: Summary, out: IO[bytes]) -> int:
    """Write the workbook to `out`; the number of comment rows."""
    wb = Workbook(write_only=True)
    count = _table_sheets(wb, summary)
    _figures_sheet(wb, summary)
    wb.save(out)
    return count
