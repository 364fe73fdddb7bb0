"""Chinese numerals for article, chapter and section numbers (1..9999).

``to_chinese`` writes the form used in printed Chinese regulations (一百一十, 一千零一);
``from_chinese`` reads it back and also accepts the common variants found in drafts:
〇/○/零 for zero, 两 before 百/千, 一十 for ten, financial digits (壹贰叁…拾佰仟) and
ASCII or full-width Arabic digits ("10", "１０").  Anything else raises ``ValueError``.
"""

# i18n: data-module — numeral characters are data, not interface text.

import re

MIN = 1
MAX = 9999

DIGITS = "零一二三四五六七八九"
UNITS = ((1000, "千"), (100, "百"), (10, "十"))

# Every character that may appear inside a numeral, for use in regular expressions.
NUMERAL_CHARS = (
    "〇○零一二三四五六七八九十百千两兩壹贰貳叁參肆伍陆陸柒捌玖拾佰仟" + "0123456789０１２３４５６７８９"
)

_VARIANTS = str.maketrans(
    {
        "〇": "零",
        "○": "零",
        "壹": "一",
        "贰": "二",
        "貳": "二",
        "叁": "三",
        "參": "三",
        "肆": "四",
        "伍": "五",
        "陆": "六",
        "陸": "六",
        "柒": "七",
        "捌": "八",
        "玖": "九",
        "拾": "十",
        "佰": "百",
        "仟": "千",
    }
)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ARABIC = re.compile(r"[0-9]+")
_LIANG = re.compile(r"[两兩](?=[百千])")
_UNIT_VALUES = {"十": 10, "百": 100, "千": 1000}


def to_chinese(n: int) -> str:
    """Return the printed Chinese numeral for ``n`` (1..9999), e.g. 110 -> 一百一十."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if not MIN <= n <= MAX:
        raise ValueError(f"{n} is outside {MIN}..{MAX}")
    if 10 <= n < 20:
        return "十" + (DIGITS[n - 10] if n > 10 else "")
    parts: list[str] = []
    rest = n
    for value, unit in UNITS:
        digit, rest = divmod(rest, value)
        if digit:
            parts.append(DIGITS[digit] + unit)
        elif parts and rest:
            parts.append("零")
    if rest:
        parts.append(DIGITS[rest])
    return "".join(parts).replace("零零", "零")


def from_chinese(s: str) -> int:
    """Read a Chinese or Arabic numeral (1..9999) such as 一百零一, 两百, 壹拾, "12" or "１２"."""
    if not isinstance(s, str):
        raise TypeError(f"expected a str, got {type(s).__name__}")
    text = s.strip().translate(_FULL_WIDTH_DIGITS)
    value = int(text) if _ARABIC.fullmatch(text) else _read_chinese(text)
    if not MIN <= value <= MAX:
        raise ValueError(f"{s!r} is outside {MIN}..{MAX}")
    return value


def _read_chinese(text: str) -> int:
    """Value of a Chinese numeral written in the canonical form (after normalising variants)."""
    normal = _LIANG.sub("二", text.translate(_VARIANTS))
    value = _loose_value(normal)
    if not MIN <= value <= MAX:
        raise ValueError(f"{text!r} is outside {MIN}..{MAX}")
    accepted = {to_chinese(value)}
    if 10 <= value < 20:
        accepted.add("一" + to_chinese(value))
    if normal not in accepted:
        raise ValueError(f"{text!r} is not a well-formed Chinese numeral")
    return value


def _loose_value(text: str) -> int:
    """Add up digit×unit pairs without checking the order; the caller validates the form."""
    if not text:
        raise ValueError("empty numeral")
    total = 0
    digit: int | None = None
    for ch in text:
        if ch in _UNIT_VALUES:
            total += (1 if digit is None else digit) * _UNIT_VALUES[ch]
            digit = None
        elif ch in DIGITS:
            digit = DIGITS.index(ch) or None
        else:
            raise ValueError(f"{ch!r} is not a Chinese numeral character")
    return total + (digit or 0)
