"""Keywords of comments: words cut by rjieba, legal boilerplate left out, weighed by TF-IDF.

Pure (no database, no outside service): the same texts always give the same keywords. A comment's
keywords are its words with the highest TF-IDF, where the document frequency is counted over the
draft's comments (``DocumentFrequency``), so a word every comment uses (the draft's subject) weighs
little and the words that set a comment apart weigh most.
"""

# i18n: data-module — a stop list and a pattern compared with what people wrote, never shown.

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

KEYWORDS_PER_COMMENT = 4
WORD_MAX = 12  # longer "words" are runs rjieba could not cut (numbers, links): never keywords

# Words that say nothing about what a comment raises: legal boilerplate, the forms of a letter, and
# function words rjieba keeps whole. Single characters are left out anyway.
STOP_WORDS = frozenset(
    """
    本条例 条例 本条 此条 该条 本款 本法 法规 草案 规定 应当 应该 可以 不得 必须 需要 有关 有关部门 部门
    相关 建议 希望 意见 提出 认为 觉得 恳请 采纳 此致 敬礼 您好 你好 谢谢 感谢 本人 我们 你们 他们 自己
    一个 这个 那个 这些 那些 这样 那样 什么 怎么 如何 是否 没有 不是 就是 还是 或者 以及 并且 而且 但是
    因为 所以 如果 虽然 同时 其中 方面 等等 进行 通过 对于 关于 由于 按照 根据 目前 现在 已经 非常 特别
    比较 更加 进一步 一些 有些 很多 许多 能够 可能 问题 情况 工作 内容 具体 明确 第一 第二 第三 以上 以下
    之前 之后 然后 还有 一下 一定 不能 不会 不要 只有 只要 所有 其他 其它 以便 及时 有效 加以 正在 以后
    以前 重新 全面 明确 明确规定 每天 一直 经常 总是 这里 那里 一点 时候 地方 大家 市民 居民 现行
    """.split()  # noqa: SIM905 (a list of words reads better as words)
)
ARTICLE_LABEL = re.compile(r"^第[一二三四五六七八九十百零〇两\d]+[条款项章节]$")
HAS_WORD = re.compile(r"[\u3400-\u9fff]|[a-z]{2,}")


def _normal(text: str) -> str:
    # full-width digits and letters as half-width, one case: ５万元 and 5万元 are one word
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> list[str]:
    """The words of a text that can be keywords, in order (repeats kept)."""
    # rjieba's dictionary (about 33 MB) is loaded by the process that computes themes, when it does
    import rjieba

    found = []
    for word in rjieba.cut(_normal(text)):
        word = word.strip()
        if (
            2 <= len(word) <= WORD_MAX
            and word not in STOP_WORDS
            and HAS_WORD.search(word)
            and not ARTICLE_LABEL.match(word)
        ):
            found.append(word)
    return found


class DocumentFrequency:
    """How many of a draft's comments use each word: the IDF of TF-IDF."""

    def __init__(self) -> None:
        self.documents = 0
        self.counts: Counter[str] = Counter()

    def add(self, text_words: Iterable[str]) -> None:
        """Count one comment's words (each once)."""
        self.documents += 1
        self.counts.update(set(text_words))

    def idf(self, word: str) -> float:
        """Smoothed inverse document frequency (a word never seen weighs most)."""
        return math.log((1 + self.documents) / (1 + self.counts.get(word, 0))) + 1.0


def top_keywords(text_words: list[str], df: DocumentFrequency, k: int = KEYWORDS_PER_COMMENT) -> list[str]:
    """A comment's ``k`` words of highest TF-IDF, best first (ties: the word's first use)."""
    if not text_words:
        return []
    tf = Counter(text_words)
    first = {}
    for i, word in enumerate(text_words):
        first.setdefault(word, i)
    total = len(text_words)
    ranked = sorted(tf, key=lambda w: (-(tf[w] / total) * df.idf(w), first[w]))
    return ranked[:k]
