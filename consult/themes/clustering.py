"""Clusters of one article's comments by the keywords they share (pure, deterministic).

Greedy cover: the keyword most of the remaining comments raise starts a theme (its anchor) and takes
those comments (and those that use it in passing together with another of the theme's keywords); the
next one is chosen among the comments left, and so on, up to ``MAX_THEMES`` per article and while a
keyword is shared by at least ``MIN_SUPPORT`` comments. A theme's keywords are its
anchor and the words most of its comments share besides. Comments left over are in no theme (其他).
The same input always gives the same themes: every tie is broken by the word itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from consult.themes.keywords import KEYWORDS_PER_COMMENT

MAX_THEMES = 12
MIN_SUPPORT = 2
KEYWORDS_PER_THEME = 3
SHARED_SHARE = 0.3  # a second keyword is one at least this share of the theme's comments raise


@dataclass(frozen=True)
class Cluster:
    """A computed theme: the keyword that started it, its keywords (anchor first) and its comments."""

    anchor: str
    keywords: tuple[str, ...]
    comment_ids: tuple[int, ...]


def label_of(keywords: Iterable[str]) -> str:
    """The label a theme has until staff name it: its keywords."""
    return "、".join(list(keywords)[:KEYWORDS_PER_THEME])


def cluster(
    items: Iterable[tuple[int, list[str], Collection[str]]], max_themes: int = MAX_THEMES
) -> list[Cluster]:
    """Themes of one article's comments, given each comment's keywords (best first) and all its words;
    largest first. The anchor is chosen among the keywords; every comment left that uses it joins."""
    keywords: dict[int, list[str]] = {}
    used: dict[int, Collection[str]] = {}
    index: dict[str, set[int]] = defaultdict(set)
    weight: Counter[str] = Counter()  # how central a word is: its rank in each comment's keywords
    for comment_id, words, all_words in items:
        keywords[comment_id] = words
        used[comment_id] = all_words
        for rank, word in enumerate(words):
            index[word].add(comment_id)
            weight[word] += KEYWORDS_PER_COMMENT - rank
    found: list[Cluster] = []
    while len(found) < max_themes and index:
        anchor = max(index, key=lambda w: (len(index[w]), weight[w], w))
        if len(index[anchor]) < MIN_SUPPORT:
            break
        core = index[anchor]
        theme_keywords = _theme_keywords(anchor, [keywords[cid] for cid in sorted(core)])
        others = [w for w in theme_keywords if w != anchor]
        # A comment that uses the anchor without ranking it among its keywords joins when it uses another
        # of the theme's keywords too: "开放时间" said in passing joins; the article's subject alone does not.
        taken = sorted(
            cid
            for cid, all_words in used.items()
            if cid in core or (anchor in all_words and any(w in all_words for w in others))
        )
        found.append(Cluster(anchor, theme_keywords, tuple(taken)))
        for cid in taken:
            del used[cid]
            for word in keywords[cid]:
                left = index.get(word)
                if left is not None:
                    left.discard(cid)
                    if not left:
                        del index[word]
    return found


def _theme_keywords(anchor: str, member_keywords: list[list[str]]) -> tuple[str, ...]:
    """The anchor and the words a good share of the members raise, most central first."""
    count: Counter[str] = Counter()
    central: Counter[str] = Counter()
    for words in member_keywords:
        for rank, word in enumerate(words):
            count[word] += 1
            central[word] += KEYWORDS_PER_COMMENT - rank
    floor = max(MIN_SUPPORT, SHARED_SHARE * len(member_keywords))
    shared = [w for w in count if w == anchor or count[w] >= floor]
    shared.sort(key=lambda w: (-central[w], w))
    best = shared[:KEYWORDS_PER_THEME]
    return tuple(best if anchor in best else [anchor, *best[: KEYWORDS_PER_THEME - 1]])
