"""Spreadsheet safety in one module (consult.spreadsheets), and every file the platform hands out
holding one hostile corpus as text: the staff summary (XLSX, CSV), the open-data CSVs, the intake
error report and the receipt list."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from openpyxl import Workbook, load_workbook

from consult.spreadsheets import FORMULA_START, csv_bytes, safe_cell, text_cell
from tests.feedback import test_opendata as opendata_helpers
from tests.web.test_intake_pages import post, token_of, upload, xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example","点我")',
    "=1+1",
    "+86 139",
    "-5",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]
BODY = "建议延长城市书房的开放时间。"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+86 139", "'+86 139"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("1-2", "1-2"),
        ("正常文字", "正常文字"),
        ("", ""),
        (None, ""),
        (5, 5),
    ],
)
def test_a_csv_cell_that_would_start_a_formula_gets_a_quote(value, cell):
    assert safe_cell(value) == cell


def test_csv_bytes_have_a_bom_crlf_and_safe_cells():
    data = csv_bytes([["a", "=1"], ["-2", None]])
    assert data == "\ufeffa,'=1\r\n'-2,\r\n".encode()


def test_a_text_cell_is_text_whatever_it_holds():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    cell = text_cell(ws, "=1+1\x01" + "长" * 40_000)
    assert cell.data_type == "s" and cell.value.startswith("=1+1长") and len(cell.value) == 32_767


# ---- one corpus through every export path ------------------------------------------------------------


def _variants(value: str) -> set[str]:
    """How a hostile value may legitimately come back: as written, trimmed on import, or with the
    carriage return an XML reader turns into a line feed."""
    return {value, value.strip(), value.replace("\r", "\n")}


def _assert_csv_safe(data: bytes, where: str, expected: list[str]) -> None:
    assert data.startswith(b"\xef\xbb\xbf"), f"{where}: no BOM"
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)], f"{where}: a cell starts a formula"
    for value in expected:
        assert {"'" + v for v in _variants(value)} & set(cells), f"{where}: {value!r} not kept as text"


def _assert_xlsx_safe(data: bytes, where: str, expected: list[str]) -> None:
    workbook = load_workbook(io.BytesIO(data))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], f"{where}: a formula cell"
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str)), where
    values = {c.value for c in cells}
    for value in expected:
        assert _variants(value) & values, f"{where}: {value!r} missing"


def _filename(resp) -> str:
    return unquote(resp.headers["Content-Disposition"].split("filename*=UTF-8''", 1)[1])


def test_every_export_keeps_the_hostile_corpus_as_text(app, factory, login_as):
    point = factory.contact_point("dongguan-jiedao", "东关街道基层立法联系点")
    # The staff summary and the open data: hostile bodies, author names and reasons.
    draft = factory.draft(status="closed", slug="hostile")
    for value in HOSTILE:
        comment = factory.comment(
            draft, value, status="published", author_name=value[:20], contact_point_id=point.id
        )
        opendata_helpers.decide(comment, "not_adopted", value)
    opendata_helpers.publish(draft)
    staff = login_as("staff")
    for fmt in ("xlsx", "csv"):
        resp = staff.get(f"/admin/drafts/{draft.slug}/export.{fmt}?status=all")
        assert resp.status_code == 200 and _filename(resp).endswith(f"意见汇总表.{fmt}")
        check = _assert_xlsx_safe if fmt == "xlsx" else _assert_csv_safe
        check(resp.data, f"summary.{fmt}", HOSTILE)
    resp = app.test_client().get(f"/drafts/{draft.slug}/open-data.zip")
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    for name in archive.namelist():
        if name.endswith(".csv"):
            _assert_csv_safe(archive.read(name), name, HOSTILE if name == "comments.csv" else [])

    # The intake: hostile author names on good rows (the receipt list), hostile bodies too short to
    # import (the error report keeps the cells as the operator typed them).
    open_draft = factory.draft(slug="hostile-intake")
    operator = login_as("contact_point", point=point.slug)
    good = [["第一条", f"{BODY}{n}", value, ""] for n, value in enumerate(HOSTILE)]
    bad = [["第一条", value, "王某", ""] for value in ("=1+1", "-5", "@x")]
    page = BeautifulSoup(upload(operator, xlsx([*good, *bad]), draft=open_draft.slug).data, "html.parser")
    token = token_of(page)
    resp = operator.get(f"/intake/upload/{token}/errors.xlsx")
    assert resp.status_code == 200 and "需修改的行" in _filename(resp)
    _assert_xlsx_safe(resp.data, "error report", ["=1+1", "-5", "@x"])
    batch_url = post(operator, f"/intake/upload/{token}/confirm").headers["Location"]
    resp = operator.get(batch_url + "/receipts.csv")
    assert resp.status_code == 200 and re.fullmatch(r"回执清单-批次\d+\.csv", _filename(resp))
    _assert_csv_safe(resp.data, "receipt list", HOSTILE)
    resp = operator.get(batch_url + "/errors.xlsx")
    _assert_xlsx_safe(resp.data, "batch error report", ["=1+1", "-5", "@x"])
