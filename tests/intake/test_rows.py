"""build_rows: cleaning and checking each data row into RowResult, and the file's Report."""

from __future__ import annotations

import datetime as dt

import pytest

from consult.intake import raw_table
from consult.intake.articles import ArticleRef
from consult.intake.headers import find_layout
from consult.intake.raw_table import RawTable
from consult.intake.reading import read_table
from consult.intake.rows import RowError, build_rows, parse_date, valid_range
from consult.intake.workbooks import example_row, template_headers
from consult.models.comments import BODY_MAX
from tests.intake import corpus

ARTICLES = range(1, 33)
HEADER = ["序号", "条款", "意见内容", "理由", "建议修改为", "提出人", "联系电话", "收集方式", "日期", "备注"]


def report_of(*data_rows: list[str], header: list[str] = HEADER, articles=ARTICLES):
    """The report of a CSV table with this header (row 1) and these rows (from row 2)."""
    table = read_table("a.csv", corpus.csv_bytes([header, *data_rows]))
    return build_rows(table, find_layout(table), articles)


def row(**fields: str) -> list[str]:
    """A row for HEADER by field name."""
    names = ["n", "article", "body", "reason", "suggestion", "author", "contact", "method", "date", "note"]
    return [fields.get(name, "") for name in names]


def test_a_complete_row_is_cleaned():
    report = report_of(
        row(
            n="1",
            article=" 第三条 ",
            body="  建议延长<b>开放</b>时间  ",
            author="王某",
            contact="138 0013 8000",
            method="座谈会",
            date="2026年11月20日",
            note="现场提出",
        )
    )
    [result] = report.rows
    assert result.valid and result.errors == []
    assert result.row == 2
    assert result.body == "建议延长开放时间"
    assert result.article == ArticleRef("article", 3, "第三条")
    assert (result.author_name, result.contact) == ("王某", "13800138000")
    assert (result.method, result.note) == ("座谈会", "现场提出")
    assert result.date == dt.date(2026, 11, 20)
    assert result.raw[1:3] == [" 第三条 ", "  建议延长<b>开放</b>时间  "]


def test_the_report_describes_the_file():
    report = report_of(row(body="一条足够长的意见"))
    assert (report.format, report.encoding, report.header_row) == ("csv", "UTF-8", 1)
    assert report.columns["contact"] == "联系电话"
    assert report.columns["body"] == "意见内容"
    assert report.ignored == ["序号"]
    assert report.header == HEADER
    assert len(report.valid_rows) == 1 and report.invalid_rows == [] and report.errors == []


def test_reason_and_suggestion_are_appended_as_labelled_lines():
    full = row(body="建议修改第三条", reason="开放时间太短", suggestion="每日开放不少于十二小时")
    [result] = report_of(full).rows
    assert result.body == "建议修改第三条\n理由：开放时间太短\n建议修改为：每日开放不少于十二小时"
    [only_wording] = report_of(row(suggestion="每日开放不少于十二小时")).rows
    assert only_wording.valid and only_wording.body == "建议修改为：每日开放不少于十二小时"


def test_blank_rows_are_skipped_and_counted():
    report = report_of(
        row(body="第一条足够长的意见"), row(), row(n="3"), row(body="第二条足够长的意见"), row(), row()
    )
    assert [result.row for result in report.rows] == [2, 5]
    assert report.blank_rows == 2  # rows 3 and 4; the trailing blank rows are not part of the table


def test_a_repeated_header_row_is_skipped_not_reported():
    report = report_of(row(body="第一条足够长的意见"), HEADER, row(), row(body="第二条足够长的意见"))
    assert [result.row for result in report.rows] == [2, 5]
    assert (report.repeated_headers, report.blank_rows, report.errors) == ([3], 1, [])


def test_a_row_without_an_opinion_is_an_error():
    [result] = report_of(row(article="第三条", author="王某")).rows
    assert result.errors == [RowError(2, "意见内容", "没有填写意见内容")]
    [reason_only] = report_of(row(reason="开放时间太短了")).rows
    assert not reason_only.valid


def test_body_length_limits_are_those_of_web_comments():
    short, long_ = report_of(row(body="太短"), row(body="长" * (BODY_MAX + 1))).rows
    assert short.errors[0].message == "意见内容至少需要5个字"
    assert long_.errors[0].message == f"意见内容不能超过{BODY_MAX}个字（现有{BODY_MAX + 1}个字）"


def test_a_cell_over_the_cell_limit_is_a_row_error_not_a_file_error():
    huge = "长" * (raw_table.MAX_CELL_CHARS + 1)
    report = report_of(row(body=huge), row(body="一条正常的意见", note=huge), row(body="另一条正常的意见"))
    first, second, third = report.rows
    assert [(error.column, "10000" in error.message) for error in first.errors] == [("意见内容", True)]
    assert first.raw[2] == huge
    assert [error.column for error in second.errors] == ["备注"]
    assert third.valid


def test_a_huge_xlsx_cell_is_a_row_error_too():
    huge = "长" * 20_000
    data = corpus.xlsx_bytes([["条款", "意见内容"], ["第一条", huge], ["第二条", "正常的一条意见"]])
    table = read_table("a.xlsx", data)
    first, second = build_rows(table, find_layout(table), ARTICLES).rows
    assert [(error.row, error.column) for error in first.errors] == [(2, "意见内容")]
    assert first.raw[1] == huge and second.valid


def test_article_errors_name_the_reference_and_the_valid_range():
    bad, missing, fine = report_of(
        row(article="第十章", body="一条足够长的意见"),
        row(article="第四十条", body="另一条足够长的意见"),
        row(article="32", body="第三条足够长的意见"),
    ).rows
    assert bad.errors == [RowError(2, "条款", "无法识别条款“第十章”，请填写如“第十条”或“总体意见”")]
    assert missing.errors == [RowError(3, "条款", "没有第四十条：本草案现行文本只有第一条至第三十二条")]
    assert fine.valid and fine.article.number == 32


def test_article_numbers_may_be_a_set():
    [result] = report_of(row(article="第5条", body="一条足够长的意见"), articles={1, 2, 3}).rows
    assert result.errors[0].message == "没有第五条：本草案现行文本只有第一条至第三条"


def test_valid_range_sentences():
    assert valid_range(range(1, 33)) == "本草案现行文本只有第一条至第三十二条"
    assert valid_range({7}) == "本草案现行文本只有第七条"
    assert valid_range(set()) == "本草案现行文本没有条款，只能提出总体意见"
    assert valid_range(range(1, 1)) == "本草案现行文本没有条款，只能提出总体意见"


def test_general_comments_need_no_article():
    results = report_of(row(article="总体意见", body="一条足够长的意见"), row(body="另一条足够长的意见")).rows
    assert [(r.article.kind, r.valid) for r in results] == [("general", True), ("general", True)]


def test_a_bad_contact_is_a_row_error_naming_its_column():
    [result] = report_of(row(body="一条足够长的意见", contact="12345")).rows
    assert result.contact is None
    assert [(e.column, e.message) for e in result.errors] == [
        ("联系电话", "“12345”不是有效的手机号码、固定电话（含区号）或电子邮箱")
    ]


def test_duplicate_rows_within_the_file_are_reported_on_the_later_one():
    report = report_of(
        row(article="第三条", body="建议延长开放时间", author="王某"),
        row(article="第五条", body="建议延长开放时间"),
        row(article="3", body=" 建议延长开放时间 ", author="李某"),
    )
    first, other_article, duplicate = report.rows
    assert first.valid and other_article.valid
    assert duplicate.errors == [RowError(4, "意见内容", "与第2行重复")]


def test_an_invalid_first_copy_does_not_block_a_valid_second_one():
    bad, good = report_of(
        row(body="建议延长开放时间", contact="不详"), row(body="建议延长开放时间", contact="13800138000")
    ).rows
    assert not bad.valid and good.valid


def test_an_overlong_name_is_a_row_error():
    [result] = report_of(row(body="一条足够长的意见", author="名" * 51)).rows
    assert result.errors[0].column == "提出人"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-20", dt.date(2026, 11, 20)),
        ("2026/11/20", dt.date(2026, 11, 20)),
        ("2026.11.20", dt.date(2026, 11, 20)),
        ("2026-1-5", dt.date(2026, 1, 5)),
        ("2026年11月20日", dt.date(2026, 11, 20)),
        ("2026 年 11 月 20 日", dt.date(2026, 11, 20)),
        ("20261120", dt.date(2026, 11, 20)),
        ("46346", dt.date(2026, 11, 20)),  # an Excel serial number in a General-formatted cell
        ("2026-11-20 14:30:00", dt.date(2026, 11, 20)),
        ("2026-02-30", None),
        ("明天", None),
        ("11/20", None),
        ("2026", None),
    ],
)
def test_dates(text, day):
    assert parse_date(text) == day


def test_a_bad_date_is_a_row_error():
    [result] = report_of(row(body="一条足够长的意见", date="上周三")).rows
    assert result.errors == [RowError(2, "日期", "无法识别日期“上周三”，请写成2026-11-20这样的格式")]


def test_formula_like_text_is_kept_as_text():
    [result] = report_of(row(body='=HYPERLINK("http://x")建议删除本条', author="=王某")).rows
    assert result.valid
    assert result.body == '=HYPERLINK("http://x")建议删除本条'
    assert result.author_name == "=王某"


def test_a_merged_article_applies_to_each_row_it_covers():
    table = read_table("a.xlsx", corpus.merged_article_xlsx())
    report = build_rows(table, find_layout(table), ARTICLES)
    assert [(r.row, r.article.number, r.valid) for r in report.rows] == [
        (3, 3, True),
        (4, 3, True),
        (5, 3, True),
        (6, 5, True),
    ]


def test_numeric_article_and_phone_cells_from_xlsx():
    table = read_table("a.xlsx", corpus.numeric_xlsx())
    first, second, third = build_rows(table, find_layout(table), ARTICLES).rows
    assert (first.article.number, first.contact, first.date) == (3, "13800138000", dt.date(2026, 11, 20))
    assert (second.article.number, second.contact, second.date) == (5, "13900139000", dt.date(2026, 11, 21))
    assert third.author_name == "0123" and third.errors[0].column == "条款"  # 0123 is no article number


def test_the_template_example_row_is_refused_if_left_in():
    header, example = template_headers(), example_row()
    table = RawTable("csv", "UTF-8", [(1, header), (2, example)])
    [result] = build_rows(table, find_layout(table), ARTICLES).rows
    assert [e.message for e in result.errors] == ["这是模板中的示例行，请删除后再上传"]


def test_error_report_rows_keep_the_original_cells_and_join_the_messages():
    report = report_of(row(n="1", article="第十章", body="太短"), row(body="一条足够长的意见"))
    [(cells, message)] = report.error_report_rows()
    assert cells == row(n="1", article="第十章", body="太短")
    assert message == (
        "条款：无法识别条款“第十章”，请填写如“第十条”或“总体意见”；意见内容：意见内容至少需要5个字"
    )
    assert report.errors == report.rows[0].errors


def test_rows_work_inside_an_app_context_too(app):
    with app.app_context():
        [result] = report_of(row(body="建议修改第三条", reason="开放时间太短")).rows
    assert result.body == "建议修改第三条\n理由：开放时间太短"


CONSENT_HEADER = ["条款", "意见内容", "提出人", "同意公开姓名"]


@pytest.mark.parametrize(
    ("cell", "public"),
    [
        ("是", True),
        ("同意", True),
        ("Y", True),
        ("yes", True),
        ("√", True),
        ("1", True),
        ("ｙｅｓ", True),  # full-width, as some input methods type it
        (" 是 ", True),
        ("否", False),
        ("不同意", False),
        ("N", False),
        ("no", False),
        ("", False),
    ],
)
def test_the_consent_cell_decides_whether_the_name_is_public(cell, public):
    [result] = report_of(["第一条", "一条足够长的意见", "王某", cell], header=CONSENT_HEADER).rows
    assert result.valid, result.errors
    assert (result.author_name, result.name_public) == ("王某", public)


def test_without_a_consent_column_no_name_is_public():
    [result] = report_of(row(body="一条足够长的意见", author="王某")).rows
    assert result.valid and result.author_name == "王某" and result.name_public is False


def test_an_unrecognised_consent_value_is_a_row_error_naming_the_column():
    header = ["条款", "意见内容", "提出人", "是否公开姓名"]
    report = report_of(
        ["第一条", "一条足够长的意见", "王某", "可以吧"],
        ["第二条", "另一条足够长的意见", "李某", "是"],
        header=header,
    )
    first, second = report.rows
    assert second.valid and second.name_public is True
    [error] = first.errors
    assert (error.row, error.column) == (2, "是否公开姓名")
    assert error.message == "无法识别“可以吧”：同意公开提出人姓名请填“是”，不同意请填“否”（不填视为不公开）"
    assert report.error_report_rows()[0][1].startswith("是否公开姓名：无法识别“可以吧”")


def test_a_row_with_only_a_consent_cell_is_blank():
    # A consent column filled in advance ("否" down the sheet) does not turn empty rows into errors.
    report = report_of(
        ["第一条", "一条足够长的意见", "王某", "是"], ["", "", "", "否"], header=CONSENT_HEADER
    )
    assert [r.row for r in report.rows] == [2] and report.errors == []
