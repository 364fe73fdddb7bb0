"""Property: random rows written as XLSX and as CSV in each encoding come back through the importer."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.comments.operations import BODY_MIN
from consult.intake.headers import find_layout
from consult.intake.reading import read_table
from consult.intake.rows import build_rows
from consult.sanitize import plain_text
from tests.intake import corpus

# Common characters (all in GB2312, so every encoding can carry them) and the troublemakers:
# quotes, separators, line breaks, markup-like text, formula and leading-zero prefixes.
CHINESE = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
CHINESE += "子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两"
CHINESE += "条款意见建议书房开放罚款城市管理区街道社区联系点座谈会走访问卷来信延长时间志愿者服务保障经费"
TOKENS = [*CHINESE, *"0123456789abcXYZ", " ", "\u3000", '"', "'", ",", "，", ";", "；", "\t", "\n", "\r\n"]
TOKENS += ["=", "<", ">", "&", "<b>", "</b>", "。", "？", "！", "（", "）", "-", "+", "@", "%", "0123"]
ARTICLES = {"": None, "总体意见": None, "第三条": 3, "3": 3, "第10条": 10, "第 十 条": 10}
ARTICLES["第三十二条第二款"] = 32

text = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
prefixed = st.tuples(st.sampled_from(["", "=", "0123", " ", "\n"]), text).map("".join)
body = prefixed.filter(lambda value: BODY_MIN <= len(plain_text(value)) <= 500)
name = prefixed.filter(lambda value: len(plain_text(value)) <= 50)
row = st.tuples(st.sampled_from(sorted(ARTICLES)), body, name, prefixed)
rows = st.lists(row, min_size=1, max_size=8, unique_by=lambda r: (ARTICLES[r[0]], plain_text(r[1])))

HEADER = ["条款", "意见内容", "提出人", "备注"]
ENCODINGS = ["UTF-8", "UTF-8 (BOM)", "GB18030", "UTF-16"]


def files(data_rows: list[list[str]]) -> list[tuple[str, bytes, str | None]]:
    """The same table as XLSX (text cells) and as CSV in each encoding: (name, bytes, encoding)."""
    table = [HEADER, *data_rows]
    made = [("意见.xlsx", corpus.xlsx_bytes(table), None)]
    made += [("意见.csv", corpus.csv_bytes(table, encoding), encoding) for encoding in ENCODINGS]
    return made


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(rows)
def test_random_rows_come_back_unchanged(generated):
    data_rows = [list(values) for values in generated]
    for filename, data, encoding in files(data_rows):
        table = read_table(filename, data)
        assert table.encoding == encoding
        report = build_rows(table, find_layout(table), range(1, 33))
        assert report.errors == [], filename
        assert [r.row for r in report.rows] == list(range(2, len(data_rows) + 2))
        assert [r.body for r in report.rows] == [plain_text(values[1]) for values in data_rows], filename
        assert [r.article.number for r in report.rows] == [ARTICLES[values[0]] for values in data_rows]
        assert [r.author_name for r in report.rows] == [plain_text(values[2]) or None for values in data_rows]
        assert [r.note for r in report.rows] == [plain_text(values[3]) or None for values in data_rows]


# Any character but control characters (which no spreadsheet holds), with line breaks and tabs added back.
character = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from("\n\t")
cell = st.text(character, max_size=30)


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-8 (BOM)", "UTF-16"])
@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(cell, min_size=1, max_size=5), min_size=1, max_size=6))
def test_any_csv_cells_are_read_back_exactly(encoding, grid):
    table_rows = [["意见内容", "备注"], *grid]
    table = read_table("a.csv", corpus.csv_bytes(table_rows, encoding))
    expected = [(n, r) for n, r in enumerate(table_rows, start=1) if any(c.strip() for c in r)]
    assert table.rows == expected
