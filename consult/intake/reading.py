"""Spreadsheet bytes → rows of text: file type and encoding detection, limits, hostile-file checks.

Contact points upload what Excel on Chinese Windows produces: ``.xlsx`` workbooks, CSV in UTF-8 (with or
without a byte-order mark) or GB18030/GBK, and "Unicode 文本" (UTF-16, tab-separated). The type is
decided from the first bytes, not the name (``secure_filename`` loses Chinese names, and people rename
files). Encodings are tried strictly in a fixed order and a file that fits none is refused rather than
read as mojibake. Everything here raises ``FileError`` with a message for the operator; nothing touches
the database or the request.

Hostile files are refused by cheap checks before anything is inflated (the zip directory: the number of
members, each member's and the shared strings' declared size, the compression method), and by limits
while reading (every row read counts, blank or not; the shared strings are counted before openpyxl loads
them). The parse itself runs in a child process (``consult.intake.sandbox``, which says why and how) under
a CPU-time, address-space and wall-clock budget: whatever slips past the limits is stopped there, and a
refusal is a ``FileError`` like any other, never a 500. ``parse`` is that parse in this process.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
import warnings
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from openpyxl.reader import excel as openpyxl_reader
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from consult.i18n import _
from consult.intake import sandbox

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

# The budget of the child process that parses an upload (consult.intake.sandbox). A legitimate
# 100,000-row workbook takes about 14 s of CPU and 130 MB on a slow machine; the wall clock allows for
# a busy one. The result (the rows as JSON) is bounded too, since merged cells filled down could
# multiply a long cell.
PARSE_CPU_SECONDS = 30
PARSE_MEMORY_BYTES = 1024 * 1024 * 1024  # address space (RLIMIT_AS), imports included
PARSE_WALL_SECONDS = 60.0
MAX_RESULT_BYTES = 64 * 1024 * 1024
# The limits the child reads under: this process's values are sent along, so a deployment or a test
# that changes one here changes it there too. (MAX_RESULT_BYTES is the parent's: it reads the answer.)
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
log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_OOXML_ESCAPE = re.compile(r"_x(000[9AaDd])_")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A byte scan for the shared strings' <si> elements (any namespace prefix, bounded so a match is short).
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.\-]{0,63}:)?si[\s/>]")
_SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# A byte scan for <mergeCell ref="A2:A4"/> (any namespace prefix): mergeCells sit after sheetData, so
# parsing the XML again just for them would double the cost of reading a large sheet.
_MERGE_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([A-Za-z]{1,3}[0-9]{1,7}:[A-Za-z]{1,3}[0-9]{1,7})[\"']"
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


def read_table(filename: str, data: bytes) -> RawTable:
    """Read an uploaded spreadsheet (XLSX or CSV) into text rows; raise FileError when it cannot.

    The cheap checks run here; the parse runs in a child process under the PARSE_* budgets.
    """
    _check(filename, data)
    return _in_child(filename, data)


def parse(filename: str, data: bytes) -> RawTable:
    """The same reading in this process, without the budgets: what the child process runs."""
    if _check(filename, data) == "xlsx":
        return _read_xlsx(data)
    return _read_csv(data)


def _check(filename: str, data: bytes) -> Literal["xlsx", "csv"]:
    """The checks that read nothing but the size, the first bytes and a zip's directory."""
    if not data:
        raise FileError(_("文件是空的，请检查后重新上传。"))
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileError(
            _(
                "文件超过%(mb)d MB的上限。请把表格拆分成几个文件分别上传。",
                mb=MAX_UPLOAD_BYTES // (1024 * 1024),
            )
        )
    if data.startswith(ZIP_MAGIC):
        _open_archive(data).close()
        return "xlsx"
    if data.startswith(OLE2_MAGIC) or filename.lower().endswith(".xls"):
        raise FileError(
            _(
                "这是旧版Excel（.xls）文件，无法直接读取。请在Excel中选择“另存为”，保存类型选"
                "“Excel 工作簿（*.xlsx）”，再上传新文件；如果文件设置了打开密码，请先取消密码。"
            )
        )
    return "csv"


# The child process -------------------------------------------------------------------------------


def too_complex() -> FileError:
    """The error for a file that ran out of the child's time, memory or result budget."""
    return FileError(
        _(
            "文件过于复杂，无法在限定的时间和内存内读取。请在Excel中打开，另存为新的"
            "“Excel 工作簿（*.xlsx）”或CSV文件后再上传；意见较多时请拆分成几个文件分别上传。"
        )
    )


def _in_child(filename: str, data: bytes) -> RawTable:
    """Run ``parse`` in a child process within the PARSE_* budgets."""
    limits = {name: globals()[name] for name in CHILD_LIMITS}
    budget = sandbox.Budget(PARSE_CPU_SECONDS, PARSE_MEMORY_BYTES, PARSE_WALL_SECONDS, MAX_RESULT_BYTES)
    try:
        body = sandbox.run(_parse_for_child, (filename, data, limits), budget, preload=(__name__,))
    except sandbox.OutOfBudget as exc:
        # Out of time or memory, or killed by a signal (SIGXCPU at the CPU budget, or a parser that
        # crashed on what it was given): either way it is this file, not the next one.
        log.warning("reading %r stopped: %s", filename, exc.reason)
        raise too_complex() from None
    answer = json.loads(body.decode("utf-8", "surrogatepass"))
    if "error" in answer:
        raise FileError(answer["error"]["message"], row=answer["error"]["row"])
    table = answer["table"]
    rows = [(number, cells) for number, cells in table["rows"]]
    return RawTable(format=table["format"], encoding=table["encoding"], rows=rows)


class _UnsizedWorksheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, without two costs a crafted sheet can make unbounded.

    When a sheet's XML has no <dimension>, openpyxl parses the whole sheet to find its size, for every
    sheet of the workbook, before a row is read: four million blank rows cost 22 s of CPU there, out of
    reach of the row limit. ``_sheet_rows`` resets the dimensions of the sheet it reads anyway
    (``reset_dimensions``), so the size is not computed.

    A row with an empty cell far to the right (``<c r="XFD7" s="1"/>``) becomes 16,384 values: 120,000
    such rows took 30 s. Past MAX_COLUMNS only whether a cell holds a value matters (``_Collector``
    refuses it, or cuts the row), so a row whose cells there are all empty ends at MAX_COLUMNS + 1, where
    ``_sheet_rows`` cuts it exactly as it would have cut the long one.
    """

    def _get_size(self) -> None:
        return None

    def _get_row(self, row, min_col=1, max_col=None, values_only=False):
        if max_col is None and row and row[-1]["column"] > MAX_COLUMNS + 1:
            kept = [cell for cell in row if cell["column"] <= MAX_COLUMNS]
            if all(cell["value"] is None for cell in row if cell["column"] > MAX_COLUMNS):
                return super()._get_row(kept, min_col, MAX_COLUMNS + 1, values_only)
        return super()._get_row(row, min_col, max_col, values_only)


def _parse_for_child(filename: str, data: bytes, limits: dict[str, int]) -> bytes:
    """In the child: read under the caller's limits; the table or the refusal as JSON.

    The child reads one upload and ends, so it may set its module's limits and openpyxl's sheet class.
    """
    globals().update({name: int(value) for name, value in limits.items() if name in CHILD_LIMITS})
    openpyxl_reader.ReadOnlyWorksheet = _UnsizedWorksheet
    try:
        table = parse(filename, data)
        answer: dict = {"table": {"format": table.format, "encoding": table.encoding, "rows": table.rows}}
    except FileError as err:
        answer = {"error": {"message": err.message, "row": err.row}}
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


class _Collector:
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


# CSV ---------------------------------------------------------------------------------------------


def _not_a_spreadsheet() -> FileError:
    return FileError(
        _(
            "不是可识别的表格文件。请上传Excel工作簿（.xlsx）或CSV文件；"
            "如果是其他格式，请先在Excel中打开，再另存为“Excel 工作簿（*.xlsx）”。"
        )
    )


def _decode(data: bytes) -> tuple[str, str]:
    """Text and the name of its encoding: byte-order mark, then strict UTF-8, then strict GB18030."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            text, encoding = data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 (BOM)"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text, encoding = data.decode("utf-16"), "UTF-16"
        elif b"\x00" in data:
            raise _not_a_spreadsheet()  # UTF-16 without a byte-order mark would be a guess: refuse
        else:
            text, encoding = _decode_unmarked(data)
    except UnicodeDecodeError as exc:
        raise _not_a_spreadsheet() from exc
    if "\x00" in text or len(_CONTROL.findall(text[:65536])) > max(8, len(text[:65536]) // 100):
        raise _not_a_spreadsheet()
    return text, encoding


def _decode_unmarked(data: bytes) -> tuple[str, str]:
    for codec, name in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise FileError(
        _(
            "无法识别文件的文字编码（既不是UTF-8，也不是GBK/GB18030）。请在Excel中另存为"
            "“CSV UTF-8（逗号分隔）”或“Excel 工作簿（*.xlsx）”后重新上传。"
        )
    )


def _delimiter(text: str, encoding: str) -> str:
    """Tab for UTF-16 ("Unicode 文本"); otherwise comma, tab or semicolon, whichever reads the table best.

    The separator under which one of the first rows holds the most known headers wins (ties go to the
    comma, as Excel reads a .csv); only when no known header shows up at all does the separator giving
    the most rows of one width win. Headers decide first because an opinion may hold tabs and line
    breaks that make a wrong separator look regular.
    """
    if encoding == "UTF-16":
        return "\t"
    from consult.intake.headers import field_for  # headers imports this module

    sample = text[:65536]
    best, best_score = ",", (0, 0)
    for candidate in (",", "\t", ";"):
        widths: Counter[int] = Counter()
        known = 0
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=candidate)
            for index, record in enumerate(reader):
                if index >= 50:
                    break
                if index < HEADER_SEARCH_ROWS:
                    known = max(known, sum(1 for cell in record if field_for(cell)))
                if len(record) > 1:
                    widths[len(record)] += 1
        except csv.Error:
            continue
        score = (known, 0 if known else max(widths.values(), default=0))
        if score > best_score:
            best, best_score = candidate, score
    return best


def _read_csv(data: bytes) -> RawTable:
    text, encoding = _decode(data)
    delimiter = _delimiter(text, encoding)
    # The default limit (128 KiB) would make a long cell a file error; the upload limit bounds it anyway.
    if csv.field_size_limit() < MAX_UPLOAD_BYTES:
        csv.field_size_limit(MAX_UPLOAD_BYTES)
    collector = _Collector()
    number = 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
            collector.add(number, cells)
    except csv.Error as exc:
        raise FileError(
            _("第%(row)d行无法按CSV格式读取。请在Excel中打开检查后重新保存。", row=number + 1), row=number + 1
        ) from exc
    return RawTable(format="csv", encoding=encoding, rows=collector.rows)


# XLSX --------------------------------------------------------------------------------------------


def _unreadable_workbook() -> FileError:
    return FileError(
        _(
            "无法读取这个Excel文件：文件可能已损坏，或不是Excel工作簿（.xlsx）。"
            "请在Excel中打开，另存为“Excel 工作簿（*.xlsx）”后重新上传。"
        )
    )


def _unsafe_content() -> FileError:
    return FileError(
        _(
            "这个Excel文件含有不安全的内容（XML实体定义），已拒绝读取。"
            "请在Excel中把表格复制到新的工作簿，保存后重新上传。"
        )
    )


def _open_archive(data: bytes) -> zipfile.ZipFile:
    """The zip archive, refused before anything is decompressed when its directory promises too much.

    Python's zipfile never inflates a member past the size its central directory declares: it stops
    there and then checks the CRC (a member whose data runs longer fails it). So the declared sizes
    bound what is inflated, and are checked here, but only for deflated or stored members: for bzip2
    and LZMA zipfile inflates a whole read at once before cutting it, and no spreadsheet program
    writes those.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _unreadable_workbook() from exc
    try:
        _check_directory(archive, infos)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_directory(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_XLSX_MEMBERS or sum(info.file_size for info in infos) > MAX_XLSX_UNCOMPRESSED:
        raise FileError(
            _(
                "这个Excel文件解压后超过%(mb)d MB或包含过多部件，已拒绝读取。"
                "请只保留意见表，删除图片等内容后另存为新的工作簿再上传。",
                mb=MAX_XLSX_UNCOMPRESSED // (1024 * 1024),
            )
        )
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable_workbook()
        if info.file_size > MAX_XLSX_MEMBER_BYTES:
            raise FileError(
                _(
                    "这个Excel文件中的部件“%(name)s”解压后超过%(mb)d MB，已拒绝读取。"
                    "请把意见表复制到新的工作簿，另存为新的 .xlsx 或 CSV 文件后再上传。",
                    name=info.filename[:100],
                    mb=MAX_XLSX_MEMBER_BYTES // (1024 * 1024),
                )
            )
    for info in _shared_strings(archive):
        if info.file_size > MAX_SHARED_STRINGS_BYTES:
            raise _too_many_strings()


def _too_many_strings() -> FileError:
    return FileError(
        _(
            "这个Excel文件中的文字内容（共享字符串）超过%(mb)d MB或%(n)d条的上限，已拒绝读取。"
            "请把意见表复制到新的工作簿（只粘贴数值），另存为新的 .xlsx 或 CSV 文件后再上传。",
            mb=MAX_SHARED_STRINGS_BYTES // (1024 * 1024),
            n=MAX_SHARED_STRINGS,
        )
    )


def _shared_strings(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members openpyxl may load as shared strings: the usual name, and what [Content_Types] names."""
    names = {"xl/sharedStrings.xml"}
    try:
        types = archive.getinfo("[Content_Types].xml")
    except KeyError:
        types = None  # openpyxl refuses the file; nothing to read here
    if types is not None:
        if types.file_size > MAX_CONTENT_TYPES_BYTES:
            raise _unreadable_workbook()
        try:
            root = parse_xml(archive.read(types))
        except DefusedXmlException as exc:
            raise _unsafe_content() from exc
        except Exception as exc:  # a broken zip or XML: never a 500
            raise _unreadable_workbook() from exc
        for element in root.iter():
            if element.tag.endswith("Override") and element.get("ContentType") == _SHARED_STRINGS_TYPE:
                names.add((element.get("PartName") or "")[1:])
    found = []
    for name in sorted(names):
        try:
            found.append(archive.getinfo(name))
        except KeyError:
            continue
    return found


def _count_shared_strings(archive: zipfile.ZipFile) -> None:
    """Refuse more than MAX_SHARED_STRINGS strings before openpyxl loads them (a byte scan, ~0.5 s)."""
    for info in _shared_strings(archive):
        count = 0
        tail = b""
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                buffer = tail + chunk
                # A match ending in the tail was counted with the previous chunk (matches are < 72 bytes).
                count += sum(1 for match in _SHARED_STRING.finditer(buffer) if match.end() > len(tail))
                if count > MAX_SHARED_STRINGS:
                    raise _too_many_strings()
                tail = buffer[-128:]


def _read_xlsx(data: bytes) -> RawTable:
    if not openpyxl.DEFUSEDXML:
        # A deployment error, not the operator's: without defusedxml openpyxl expands XML entities.
        raise RuntimeError("openpyxl must use defusedxml (install it; do not set OPENPYXL_DEFUSEDXML=False)")
    archive = _open_archive(data)
    try:
        _count_shared_strings(archive)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "no default style", unsupported extensions
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_vba=False
            )
            try:
                rows = _sheet_rows(workbook, archive)
            finally:
                workbook.close()
    except (FileError, MemoryError):
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files: never a 500
        if _caused_by(exc, MemoryError):
            raise MemoryError from exc  # the child's memory budget, not a broken file
        if _caused_by(exc, DefusedXmlException):
            raise _unsafe_content() from exc
        raise _unreadable_workbook() from exc
    finally:
        archive.close()
    return RawTable(format="xlsx", encoding=None, rows=rows)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is anywhere in the chain (openpyxl wraps parser errors in a ValueError)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _sheet_rows(workbook, archive: zipfile.ZipFile) -> list[tuple[int, list[str]]]:
    """Rows of the active sheet (the first worksheet if that is a chart), merged cells filled down."""
    sheet = workbook.active
    if sheet is None or not hasattr(sheet, "iter_rows"):
        sheet = next(iter(workbook.worksheets), None)
    if sheet is None:
        raise FileError(_("这个Excel文件中没有工作表。"))
    # Read-only mode has no merge information: find the merged ranges in the sheet's XML ourselves.
    # openpyxl has already resolved the sheet's part name through workbook.xml and its rels.
    path = getattr(sheet, "_worksheet_path", None)
    starts = _vertical_merges(archive, path) if path else {}
    sheet.reset_dimensions()  # a stated dimension of A1:XFD1048576 would pad every row
    collector = _Collector()
    carried: dict[int, tuple[str, int]] = {}  # column index → (value of the merged range, its last row)
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        # A row that only reaches far to the right through empty cells (<c r="XFD7"/>) is cut before
        # its 16,384 values are turned into text; _Collector would cut it the same way.
        cut = len(values) > MAX_COLUMNS and values[MAX_COLUMNS:].count(None) == len(values) - MAX_COLUMNS
        cells = [_cell_text(value) for value in (values[:MAX_COLUMNS] if cut else values)]
        for column, (value, last) in list(carried.items()):
            if number > last:
                del carried[column]
                continue
            cells.extend([""] * (column + 1 - len(cells)))
            cells[column] = value
        for column, last in starts.pop(number, ()):
            if column < len(cells) and cells[column]:
                carried[column] = (cells[column], last)
        if cut:
            while cells and not cells[-1]:
                cells.pop()
        collector.add(number, cells)
    return collector.rows


def _vertical_merges(archive: zipfile.ZipFile, path: str) -> dict[int, list[tuple[int, int]]]:
    """Merged ranges that span rows: first row → [(0-based column of its value, last row)].

    Only the range's first column is filled: a 条款 merged down applies to each row it covers, while a
    cell merged across columns (a title, an opinion spread over two columns) must not be copied into
    the neighbouring columns.
    """
    refs: set[bytes] = set()
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(1 << 20):
            buffer = tail + chunk
            refs.update(match.group(1) for match in _MERGE_CELL.finditer(buffer))
            if len(refs) > MAX_MERGED_RANGES:
                raise FileError(_("这个Excel文件中的合并单元格过多，无法读取。请取消合并单元格后重新上传。"))
            tail = buffer[-512:]
    starts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ref in refs:
        try:
            min_col, min_row, _max_col, max_row = range_boundaries(ref.decode("ascii"))
        except ValueError:
            continue
        if min_col and min_row and max_row and max_row > min_row:
            starts[min_row].append((min_col - 1, max_row))
    return dict(starts)


def _cell_text(value: object) -> str:
    """A cell value as the operator sees it: 3.0 → "3", 13800138000 → "13800138000", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        # Excel writes a carriage return (text pasted with CRLF) as _x000D_; openpyxl leaves it escaped.
        return _OOXML_ESCAPE.sub(lambda match: chr(int(match[1], 16)), value) if "_x" in value else value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g")  # Excel's precision: 0.1 + 0.2 shows as 0.3
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
