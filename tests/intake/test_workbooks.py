"""Templates and the error report: readable by the importer, safe to open in Excel."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from consult.intake.headers import field_for, find_layout
from consult.intake.reading import read_table
from consult.intake.rows import build_rows
from consult.intake.workbooks import (
    error_report_xlsx,
    example_row,
    template_csv,
    template_headers,
    template_xlsx,
)
from consult.spreadsheets import EXCEL_CELL_MAX
from tests.intake import corpus


def test_template_headers_are_all_recognised_and_say_what_is_public():
    headers = template_headers()
    assert headers == [
        "条款（公开）",
        "意见内容（公开）",
        "理由（公开）",
        "建议修改为（公开）",
        "提出人（同意时公开）",
        "同意公开姓名（是/否）",
        "联系方式（不公开）",
        "备注（不公开）",
    ]
    assert [field_for(h) for h in headers] == [
        "article",
        "body",
        "reason",
        "suggestion",
        "author_name",
        "name_public",
        "contact",
        "note",
    ]


def test_the_xlsx_template_offers_yes_or_no_for_the_consent_column():
    sheet = load_workbook(io.BytesIO(template_xlsx())).active
    [choices] = sheet.data_validations.dataValidation
    assert (choices.type, choices.formula1) == ("list", '"是,否"')
    column = get_column_letter(template_headers().index("同意公开姓名（是/否）") + 1)
    assert str(choices.sqref).startswith(f"{column}2:{column}")
    assert example_row()[template_headers().index("同意公开姓名（是/否）")] == "是"


def test_the_xlsx_template_reads_back_through_the_importer():
    data = template_xlsx()
    table = read_table("模板.xlsx", data)
    layout = find_layout(table)
    assert (layout.header_row, layout.ignored) == (1, [])
    assert table.rows == [(1, template_headers()), (2, example_row())]
    [example] = build_rows(table, layout, range(1, 33)).rows
    assert example.contact == "13800138000"
    assert (example.author_name, example.name_public) == ("张某", True)
    sheet = load_workbook(io.BytesIO(data)).active
    assert {cell.data_type for row in sheet.iter_rows() for cell in row} == {"s"}
    assert sheet.freeze_panes == "A2"


def test_the_csv_template_has_a_byte_order_mark_for_excel():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    table = read_table("模板.csv", data)
    assert table.encoding == "UTF-8 (BOM)"
    assert table.rows == [(1, template_headers()), (2, example_row())]


def test_the_error_report_keeps_the_columns_and_adds_the_messages():
    header = ["序号", "条款", "意见内容"]
    rows = [(["1", "第十章", "太短"], "条款：无法识别"), (["2", "", "=1+1", "多出的一列"], "意见内容：太短")]
    data = error_report_xlsx(header, rows)
    cells = corpus.load_cells(data)
    assert [c.value for c in cells[0]] == ["序号", "条款", "意见内容", None, "错误说明"]
    assert [c.value for c in cells[1]][-1] == "条款：无法识别"
    assert [c.value for c in cells[2]] == ["2", None, "=1+1", "多出的一列", "意见内容：太短"]
    assert cells[2][2].data_type == "s"  # a formula-looking value is text, never evaluated
    assert cells[0][0].font.bold


def test_the_error_report_can_be_fixed_and_uploaded_again():
    rows = corpus.table(rows=[["第四十条", "一条足够长的意见", "", "12"]])
    table = read_table("a.csv", corpus.csv_bytes(rows))
    report = build_rows(table, find_layout(table), range(1, 33))
    data = error_report_xlsx(report.header, report.error_report_rows())
    again = read_table("错误.xlsx", data)
    layout = find_layout(again)
    assert layout.columns == {"article": 0, "body": 1, "author_name": 2, "contact": 3}
    assert layout.ignored == ["错误说明"]
    assert again.rows[1][1][:2] == ["第四十条", "一条足够长的意见"]


def test_the_error_report_drops_characters_excel_cannot_store_and_caps_cell_length():
    data = error_report_xlsx(["意见内容"], [(["控制\x01字符\x1f", "长" * 40_000], "错误")])
    cells = [c.value for c in corpus.load_cells(data)[1]]
    assert cells[0] == "控制字符"
    assert len(cells[1]) == EXCEL_CELL_MAX
