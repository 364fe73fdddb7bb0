"""Tests for Chinese numerals used in article, chapter and section labels."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult.drafts.numerals import MAX, MIN, from_chinese, to_chinese

EXAMPLES = [
    (1, "一"),
    (2, "二"),
    (9, "九"),
    (10, "十"),
    (11, "十一"),
    (19, "十九"),
    (20, "二十"),
    (21, "二十一"),
    (99, "九十九"),
    (100, "一百"),
    (101, "一百零一"),
    (105, "一百零五"),
    (110, "一百一十"),
    (111, "一百一十一"),
    (120, "一百二十"),
    (200, "二百"),
    (999, "九百九十九"),
    (1000, "一千"),
    (1001, "一千零一"),
    (1010, "一千零一十"),
    (1011, "一千零一十一"),
    (1100, "一千一百"),
    (1101, "一千一百零一"),
    (2020, "二千零二十"),
    (9999, "九千九百九十九"),
]


@pytest.mark.parametrize(("number", "numeral"), EXAMPLES)
def test_to_chinese_examples(number: int, numeral: str) -> None:
    assert to_chinese(number) == numeral


@pytest.mark.parametrize(("number", "numeral"), EXAMPLES)
def test_from_chinese_examples(number: int, numeral: str) -> None:
    assert from_chinese(numeral) == number


@given(st.integers(min_value=MIN, max_value=MAX))
def test_round_trip(number: int) -> None:
    assert from_chinese(to_chinese(number)) == number


@given(st.integers(min_value=MIN, max_value=MAX))
def test_arabic_digits_read_back(number: int) -> None:
    full_width = str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert from_chinese(str(number)) == number
    assert from_chinese(full_width) == number


def test_every_number_has_a_distinct_numeral() -> None:
    numerals = [to_chinese(n) for n in range(MIN, MAX + 1)]
    assert len(set(numerals)) == MAX
    assert all(from_chinese(text) == n for n, text in enumerate(numerals, start=MIN))


@pytest.mark.parametrize(
    ("numeral", "number"),
    [
        ("一十", 10),
        ("一十五", 15),
        ("两百", 200),
        ("两千", 2000),
        ("两千零二", 2002),
        ("两千两百", 2200),
        ("一百〇一", 101),
        ("一千〇一十", 1010),
        ("一百○五", 105),
        ("壹", 1),
        ("壹拾", 10),
        ("壹佰零壹", 101),
        ("贰仟叁佰肆拾伍", 2345),
        ("玖仟玖佰玖拾玖", 9999),
        ("10", 10),
        ("１０", 10),
        ("105", 105),
        ("  十二 ", 12),
        ("\u3000十二\u3000", 12),
    ],
)
def test_from_chinese_accepts_variants(numeral: str, number: int) -> None:
    assert from_chinese(numeral) == number


@pytest.mark.parametrize(
    "numeral",
    [
        "",
        "   ",
        "零",
        "〇",
        "0",
        "００",
        "-1",
        "+1",
        "1.5",
        "10000",
        "一万",
        "一百十",  # 110 is written 一百一十
        "一千零十",  # 1010 is written 一千零一十
        "一千零零一",
        "十十",
        "一二",
        "二〇",
        "百",
        "千",
        "一百零",
        "零一",
        "两",
        "两十",
        "十两",
        "二十两",
        "一十一百",
        "三条",
        "1百",
        "十1",
        "abc",
        "第一",
    ],
)
def test_from_chinese_rejects(numeral: str) -> None:
    with pytest.raises(ValueError):
        from_chinese(numeral)


@pytest.mark.parametrize("number", [0, -1, MAX + 1, 100000])
def test_to_chinese_rejects_out_of_range(number: int) -> None:
    with pytest.raises(ValueError):
        to_chinese(number)


@pytest.mark.parametrize("value", [1.0, "1", None, True])
def test_to_chinese_rejects_non_integers(value: object) -> None:
    with pytest.raises(TypeError):
        to_chinese(value)  # type: ignore[arg-type]


def test_from_chinese_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        from_chinese(10)  # type: ignore[arg-type]


@given(st.text(alphabet="零一二三四五六七八九十百千两", min_size=1, max_size=8))
def test_from_chinese_accepts_only_canonical_forms(numeral: str) -> None:
    try:
        value = from_chinese(numeral)
    except ValueError:
        return
    normal = numeral.replace("两", "二")
    canonical = to_chinese(value)
    assert normal == canonical or (10 <= value < 20 and normal == "一" + canonical)
