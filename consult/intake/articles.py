"""Article references as people write them in a 条款 column: 第十条, 第10条, 十, 10, 第十条第二款, 总体意见.

A reference names one article of the draft (by its printed number) or the draft as a whole; anything
else is reported back to the operator rather than guessed (第三条、第五条 names two articles, and which
one an opinion belongs to is a person's decision).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from consult.drafts.numerals import NUMERAL_CHARS, from_chinese

# Words that mean "the draft as a whole"; a dash or slash is how tables say "not applicable".
GENERAL_WORDS = frozenset(
    {
        *("总体意见", "整体意见", "全文意见", "综合意见", "总体", "整体"),  # i18n: data
        *("全文", "通篇", "综合", "无"),  # i18n: data
        *("-", "--", "—", "——", "/", "\\"),
    }
)

_NUMERAL = "[" + re.escape(NUMERAL_CHARS) + "]+"
_DECIMAL = re.compile(r"(\d+)(?:\.0+)?")
# After NFKC and without white space: 第十条, 第10条, 十, 十条, 第十条第二款, 第十条第(二)项 …
_REFERENCE = re.compile(
    "第?(" + _NUMERAL + ")条?((?:第?\\(?" + _NUMERAL + "\\)?[款项目])*)"  # i18n: data
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ArticleRef:
    """A parsed reference: ``general`` (the whole draft), ``article`` with its number, or ``invalid``."""

    kind: Literal["general", "article", "invalid"]
    number: int | None
    text: str


def parse_article_ref(raw: str | None) -> ArticleRef:
    """Read a 条款 cell; 第十条第二款 → article 10, 总体意见 or empty → general, 第十章 → invalid."""
    text = (raw or "").strip()
    compact = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    if not compact or compact in GENERAL_WORDS:
        return ArticleRef("general", None, text)
    decimal = _DECIMAL.fullmatch(compact)
    match = _REFERENCE.fullmatch(compact)
    numeral = decimal.group(1) if decimal else match.group(1) if match else None
    if numeral is None:
        return ArticleRef("invalid", None, text)
    try:
        return ArticleRef("article", from_chinese(numeral), text)
    except ValueError:
        return ArticleRef("invalid", None, text)
