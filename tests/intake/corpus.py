"""The intake's fixture corpus: every file the tests read is generated here, none is checked in.

Builders return bytes as a contact point's Excel would save them: CSV in each encoding, XLSX with
title rows, merged cells, numbers and formulas, and hostile files (zip bombs, XML entity bombs,
binaries under a spreadsheet's name).
"""

from __future__ import annotations

import csv
import io
import random
import re
import struct
import zipfile
import zlib
from datetime import datetime
from functools import cache

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from consult.intake import raw_table, reading

HEADER = ["条款", "意见内容", "提出人", "联系方式"]
ROWS = [
    ["第三条", "建议延长城市书房的开放时间，方便上班族使用。", "王某", "13800138000"],
    ["总体意见", "建议条例对志愿者服务作出规定，写明激励措施。", "李某", "zhang@example.com"],
    ["第十条", "罚款<5000元 & 以上的规定过重，建议区分情形，\n首次违法可以从轻。", "", "0571-88886666"],
]
TITLE = "城市书房条例（草案）意见建议汇总表"
SUBTITLE = "填报单位：东关街道基层立法联系点    收集日期：2026年11月20日"


# CSV ---------------------------------------------------------------------------------------------


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows as CSV text with Excel's CRLF line endings (cells with line breaks are quoted)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "UTF-8", delimiter: str | None = None) -> bytes:
    """CSV as Excel saves it: encoding is "UTF-8", "UTF-8 (BOM)", "GB18030", "GBK" or "UTF-16"."""
    if encoding == "UTF-16":
        # Excel's "Unicode 文本": UTF-16 little-endian with a byte-order mark, tab-separated.
        return b"\xff\xfe" + csv_text(rows, delimiter or "\t").encode("utf-16-le")
    text = csv_text(rows, delimiter or ",")
    if encoding == "UTF-8 (BOM)":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding.lower())


def table(header: list[str] = HEADER, rows: list[list[str]] = ROWS, titles: int = 0) -> list[list[str]]:
    """A table with ``titles`` title rows above its header."""
    above = [[TITLE], [SUBTITLE]][:titles] + [[f"说明{n}"] for n in range(max(0, titles - 2))]
    return [*above, header, *rows]


# XLSX --------------------------------------------------------------------------------------------


def save(workbook: Workbook) -> bytes:
    """The workbook's bytes."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(rows: list[list[object]], merges: tuple[str, ...] = (), text: bool = True) -> bytes:
    """One sheet with these values; strings are stored as text (``data_type = "s"``) unless text=False."""
    workbook = Workbook()
    sheet = workbook.active
    for row_number, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=row_number, column=column, value=value)
            if text and isinstance(value, str):
                cell.data_type = "s"
    for ref in merges:
        sheet.merge_cells(ref)
    return save(workbook)


def titled_xlsx() -> bytes:
    """Two title rows merged across the table's width above the header, as contact points lay them out."""
    return xlsx_bytes(table(titles=2), merges=("A1:D1", "A2:D2"))


def merged_article_xlsx() -> bytes:
    """A 条款 cell merged down over three rows (A3:A5) below a merged title; B holds three opinions."""
    rows: list[list[object]] = [
        [TITLE],
        HEADER,
        ["第三条", "建议延长开放时间到晚上九点。", "王某", ""],
        ["", "建议周末也开放，方便学生。", "李某", ""],
        ["", "建议增加自助借还设备。", "赵某", ""],
        ["第五条", "建议明确经费保障的来源。", "钱某", ""],
    ]
    return xlsx_bytes(rows, merges=("A1:D1", "A3:A5"))


def numeric_xlsx() -> bytes:
    """Article numbers typed as numbers (3 and 5.0), a phone number as an integer, a date cell."""
    rows: list[list[object]] = [
        [*HEADER, "日期"],
        [3, "建议延长开放时间到晚上九点。", "王某", 13800138000, datetime(2026, 11, 20)],
        [5.0, "建议明确经费保障的来源。", "李某", 13900139000.0, datetime(2026, 11, 21, 15, 30)],
        ["0123", "编号0123的书房应当保留。", "0123", "", ""],
    ]
    return xlsx_bytes(rows)


def formula_xlsx() -> bytes:
    """Row 2: a text cell "=1+1" (data_type s). Row 3: a real formula with no cached result.

    Row 4 is a real formula whose cached result is 2, as Excel saves it (openpyxl cannot write cached
    values, so the cell's XML is rewritten).
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["条款", "意见内容"])
    sheet.append(["第一条", "=1+1"])
    sheet["B2"].data_type = "s"
    sheet.append(["第二条", "=1+1"])  # a formula: openpyxl keeps data_type "f"
    sheet.append(["第三条", "=1+1"])
    data = save(workbook)
    sheet_xml = read_member(data, "xl/worksheets/sheet1.xml")
    # openpyxl writes an empty <v /> with its own XML writer and <v></v> when lxml is installed.
    empty_formula = rb'<c r="B4"><f>1\+1</f><v(?:\s*/>|></v>)</c>'
    cached = re.sub(empty_formula, b'<c r="B4"><f>1+1</f><v>2</v></c>', sheet_xml)
    assert cached != sheet_xml, "openpyxl wrote the formula cell differently than expected"
    return replace_member(data, "xl/worksheets/sheet1.xml", cached)


def second_sheet_active_xlsx() -> bytes:
    """Two sheets; the second (the active one when saved) holds the opinions."""
    workbook = Workbook()
    workbook.active.append(["说明", "请在第二个工作表填写"])
    sheet = workbook.create_sheet("意见")
    for values in table():
        sheet.append(values)
    workbook.active = 1
    return save(workbook)


def wide_xlsx(filled: bool) -> bytes:
    """A table whose row 2 has a cell in column BH (60): formatted but empty, or holding text."""
    workbook = Workbook()
    sheet = workbook.active
    for values in table():
        sheet.append(values)
    cell = sheet.cell(row=2, column=60, value="多余的内容" if filled else None)
    cell.font = Font(bold=True)  # an empty but formatted cell is still written to the sheet's XML
    return save(workbook)


# Hostile files -----------------------------------------------------------------------------------


def read_member(data: bytes, name: str) -> bytes:
    """One member of a zip archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The archive with one member's content replaced (or added)."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(data))
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info.filename))
        target.writestr(name, content)
    return out.getvalue()


@cache
def zip_bomb_xlsx() -> bytes:
    """A valid workbook plus a real deflated member of zeros just over the uncompressed limit (~200 KB)."""
    out = io.BytesIO(xlsx_bytes(table()))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/media/zeros.bin", "w") as member:
            chunk = bytes(1 << 20)
            for _ in range(raw_table.MAX_XLSX_UNCOMPRESSED // len(chunk) + 1):
                member.write(chunk)
    return out.getvalue()


def many_members_xlsx() -> bytes:
    """A valid workbook with more members than the limit allows."""
    out = io.BytesIO(xlsx_bytes(table()))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        for number in range(raw_table.MAX_XLSX_MEMBERS):
            archive.writestr(f"xl/media/image{number}.png", b"")
    return out.getvalue()


def _laughs(root: str) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<!DOCTYPE {root} [\n" + "\n".join(entities) + "\n]>\n"
    ).encode()


def billion_laughs_xlsx(part: str = "xl/sharedStrings.xml") -> bytes:
    """A workbook whose shared strings (or sheet) reference an entity that would expand to 3 GB."""
    data = xlsx_bytes(table())
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    if part == "xl/sharedStrings.xml":
        # openpyxl writes inline strings, so declare a shared-strings part for the reader to load.
        types = read_member(data, "[Content_Types].xml").replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        data = replace_member(data, "[Content_Types].xml", types)
        body = f'<sst {main} count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'.encode()
        return replace_member(data, part, _laughs("sst") + body)
    body = (
        f'<worksheet {main}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c>'
        "</row></sheetData></worksheet>"
    ).encode()
    return replace_member(data, part, _laughs("worksheet") + body)


def png_bytes() -> bytes:
    """The start of a PNG image (what a renamed picture looks like)."""
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    return header + b"\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(64)


def random_bytes(size: int = 4096, seed: int = 5) -> bytes:
    """Reproducible binary noise."""
    return random.Random(seed).randbytes(size)


def xls_bytes() -> bytes:
    """The start of an old Excel 97–2003 file (OLE2 compound document)."""
    return reading.OLE2_MAGIC + random_bytes(2048)


def big_csv(data_rows: int) -> bytes:
    """A UTF-8 CSV with a header and ``data_rows`` short rows, quick to build and read."""
    lines = ["条款,意见内容"] + [f"{1 + n % 30},第{n}条意见：建议修改" for n in range(data_rows)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def load_cells(data: bytes) -> list[list[object]]:
    """Every cell of the first sheet (full mode, so data types can be inspected by the caller)."""
    return [list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows()]


# Files built to run away (issue 14): each is small on the wire and huge or slow once read -----------

_MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_SHARED_STRINGS_OVERRIDE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def rebuild(
    data: bytes, replace: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED, level: int = 1
) -> bytes:
    """The archive with some members replaced or added, written with ``compression`` (fast by default)."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(data))
    with source, zipfile.ZipFile(out, "w", compression, compresslevel=level) as target:
        for info in source.infolist():
            if info.filename not in replace:
                target.writestr(info.filename, source.read(info.filename))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def with_shared_strings(body: bytes, name: str = "xl/sharedStrings.xml") -> bytes:
    """The corpus table (inline strings) plus a shared-strings part nothing refers to."""
    data = xlsx_bytes(table())
    override = _SHARED_STRINGS_OVERRIDE.replace(b"/xl/sharedStrings.xml", b"/" + name.encode())
    types = read_member(data, "[Content_Types].xml").replace(b"</Types>", override)
    return rebuild(data, {"[Content_Types].xml": types, name: body})


def shared_strings_body(count: int, item: bytes = b"<si><t>a</t></si>") -> bytes:
    """A shared-strings part of ``count`` tiny strings: what openpyxl spends the most time on per byte."""
    return b"<sst " + _MAIN + b">" + item * count + b"</sst>"


@cache
def huge_shared_strings_xlsx(
    megabytes: int = raw_table.MAX_SHARED_STRINGS_BYTES // (1024 * 1024) + 1,
) -> bytes:
    """A workbook whose shared-strings part inflates past the cap (190 MB in the report; 65 MB here)."""
    return with_shared_strings(shared_strings_body(megabytes * 1024 * 1024 // 17))


def sheet_with(rows_xml: bytes, above: list[list[str]] | None = None, level: int = 1) -> bytes:
    """The corpus table, then ``rows_xml`` (raw <row> elements) at the end of its sheet."""
    data = xlsx_bytes(above if above is not None else table())
    sheet = read_member(data, "xl/worksheets/sheet1.xml")
    sheet = re.sub(rb"<dimension [^>]*/>", b"", sheet).replace(b"</sheetData>", rows_xml + b"</sheetData>")
    return rebuild(data, {"xl/worksheets/sheet1.xml": sheet}, level=level)


@cache
def blank_rows_xlsx(count: int = 4_000_000) -> bytes:
    """The table followed by millions of empty <row/> elements (the report's 0.58 MB file)."""
    return sheet_with(b"<row/>" * count)


def far_row_xlsx(row: int = 1_048_576) -> bytes:
    """The table and one cell on the sheet's last row: every row in between is read as blank."""
    return sheet_with(f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>x</t></is></c></row>'.encode())


def inline_rows_xml(count: int, first: int = 5, columns: int = 4) -> bytes:
    """``count`` rows of inline text cells: cheap to build, costly to parse (about 5 µs a cell)."""
    letters = "ABCDEFGH"[:columns]
    return "".join(
        f'<row r="{n}">'
        + "".join(f'<c r="{c}{n}" t="inlineStr"><is><t>第{n}条意见{c}</t></is></c>' for c in letters)
        + "</row>"
        for n in range(first, first + count)
    ).encode()


def declare_size(data: bytes, name: str, size: int, crc_of_prefix: bool) -> bytes:
    """The archive with ``name``'s declared uncompressed size changed to ``size`` in both its headers.

    With ``crc_of_prefix`` the CRC is made to match the first ``size`` bytes, so the lie is consistent.
    """
    buffer = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
        prefix = archive.open(name).read(size)
        crc = zlib.crc32(prefix) if crc_of_prefix else info.CRC
        start = archive.start_dir
    struct.pack_into("<II", buffer, info.header_offset + 14, crc, info.compress_size)
    struct.pack_into("<I", buffer, info.header_offset + 22, size)
    position = start
    while buffer[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", buffer, position + 28)
        if buffer[position + 46 : position + 46 + name_length].decode() == name:
            struct.pack_into("<I", buffer, position + 16, crc)
            struct.pack_into("<I", buffer, position + 24, size)
            return bytes(buffer)
        position += 46 + name_length + extra_length + comment_length
    raise KeyError(name)


@cache
def lying_size_xlsx(crc_of_prefix: bool, megabytes: int = 100) -> bytes:
    """A shared-strings part that inflates to ``megabytes`` MB while the zip directory declares 4 KB."""
    data = with_shared_strings(shared_strings_body(megabytes * 1024 * 1024 // 17))
    return declare_size(data, "xl/sharedStrings.xml", 4096, crc_of_prefix)


def bzip2_xlsx() -> bytes:
    """The corpus table with every member compressed with bzip2 (which zipfile inflates a read at once)."""
    data = xlsx_bytes(table())
    return rebuild(data, {}, compression=zipfile.ZIP_BZIP2)


def blank_lines_csv(count: int = 4_000_000) -> bytes:
    """A header, one opinion and millions of blank lines (8 MB, under the upload limit)."""
    return ("条款,意见内容\r\n第三条,建议延长开放时间。\r\n" + "\r\n" * count).encode("utf-8")
