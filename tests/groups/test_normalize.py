"""Normalisation before shingling: width, punctuation, numerals, filler."""

from __future__ import annotations

import pytest

from consult.groups.normalize import chinese_number, normalize, quantities


@pytest.mark.parametrize(
    "text, expected",
    [
        ("延长到晚上十点！望采纳。", "延长到晚上10点"),
        ("延长到晚上１０点, 谢谢", "延长到晚上10点"),
        ("开到22:00", "开到22点"),
        ("罚款三万五千元", "罚款35000元"),
        ("ＡＢＣ 小区", "abc小区"),
        ("一些居民", "一些居民"),  # 一 before no unit is a word, not a number
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "run, value", [("十", 10), ("二十二", 22), ("一百", 100), ("两万", 20000), ("十二万", 120000)]
)
def test_chinese_number(run, value):
    assert chinese_number(run) == value


def test_quantities_by_unit():
    assert quantities(normalize("八点开门，十点关门，罚款五百元")) == {
        "点": frozenset({"8", "10"}),
        "元": frozenset({"500"}),
    }
