"""Match a revised text's articles to the existing articles: same or similar text, best pairs first.

Matching by label or position breaks as soon as an article is inserted; text similarity survives
renumbering and moves. Staff can correct the proposal in the authoring preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

SIMILAR_ENOUGH = 0.55


def similarity(a: str, b: str) -> float:
    """A 0..1 similarity of two article texts (character-level, ignoring white space)."""
    a, b = "".join(a.split()), "".join(b.split())
    if a == b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR_ENOUGH or matcher.quick_ratio() < SIMILAR_ENOUGH:
        return 0.0
    return matcher.ratio()


def match_articles(
    old: Sequence[tuple[int, str]], new: Sequence[str], threshold: float = SIMILAR_ENOUGH
) -> list[int | None]:
    """For each new text, the id of the old article it continues, or None for a new article.

    `old` is a list of (article_id, text). Each old article is used at most once; the most similar
    pairs are taken first, and ties go to the pair closest in position.
    """
    pairs: list[tuple[float, int, int, int]] = []
    for j, new_text in enumerate(new):
        for i, (_, old_text) in enumerate(old):
            score = similarity(old_text, new_text)
            if score >= threshold:
                pairs.append((score, -abs(i - j), i, j))
    pairs.sort(reverse=True)
    taken_old: set[int] = set()
    result: list[int | None] = [None] * len(new)
    for _, _, i, j in pairs:
        if i in taken_old or result[j] is not None:
            continue
        taken_old.add(i)
        result[j] = old[i][0]
    return result
