"""XLSX workbooks → RawTable: the zip checks before anything is inflated, then the first sheet's rows.

Hostile workbooks are refused by cheap checks of the zip directory (the number of members, each
member's and the shared strings' declared size, the compression method) and by counting the shared
strings before openpyxl loads them; the sheet is read row by row under the row and column limits
(``raw_table.Collector``), merged cells filled down.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections import defaultdict
from datetime import date, datetime, time

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from openpyxl.reader import excel as openpyxl_reader
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from consult.i18n import _
from consult.intake import raw_table
from consult.intake.raw_table import Collector, FileError, RawTable

_OOXML_ESCAPE = re.compile(r"_x(000[9AaDd])_")
# A byte scan for the shared strings' <si> elements (any namespace prefix, bounded so a match is short).
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.\-]{0,63}:)?si[\s/>]")
_SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# A byte scan for <mergeCell ref="A2:A4"/> (any namespace prefix): mergeCells sit after sheetData, so
# parsing the XML again just for them would double the cost of reading a large sheet.
_MERGE_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([A-Za-z]{1,3}[0-9]{1,7}:[A-Za-z]{1,3}[0-9]{1,7})[\"']"
)


class _UnsizedWorksheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, without two costs a crafted sheet can make unbounded.

    When a sheet's XML has no <dimension>, openpyxl parses the whole sheet to find its size, for every
    sheet of the workbook, before a row is read: four million blank rows cost 22 s of CPU there, out of
    reach of the row limit. ``_sheet_rows`` resets the dimensions of the sheet it reads anyway
    (``reset_dimensions``), so the size is not computed.

    A row with an empty cell far to the right (``<c r="XFD7" s="1"/>``) becomes 16,384 values: 120,000
    such rows took 30 s. Past MAX_COLUMNS only whether a cell holds a value matters (``Collector``
    refuses it, or cuts the row), so a row whose cells there are all empty ends at MAX_COLUMNS + 1, where
    ``_sheet_rows`` cuts it exactly as it would have cut the long one.
    """

    def _get_size(self) -> None:
        return None

    def _get_row(self, row, min_col=1, max_col=None, values_only=False):
        if max_col is None and row and row[-1]["column"] > raw_table.MAX_COLUMNS + 1:
            kept = [cell for cell in row if cell["column"] <= raw_table.MAX_COLUMNS]
            if all(cell["value"] is None for cell in row if cell["column"] > raw_table.MAX_COLUMNS):
                return super()._get_row(kept, min_col, raw_table.MAX_COLUMNS + 1, values_only)
        return super()._get_row(row, min_col, max_col, values_only)


def use_unsized_worksheets() -> None:
    """Make openpyxl read sheets as ``_UnsizedWorksheet``: for a process that reads one upload and ends."""
    openpyxl_reader.ReadOnlyWorksheet = _UnsizedWorksheet


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


def open_archive(data: bytes) -> zipfile.ZipFile:
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
    if (
        len(infos) > raw_table.MAX_XLSX_MEMBERS
        or sum(info.file_size for info in infos) > raw_table.MAX_XLSX_UNCOMPRESSED
    ):
        raise FileError(
            _(
                "这个Excel文件解压后超过%(mb)d MB或包含过多部件，已拒绝读取。"
                "请只保留意见表，删除图片等内容后另存为新的工作簿再上传。",
                mb=raw_table.MAX_XLSX_UNCOMPRESSED // (1024 * 1024),
            )
        )
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable_workbook()
        if info.file_size > raw_table.MAX_XLSX_MEMBER_BYTES:
            raise FileError(
                _(
                    "这个Excel文件中的部件“%(name)s”解压后超过%(mb)d MB，已拒绝读取。"
                    "请把意见表复制到新的工作簿，另存为新的 .xlsx 或 CSV 文件后再上传。",
                    name=info.filename[:100],
                    mb=raw_table.MAX_XLSX_MEMBER_BYTES // (1024 * 1024),
                )
            )
    for info in _shared_strings(archive):
        if info.file_size > raw_table.MAX_SHARED_STRINGS_BYTES:
            raise _too_many_strings()


def _too_many_strings() -> FileError:
    return FileError(
        _(
            "这个Excel文件中的文字内容（共享字符串）超过%(mb)d MB或%(n)d条的上限，已拒绝读取。"
            "请把意见表复制到新的工作簿（只粘贴数值），另存为新的 .xlsx 或 CSV 文件后再上传。",
            mb=raw_table.MAX_SHARED_STRINGS_BYTES // (1024 * 1024),
            n=raw_table.MAX_SHARED_STRINGS,
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
        if types.file_size > raw_table.MAX_CONTENT_TYPES_BYTES:
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
                if count > raw_table.MAX_SHARED_STRINGS:
                    raise _too_many_strings()
                tail = buffer[-128:]


def read_xlsx(data: bytes) -> RawTable:
    """The rows of the workbook's active sheet (see _sheet_rows)."""
    if not openpyxl.DEFUSEDXML:
        # A deployment error, not the operator's: without defusedxml openpyxl expands XML entities.
        raise RuntimeError("openpyxl must use defusedxml (install it; do not set OPENPYXL_DEFUSEDXML=False)")
    archive = open_archive(data)
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
    collector = Collector()
    carried: dict[int, tuple[str, int]] = {}  # column index → (value of the merged range, its last row)
    width = raw_table.MAX_COLUMNS
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        # A row that only reaches far to the right through empty cells (<c r="XFD7"/>) is cut before
        # its 16,384 values are turned into text; Collector would cut it the same way.
        cut = len(values) > width and values[width:].count(None) == len(values) - width
        cells = [_cell_text(value) for value in (values[:width] if cut else values)]
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
            if len(refs) > raw_table.MAX_MERGED_RANGES:
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
