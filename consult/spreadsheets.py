"""Spreadsheet safety for every file the platform hands out: formula-safe CSV cells, CSV in UTF-8 with
a byte-order mark, and XLSX cells that hold text whatever it looks like.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (OWASP "CSV injection"): in CSV such a cell gets a leading apostrophe; in XLSX every text
cell is stored with data type ``s``, so ``=1+1`` is shown, never calculated, and keeps its exact text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from copy import copy
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry (openpyxl and Word refuse them); tab, LF and CR are allowed.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EXCEL_CELL_MAX = 32_767  # Excel refuses to open a workbook with a longer cell
BOM = "\ufeff"
CSV_BATCH_ROWS = 500  # rows encoded per piece of a CSV stream: memory holds one piece, not the file


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as typed: a would-be formula gets a leading quote; None → empty."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xml_text(value: Any) -> str:
    """Text fit for XML (XLSX, DOCX): None as empty, characters XML cannot hold removed."""
    if value is None:
        return ""
    return XML_ILLEGAL.sub("", value if isinstance(value, str) else str(value))


def csv_pieces(rows: Iterable[Iterable[Any]], counted: list[int] | None = None) -> Iterator[bytes]:
    """Rows as CSV bytes (UTF-8, a BOM first, every cell formula-safe), CSV_BATCH_ROWS rows a piece,
    each yielded as soon as its rows are read: a file of a million rows is never held whole.

    `counted`, when given, holds the number of rows written so far in its first item.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    n = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        n += 1
        if n % CSV_BATCH_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        if counted is not None:
            counted[0] = n
    if buffer.tell() or not n:
        yield buffer.getvalue().encode("utf-8")


def write_csv(out: IO[bytes], rows: Iterable[Iterable[Any]]) -> int:
    """Rows as CSV in UTF-8 with a BOM (so Excel guesses the encoding), every cell formula-safe.

    The first row counts like any other; the number of rows written is returned and `out` stays open.
    """
    counted = [0]
    for piece in csv_pieces(rows, counted):
        out.write(piece)
    return counted[0]


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """Rows as the bytes of a CSV file (UTF-8 with a BOM, formula-safe)."""
    out = io.BytesIO()
    write_csv(out, rows)
    return out.getvalue()


def text_file(text: str) -> bytes:
    """A plain-text file in UTF-8 with a BOM, so Notepad on Chinese Windows reads it right."""
    return (BOM + text).encode("utf-8")


def text_cell(ws, value: Any, *, style=None, **styles: Any) -> WriteOnlyCell:
    """An XLSX cell (write-only sheet) that holds text whatever it looks like: data type ``s``.

    `style` copies the resolved style of another cell (fast for many cells); `styles` sets font,
    alignment, border, fill or number_format by name.
    """
    # openpyxl (about 30 MB) is loaded by the XLSX writers that call this, not by every process that
    # imports the CSV and text rules above
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=xml_text(value)[:EXCEL_CELL_MAX])
    cell.data_type = "s"
    if style is not None:
        cell._style = copy(style)
    for name, setting in styles.items():
        if setting is not None:
            setattr(cell, name, setting)
    return cell
