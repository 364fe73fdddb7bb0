"""CSV files → RawTable: finding the encoding (strictly, never a guess) and the delimiter, reading the rows.

Contact points save CSV from Excel on Chinese Windows in UTF-8 (with or without a byte-order mark) or
GB18030/GBK, and "Unicode 文本" (UTF-16, tab-separated). Encodings are tried strictly in a fixed order
and a file that fits none is refused rather than read as mojibake.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter

from consult.i18n import _
from consult.intake import raw_table
from consult.intake.headers import field_for
from consult.intake.raw_table import Collector, FileError, RawTable

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
                if index < raw_table.HEADER_SEARCH_ROWS:
                    known = max(known, sum(1 for cell in record if field_for(cell)))
                if len(record) > 1:
                    widths[len(record)] += 1
        except csv.Error:
            continue
        score = (known, 0 if known else max(widths.values(), default=0))
        if score > best_score:
            best, best_score = candidate, score
    return best


def read_csv(data: bytes) -> RawTable:
    """The rows of a CSV file, checked already to be neither empty nor over MAX_UPLOAD_BYTES."""
    text, encoding = _decode(data)
    delimiter = _delimiter(text, encoding)
    # The default limit (128 KiB) would make a long cell a file error; the upload limit bounds it anyway.
    if csv.field_size_limit() < raw_table.MAX_UPLOAD_BYTES:
        csv.field_size_limit(raw_table.MAX_UPLOAD_BYTES)
    collector = Collector()
    number = 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
            collector.add(number, cells)
    except csv.Error as exc:
        raise FileError(
            _("第%(row)d行无法按CSV格式读取。请在Excel中打开检查后重新保存。", row=number + 1), row=number + 1
        ) from exc
    return RawTable(format="csv", encoding=encoding, rows=collector.rows)
