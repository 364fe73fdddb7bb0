"""The text as grouping compares it: width, case, punctuation, numerals and filler made alike.

A campaign text forwarded with small edits differs in ways that say nothing about the opinion:
full-width letters, punctuation, 十点 for 10点, an added 望采纳 or 谢谢. ``normalize`` removes those
differences; ``quantities`` reads the numbers with their units, so a verification can tell 八点 from
十点 even where the rest of the text is the same.
"""

# i18n: data-module — numerals, units, filler and stance words are data, not interface text.

from __future__ import annotations

import re
import unicodedata

# Courtesy phrases that campaign forwarders add or drop; longest first, so 希望采纳 goes before 采纳.
FILLER = tuple(
    sorted(
        (
            "望采纳",
            "希望采纳",
            "恳请采纳",
            "请采纳",
            "请予采纳",
            "望予采纳",
            "敬请采纳",
            "盼采纳",
            "谢谢",
            "谢谢你们",
            "感谢",
            "非常感谢",
            "此致敬礼",
            "此致",
            "敬礼",
            "盼复",
            "请领导重视",
            "请领导考虑",
            "望重视",
        ),
        key=len,
        reverse=True,
    )
)
_FILLER = re.compile("|".join(map(re.escape, FILLER)))

# Measure words after which a run of Chinese numerals is a number (十点, 三万元, 两个小时).
UNITS = (
    "个月",
    "小时",
    "分钟",
    "分贝",
    "公里",
    "平方米",
    "点",
    "时",
    "元",
    "块",
    "米",
    "天",
    "日",
    "月",
    "年",
    "岁",
    "周",
    "次",
    "倍",
    "辆",
    "人",
    "个",
    "成",
    "%",
)
_UNIT = "|".join(map(re.escape, UNITS))
_DIGIT = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_RUN = re.compile(f"([零〇一二两三四五六七八九十百千万]+)(?=(?:{_UNIT}))")
_CLOCK = re.compile(r"(\d{1,2})[:：]00(?!\d)")
_QUANTITY = re.compile(rf"(\d+(?:\.\d+)?)({_UNIT})")
_DROP_CATEGORIES = ("P", "S", "Z", "C")  # punctuation, symbols, spaces, controls
_KEEP = frozenset("%")


def chinese_number(run: str) -> int | None:
    """The value of a run of Chinese numerals (十 → 10, 三万五千 → 35000, 二十二 → 22), or None."""
    total, section, digit = 0, 0, None
    for ch in run:
        if ch in _DIGIT:
            # 一二 (digits in a row, not a number with units): read them digit by digit
            digit = _DIGIT[ch] if digit is None else digit * 10 + _DIGIT[ch]
        elif ch in _SMALL_UNIT:
            section += (1 if digit is None else digit) * _SMALL_UNIT[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0) or 1) * 10_000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _arabic(match: re.Match) -> str:
    value = chinese_number(match.group(1))
    return match.group(1) if value is None else str(value)


def normalize(text: str) -> str:
    """The text as compared: NFKC (full to half width), lower case, 10:00 → 10点, Chinese numerals
    before a unit in Arabic digits, no filler, no punctuation, symbols or spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _FILLER.sub("", text)
    text = _CLOCK.sub(r"\1点", text)
    text = _CN_RUN.sub(_arabic, text)
    return "".join(
        ch for ch in text if ch in _KEEP or not unicodedata.category(ch).startswith(_DROP_CATEGORIES)
    )


def quantities(normalized: str) -> dict[str, frozenset[str]]:
    """The numbers of a normalized text by unit: {"点": {"10"}, "元": {"500"}}."""
    found: dict[str, set[str]] = {}
    for value, unit in _QUANTITY.findall(normalized):
        found.setdefault(unit, set()).add(value)
    return {unit: frozenset(values) for unit, values in found.items()}
