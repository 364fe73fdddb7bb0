"""read_table: file type and encoding detection, XLSX values and merged cells, limits, hostile files."""

from __future__ import annotations

import openpyxl
import pytest

from consult.intake import raw_table, xlsx_reading
from consult.intake.headers import find_layout
from consult.intake.raw_table import FileError, RawTable
from consult.intake.reading import read_table
from tests.intake import corpus

ENCODINGS = ["UTF-8", "UTF-8 (BOM)", "GB18030", "UTF-16"]


def cells(table: RawTable) -> list[list[str]]:
    """The rows' cells without their numbers."""
    return [row for _number, row in table.rows]


# CSV encodings and separators --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_each_encoding_excel_saves_is_read_and_named(encoding):
    table = read_table("意见汇总.csv", corpus.csv_bytes(corpus.table(), encoding))
    assert table.format == "csv"
    assert table.encoding == encoding
    assert cells(table) == corpus.table()
    assert [number for number, _row in table.rows] == [1, 2, 3, 4]


def test_gbk_is_read_as_gb18030_and_characters_outside_gbk_survive():
    gbk = read_table("a.csv", corpus.csv_bytes(corpus.table(), "GBK"))
    assert gbk.encoding == "GB18030"
    assert cells(gbk) == corpus.table()
    rare = [["意见内容"], ["建议保护𠮷字号老店的招牌，㐀字也要能写。"]]
    assert cells(read_table("a.csv", corpus.csv_bytes(rare, "GB18030"))) == rare


def test_utf16_big_endian_is_read_too():
    data = b"\xfe\xff" + corpus.csv_text(corpus.table(), "\t").encode("utf-16-be")
    table = read_table("a.txt", data)
    assert (table.encoding, cells(table)) == ("UTF-16", corpus.table())


def test_text_in_no_known_encoding_is_refused_not_guessed():
    data = "条款,意见内容\n第一条,".encode() + b"\xff\xfe\xfd caf\xe9\n"
    with pytest.raises(FileError, match="编码"):
        read_table("a.csv", data)


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_separators_are_detected(delimiter):
    rows = corpus.table(rows=[["第一条", "建议, 用逗号分隔的意见, 也不会被拆开", "王某", ""]])
    table = read_table("a.csv", corpus.csv_bytes(rows, "UTF-8", delimiter=delimiter))
    assert cells(table) == rows


def test_commas_inside_quoted_cells_do_not_fool_the_separator_detection():
    rows = corpus.table(rows=[[f"第{n}条", f"意见{n}，包含, 逗号, 和; 分号", "", ""] for n in range(1, 9)])
    assert cells(read_table("a.csv", corpus.csv_bytes(rows))) == rows


def test_tabs_inside_a_single_column_csv_do_not_make_it_tab_separated():
    rows = [["意见内容"], ["第一条\t应当修改"], ["第二条\t应当删除"], ["第三条\t应当保留"]]
    assert cells(read_table("a.csv", corpus.csv_bytes(rows))) == rows


def test_without_known_headers_the_most_regular_separator_wins():
    rows = [["甲", "乙", "丙"], ["1", "2", "3"], ["4", "5", "6"]]
    assert cells(read_table("a.csv", corpus.csv_bytes(rows, delimiter=";"))) == rows


def test_a_cell_with_line_breaks_is_one_row_and_row_numbers_follow_the_spreadsheet():
    rows = [["意见内容"], ["第一行\n第二行\r\n第三行"], ["下一条意见内容"]]
    table = read_table("a.csv", corpus.csv_bytes(rows))
    assert table.rows == [(1, ["意见内容"]), (2, ["第一行\n第二行\r\n第三行"]), (3, ["下一条意见内容"])]


def test_blank_rows_are_left_out_and_their_numbers_skipped():
    rows = [["意见内容", "姓名"], ["第一条意见", ""], ["", ""], [" ", "\u3000"], ["第二条意见", "王某"]]
    table = read_table("a.csv", corpus.csv_bytes(rows))
    assert [number for number, _row in table.rows] == [1, 2, 5]


# XLSX values -------------------------------------------------------------------------------------


def test_numbers_and_dates_come_back_as_the_text_people_typed():
    table = read_table("a.xlsx", corpus.numeric_xlsx())
    assert table.format == "xlsx" and table.encoding is None
    assert cells(table)[1] == ["3", "建议延长开放时间到晚上九点。", "王某", "13800138000", "2026-11-20"]
    assert cells(table)[2] == ["5", "建议明确经费保障的来源。", "李某", "13900139000", "2026-11-21"]
    assert cells(table)[3][:3] == ["0123", "编号0123的书房应当保留。", "0123"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (3, "3"),
        (3.0, "3"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (13800138000.0, "13800138000"),
        (True, "TRUE"),
    ],
)
def test_cell_values_as_text(value, text):
    assert xlsx_reading._cell_text(value) == text


def test_formula_text_stays_text_and_real_formulas_give_their_cached_result():
    table = read_table("a.xlsx", corpus.formula_xlsx())
    # Row 2: typed text "=1+1"; row 3: a formula never calculated (no cached value) reads as empty;
    # row 4: a formula Excel calculated reads as what Excel shows.
    assert cells(table) == [["条款", "意见内容"], ["第一条", "=1+1"], ["第二条", ""], ["第三条", "2"]]


def test_excel_escaped_carriage_returns_are_unescaped():
    data = corpus.xlsx_bytes([["意见内容"], ["第一行CRLF第二行CRLF第三行"]])
    sheet = corpus.read_member(data, "xl/worksheets/sheet1.xml").replace(b"CRLF", b"_x000D_\n")
    table = read_table("a.xlsx", corpus.replace_member(data, "xl/worksheets/sheet1.xml", sheet))
    assert cells(table)[1] == ["第一行\r\n第二行\r\n第三行"]


def test_title_rows_merged_across_columns_are_not_copied_sideways():
    table = read_table("a.xlsx", corpus.titled_xlsx())
    assert cells(table)[:2] == [[corpus.TITLE], [corpus.SUBTITLE]]
    assert find_layout(table).header_row == 3


def test_an_article_merged_down_applies_to_every_row_it_covers():
    table = read_table("a.xlsx", corpus.merged_article_xlsx())
    assert [(number, row[0]) for number, row in table.rows[2:]] == [
        (3, "第三条"),
        (4, "第三条"),
        (5, "第三条"),
        (6, "第五条"),
    ]
    assert cells(table)[0] == [corpus.TITLE]


def test_the_active_sheet_is_read():
    table = read_table("a.xlsx", corpus.second_sheet_active_xlsx())
    assert cells(table) == corpus.table()


def test_an_xlsx_under_another_name_is_still_read_as_xlsx():
    assert read_table("东关街道意见汇总.csv", corpus.titled_xlsx()).format == "xlsx"


# Limits ------------------------------------------------------------------------------------------


def test_empty_trailing_columns_beyond_the_limit_are_ignored():
    table = read_table("a.xlsx", corpus.wide_xlsx(filled=False))
    assert cells(table) == corpus.table()


def test_a_filled_cell_beyond_the_column_limit_is_a_file_error_naming_it():
    with pytest.raises(FileError, match="第2行BH列") as caught:
        read_table("a.xlsx", corpus.wide_xlsx(filled=True))
    assert "50" in caught.value.message
    csv_row = [["意见内容", *[""] * 60, "多余"]]
    with pytest.raises(FileError, match="第1行BJ列"):
        read_table("a.csv", corpus.csv_bytes(csv_row))


def test_too_many_rows_stops_reading_early(monkeypatch):
    monkeypatch.setattr(raw_table, "MAX_ROWS", 5)
    with pytest.raises(FileError, match="5行") as caught:
        read_table("a.csv", corpus.big_csv(1000))
    assert caught.value.row == 5 + raw_table.HEADER_SEARCH_ROWS + 1  # not the end of the file


def test_too_many_rows_in_xlsx(monkeypatch):
    monkeypatch.setattr(raw_table, "MAX_ROWS", 2)
    table = read_table("a.xlsx", corpus.xlsx_bytes(corpus.table(titles=2)))  # three data rows
    with pytest.raises(FileError, match="2行"):
        find_layout(table)


def test_the_real_row_limit():
    limit = raw_table.MAX_ROWS
    assert limit == 100_000
    table = read_table("a.csv", corpus.big_csv(limit))
    assert len(table.rows) == limit + 1
    assert find_layout(table).header_row == 1
    with pytest.raises(FileError, match="100000行"):
        find_layout(read_table("a.csv", corpus.big_csv(limit + 1)))


def test_an_oversized_upload_is_refused():
    with pytest.raises(FileError, match="10 MB"):
        read_table("a.csv", b"a" * (raw_table.MAX_UPLOAD_BYTES + 1))


def test_a_long_cell_is_read_whole_so_the_row_can_report_it():
    text = "长" * 200_000  # over the csv module's default field limit
    table = read_table("a.csv", corpus.csv_bytes([["意见内容"], [text]]))
    assert cells(table)[1] == [text]


# Hostile and wrong files -------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    with pytest.raises(FileError, match="空"):
        read_table("a.csv", b"")


def test_an_old_xls_file_asks_for_xlsx():
    with pytest.raises(FileError, match=r"\.xlsx") as caught:
        read_table("意见.xls", corpus.xls_bytes())
    assert "另存为" in caught.value.message
    with pytest.raises(FileError, match="旧版Excel"):
        read_table("意见.xls", "意见内容\n一条意见\n".encode())  # by its name alone


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("图片.xlsx", corpus.png_bytes()),
        ("random.csv", corpus.random_bytes()),
        ("random.txt", corpus.random_bytes(300, seed=7)),
    ],
)
def test_binary_files_are_not_spreadsheets(name, data):
    with pytest.raises(FileError, match="不是可识别的表格文件"):
        read_table(name, data)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + corpus.random_bytes(500),
        corpus.replace_member(corpus.titled_xlsx(), "xl/workbook.xml", b"<x"),
    ],
)
def test_a_broken_or_foreign_zip_is_an_unreadable_workbook(data):
    with pytest.raises(FileError, match="无法读取这个Excel文件"):
        read_table("a.xlsx", data)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    def must_not_open(*args, **kwargs):
        raise AssertionError("openpyxl opened the archive")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)
    data = corpus.zip_bomb_xlsx()
    assert len(data) < 2 * 1024 * 1024  # a small upload that promises over 200 MB
    with pytest.raises(FileError, match="200 MB"):
        read_table("a.xlsx", data)


def test_an_archive_with_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(openpyxl, "load_workbook", None)
    with pytest.raises(FileError, match="过多部件"):
        read_table("a.xlsx", corpus.many_members_xlsx())


def test_openpyxl_uses_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_a_billion_laughs_workbook_is_refused_not_expanded(part):
    with pytest.raises(FileError, match="不安全的内容"):
        read_table("a.xlsx", corpus.billion_laughs_xlsx(part))


def test_file_error_carries_its_message():
    error = FileError("说明")
    assert (error.message, str(error), error.row) == ("说明", "说明", None)
