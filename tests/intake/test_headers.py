"""find_layout: the header row below title rows, column synonyms, normalised header text."""

from __future__ import annotations

import pytest

from consult.intake.headers import FIELDS, SYNONYMS, field_for, find_layout, normalise_header
from consult.intake.raw_table import FileError, RawTable
from consult.intake.reading import read_table
from tests.intake import corpus

EVERY_SYNONYM = [(name, key) for key, names in SYNONYMS.items() for name in names]
REQUIRED_BY_THE_ISSUE = {
    "article": ["条款", "对应条款", "条目", "涉及条款"],
    "body": ["意见", "意见建议", "意见内容", "建议内容", "具体意见"],
    "author_name": ["提出人", "姓名", "提出者", "建议人"],
    "name_public": ["同意公开姓名", "公开姓名", "是否公开姓名", "同意署名"],
    "contact": ["联系方式", "联系电话", "电话", "手机", "邮箱"],
    "method": ["收集方式", "方式"],
    "date": ["日期", "收集日期"],
    "note": ["备注"],
    "reason": ["理由", "修改理由", "理由说明"],
    "suggestion": ["建议修改为", "修改建议", "建议条文"],
}


def rows(*values: list[str]) -> list[tuple[int, list[str]]]:
    """Numbered rows starting at 1."""
    return list(enumerate(values, start=1))


def test_the_synonym_table_covers_the_issue_and_only_known_fields():
    assert set(SYNONYMS) == set(FIELDS)
    for key, names in REQUIRED_BY_THE_ISSUE.items():
        assert set(names) <= set(SYNONYMS[key]), key
    all_names = [name for names in SYNONYMS.values() for name in names]
    assert len(all_names) == len(set(all_names)), "a header name must mean one field"


@pytest.mark.parametrize(("name", "key"), EVERY_SYNONYM)
def test_every_synonym_maps_its_column(name, key):
    header = ["序号", name] if key == "body" else ["序号", "意见内容", name]
    layout = find_layout(rows(header, ["1", "一条足够长的意见", "x"]))
    assert layout.columns[key] == 1 if key == "body" else layout.columns[key] == 2
    assert layout.labels[key] == name
    assert layout.ignored == ["序号"]


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("意见内容（必填）", "body"),
        ("意见内容(必填)", "body"),
        ("* 意见内容", "body"),
        ("意 见", "body"),
        ("意见\n内容", "body"),
        ("\u3000联系电话：", "contact"),
        ("联系电话:", "contact"),
        ("提出人【选填】", "author_name"),
        ("条款［可不填］", "article"),
        ("备注＊", "note"),
    ],
)
def test_headers_are_normalised_before_matching(written, key):
    assert field_for(written) == key


def test_normalise_header():
    assert normalise_header(" 意见 内容（必填）： ") == "意见内容"
    assert normalise_header("ＡＢＣ １２") == "ABC12"


def test_title_rows_above_the_header_are_skipped():
    for titles in (0, 1, 2, 5):
        table = read_table("a.csv", corpus.csv_bytes(corpus.table(titles=titles)))
        layout = find_layout(table)
        assert layout.header_row == titles + 1
        assert layout.columns == {"article": 0, "body": 1, "author_name": 2, "contact": 3}
        assert layout.found == corpus.HEADER


def test_a_title_that_reads_like_a_single_header_is_not_taken_for_the_header():
    header = ["序号", "条款", "意见内容", "姓名"]
    layout = find_layout(rows(["意见建议"], header, ["1", "第一条", "意见内容足够", "王某"]))
    assert layout.header_row == 2
    assert layout.columns == {"article": 1, "body": 2, "author_name": 3}


def test_a_table_with_only_an_opinion_column():
    layout = find_layout(rows(["意见"], ["一条足够长的意见"]))
    assert (layout.header_row, layout.columns) == (1, {"body": 0})


def test_the_second_column_naming_a_field_is_ignored_and_listed():
    layout = find_layout(rows(["意见内容", "电话", "邮箱", "附件"]))
    assert layout.columns == {"body": 0, "contact": 1}
    assert layout.ignored == ["邮箱", "附件"]
    assert layout.found == ["意见内容", "电话", "邮箱", "附件"]


def test_the_header_must_be_among_the_first_twenty_rows():
    table = rows(*([["说明"]] * 20), ["意见内容"], ["一条足够长的意见"])
    with pytest.raises(FileError, match="没有找到意见内容列"):
        find_layout(table)


def test_a_missing_opinion_column_names_the_columns_found():
    found = rows([corpus.TITLE], ["序号", "姓名", "电话"], ["1", "王某", "13800138000"])
    table = RawTable("csv", "UTF-8", found)
    with pytest.raises(FileError) as caught:
        find_layout(table)
    assert "没有找到意见内容列" in caught.value.message
    assert "表头中找到的列：序号、姓名、电话" in caught.value.message
    assert "“意见”" in caught.value.message


def test_an_empty_table_says_so():
    with pytest.raises(FileError, match="没有内容"):
        find_layout(RawTable("csv", "UTF-8", []))


def test_find_layout_accepts_a_table_or_its_rows():
    table = read_table("a.csv", corpus.csv_bytes(corpus.table()))
    assert find_layout(table) == find_layout(table.rows)
