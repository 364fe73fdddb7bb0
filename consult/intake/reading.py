"""Reading an upload: the format from its first bytes, the cheap checks, then the parse in a child process.

Contact points upload what Excel on Chinese Windows produces: ``.xlsx`` workbooks (read by
``xlsx_reading``), CSV in UTF-8 or GB18030/GBK and "Unicode 文本" (read by ``csv_reading``). The type
is decided from the first bytes, not the name (``secure_filename`` loses Chinese names, and people
rename files). Everything here raises ``FileError`` (``raw_table``) with a message for the operator;
nothing touches the database or the request.

Hostile files are refused by cheap checks before anything is inflated (the size here, a zip's directory
in ``xlsx_reading``), and by limits while reading (``raw_table``). The parse itself runs in a child
process (``consult.intake.sandbox``, which says why and how) under a CPU-time, address-space and
wall-clock budget: whatever slips past the limits is stopped there, and a refusal is a ``FileError``
like any other, never a 500. ``parse`` is that parse in this process.
"""

from __future__ import annotations

import json
import logging
from typing import Literal

from consult.i18n import _
from consult.intake import csv_reading, raw_table, sandbox
from consult.intake.raw_table import FileError, RawTable

# The budget of the child process that parses an upload (consult.intake.sandbox). A legitimate
# 100,000-row workbook takes about 14 s of CPU and 130 MB on a slow machine; the wall clock allows for
# a busy one. The result (the rows as JSON) is bounded too, since merged cells filled down could
# multiply a long cell.
PARSE_CPU_SECONDS = 30
PARSE_MEMORY_BYTES = 1024 * 1024 * 1024  # address space (RLIMIT_AS), imports included
PARSE_WALL_SECONDS = 60.0
MAX_RESULT_BYTES = 64 * 1024 * 1024
# The modules the parsing child processes start with (the forkserver imports them once).
PRELOAD = (__name__, "consult.intake.xlsx_reading")

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def read_table(filename: str, data: bytes) -> RawTable:
    """Read an uploaded spreadsheet (XLSX or CSV) into text rows; raise FileError when it cannot.

    The cheap checks run here; the parse runs in a child process under the PARSE_* budgets.
    """
    _check(filename, data)
    return _in_child(filename, data)


def parse(filename: str, data: bytes) -> RawTable:
    """The same reading in this process, without the budgets: what the child process runs."""
    if _check(filename, data) == "xlsx":
        return _xlsx().read_xlsx(data)
    return csv_reading.read_csv(data)


def _check(filename: str, data: bytes) -> Literal["xlsx", "csv"]:
    """The checks that read nothing but the size, the first bytes and a zip's directory."""
    if not data:
        raise FileError(_("文件是空的，请检查后重新上传。"))
    if len(data) > raw_table.MAX_UPLOAD_BYTES:
        raise FileError(
            _(
                "文件超过%(mb)d MB的上限。请把表格拆分成几个文件分别上传。",
                mb=raw_table.MAX_UPLOAD_BYTES // (1024 * 1024),
            )
        )
    if data.startswith(ZIP_MAGIC):
        _xlsx().open_archive(data).close()
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


def _xlsx():
    """The XLSX reader, imported when a workbook arrives."""
    # openpyxl with numpy and lxml is about 30 MB: a web worker loads it on its first upload, not at start
    # (the child processes that parse have it preloaded: PRELOAD)
    from consult.intake import xlsx_reading

    return xlsx_reading


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
    limits = {name: getattr(raw_table, name) for name in raw_table.CHILD_LIMITS}
    budget = sandbox.Budget(PARSE_CPU_SECONDS, PARSE_MEMORY_BYTES, PARSE_WALL_SECONDS, MAX_RESULT_BYTES)
    try:
        body = sandbox.run(_parse_for_child, (filename, data, limits), budget, preload=PRELOAD)
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


def _parse_for_child(filename: str, data: bytes, limits: dict[str, int]) -> bytes:
    """In the child: read under the caller's limits; the table or the refusal as JSON.

    The child reads one upload and ends, so it may set the limits in ``raw_table`` and openpyxl's sheet
    class. (The forkserver imported the modules afresh: a limit changed in the parent reaches the child
    only through ``limits``.)
    """
    for name, value in limits.items():
        if name in raw_table.CHILD_LIMITS:
            setattr(raw_table, name, int(value))
    _xlsx().use_unsized_worksheets()
    try:
        table = parse(filename, data)
        answer: dict = {"table": {"format": table.format, "encoding": table.encoding, "rows": table.rows}}
    except FileError as err:
        answer = {"error": {"message": err.message, "row": err.row}}
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
