"""The table an upload is read into, and the limits on reading it: RawTable, FileError, the row collector.

The limits live here and nowhere else. Code elsewhere reads them at call time as ``raw_table.NAME``,
never ``from consult.intake.raw_table import NAME``: a deployment or a test changes one here, and the
child process that parses an upload (``consult.intake.reading``) is sent the values named in
CHILD_LIMITS and sets them here before it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from consult.i18n import _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the app's MAX_CONTENT_LENGTH uses it too
UPLOAD_BODY_MAX = MAX_UPLOAD_BYTES + 64 * 1024  # the file and the form's other fields
MAX_ROWS = 100_000  # data rows after the header row
MAX_COLUMNS = 50
MAX_CELL_CHARS = 10_000  # a longer cell is a row error (rows.py), not a file error
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # sum of the sizes declared in the zip directory
MAX_XLSX_MEMBERS = 1000
# Each member's declared size. A worksheet is streamed, but its XML is scanned for merged cells and
# parsed row by row: a 10 MB upload of real text inflates to well under this.
MAX_XLSX_MEMBER_BYTES = 128 * 1024 * 1024
# openpyxl loads the shared strings whole, at about 9 µs and 150 bytes of memory per string: 190 MB of
# tiny strings took 153 s and 1.3 GB. Real text of a 10 MB upload is under 30 MB; ten text cells a row.
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_SHARED_STRINGS = 1_000_000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024  # [Content_Types].xml, read here to find the shared strings part
MAX_MERGED_RANGES = 100_000
HEADER_SEARCH_ROWS = 20  # the header row must be among the first rows (title rows may sit above it)
# Blank rows are left out of the data but every row read counts against rows_read_limit(): a sheet may
# hold blank or formatted-but-empty rows between and after the opinions, not millions of them.
BLANK_ROW_SLACK = 20_000

# The limits the child reads under: reading sends this process's values along, so a deployment or a
# test that changes one here changes it there too. (The child's own budget, PARSE_* and
# MAX_RESULT_BYTES, is in consult.intake.reading: the parent applies it.)
CHILD_LIMITS = (
    "MAX_UPLOAD_BYTES",
    "MAX_ROWS",
    "MAX_COLUMNS",
    "MAX_XLSX_UNCOMPRESSED",
    "MAX_XLSX_MEMBERS",
    "MAX_XLSX_MEMBER_BYTES",
    "MAX_SHARED_STRINGS_BYTES",
    "MAX_SHARED_STRINGS",
    "MAX_CONTENT_TYPES_BYTES",
    "MAX_MERGED_RANGES",
    "HEADER_SEARCH_ROWS",
    "BLANK_ROW_SLACK",
)


class FileError(Exception):
    """A file that cannot be read at all; ``message`` says what is wrong and what to do about it."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass
class RawTable:
    """The cells of the first sheet as text.

    ``rows`` holds only rows with at least one non-blank cell, each with its number as the spreadsheet
    shows it (1-based; for CSV the record number, so a cell with line breaks is still one row). Gaps
    in the numbering are blank rows. Cells are the original text, untrimmed.
    """

    format: Literal["xlsx", "csv"]
    encoding: str | None
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


class Collector:
    """Keeps the non-blank rows, enforcing the column and row limits while reading (stops early)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, list[str]]] = []
        # The header may sit below title rows, so allow that many rows beyond the data-row limit here;
        # headers.find_layout checks the exact number of data rows.
        self.limit = MAX_ROWS + HEADER_SEARCH_ROWS
        self.ceiling = rows_read_limit()

    def add(self, number: int, cells: list[str]) -> None:
        if number > self.ceiling:
            raise too_many_rows_read(number)
        if len(cells) > MAX_COLUMNS:
            for offset, cell in enumerate(cells[MAX_COLUMNS:], start=MAX_COLUMNS + 1):
                if cell.strip():
                    # openpyxl (about 30 MB with numpy and lxml) only on this refusal: the web workers that
                    # import this module never parse a file (a child process does)
                    from openpyxl.utils.cell import get_column_letter

                    raise FileError(
                        _(
                            "第%(row)d行%(col)s列有内容，但表格最多只能有%(max)d列。请删除多余的列后重新上传。",
                            row=number,
                            col=get_column_letter(offset),
                            max=MAX_COLUMNS,
                        ),
                        row=number,
                    )
            cells = cells[:MAX_COLUMNS]
            while cells and not cells[-1]:
                cells.pop()
        if not any(cell.strip() for cell in cells):
            return
        if len(self.rows) >= self.limit:
            raise too_many_rows(number)
        self.rows.append((number, cells))


def too_many_rows(row: int | None = None) -> FileError:
    """The error for a file over MAX_ROWS data rows (raised while reading and by find_layout)."""
    return FileError(
        _("文件中的意见超过%(max)d行的上限（不含表头）。请把表格拆分成几个文件分别上传。", max=MAX_ROWS),
        row=row,
    )


def rows_read_limit() -> int:
    """How many rows may be read, blank or not: the data rows, the title rows above the header, slack."""
    return MAX_ROWS + HEADER_SEARCH_ROWS + BLANK_ROW_SLACK


def too_many_rows_read(row: int) -> FileError:
    """The error for a file with more rows than rows_read_limit(), counting blank rows."""
    return FileError(
        _(
            "表格的行数（包括空行）超过%(max)d行的上限。请删除表格中多余的空行，或把表格复制到新的"
            "工作簿、另存为新的 .xlsx 或 CSV 文件后再上传；意见较多时请拆分成几个文件分别上传。",
            max=rows_read_limit(),
        ),
        row=row,
    )
