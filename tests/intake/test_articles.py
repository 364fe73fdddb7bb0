"""parse_article_ref: article references as people write them in a 条款 column."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult.drafts.numerals import to_chinese
from consult.intake.articles import ArticleRef, parse_article_ref


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("第十条", 10),
        ("第10条", 10),
        ("第 十 条", 10),
        ("第１０条", 10),
        ("10", 10),
        ("10.0", 10),
        (" 10 ", 10),
        ("１０", 10),
        ("十", 10),
        ("十条", 10),
        ("第十", 10),
        ("第十条第二款", 10),
        ("第十条第（二）项", 10),
        ("第十条第(二)项", 10),
        ("第十条第二款第（三）项", 10),
        ("第一百零一条", 101),
        ("第一条", 1),
        ("第三十二条", 32),
        ("第两百条", 200),
        ("第拾条", 10),
    ],
)
def test_article_references(raw, number):
    assert parse_article_ref(raw) == ArticleRef("article", number, raw.strip())


GENERAL = ["总体意见", "全文", "总体", "整体", "无", "", "  ", None, "整体意见", "—", "/"]


@pytest.mark.parametrize("raw", GENERAL)
def test_references_to_the_whole_draft(raw):
    ref = parse_article_ref(raw)
    assert (ref.kind, ref.number) == ("general", None)


@pytest.mark.parametrize(
    "raw",
    [
        "第十章",
        "附则",
        "第三条、第五条",
        "第三条至第五条",
        "10.5",
        "0",
        "第零条",
        "第十条规定",
        "第十条第二款、第三款",
        "第一万条",
        "十一十",
        "abc",
        "条",
        "第条",
    ],
)
def test_anything_else_is_invalid_and_kept_for_the_message(raw):
    assert parse_article_ref(raw) == ArticleRef("invalid", None, raw)


@given(st.integers(min_value=1, max_value=9999))
def test_every_printed_label_and_number_is_read_back(n):
    assert parse_article_ref(f"第{to_chinese(n)}条").number == n
    assert parse_article_ref(str(n)).number == n
    assert parse_article_ref(f"{n}.0").number == n
