"""Match a revised text's articles to the existing articles: same or similar text, best pairs first.

Matching by label or position breaks as soon as an article is inserted; text similarity survives
renumbering and moves. Staff can correct the proposal in the authoring preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from consult.i18n import _

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
        for i, (_old_id, old_text) in enumerate(old):
            score = similarity(old_text, new_text)
            if score >= threshold:
                pairs.append((score, -abs(i - j), i, j))
    pairs.sort(reverse=True)
    taken_old: set[int] = set()
    result: list[int | None] = [None] * len(new)
    for _score, _distance, i, j in pairs:
        if i in taken_old or result[j] is not None:
            continue
        taken_old.add(i)
        result[j] = old[i][0]
    return result


def match_problems(
    matches: Sequence[int | None], new_labels: Sequence[str], allowed: set[int]
) -> dict[str, str]:
    """What is wrong with a staff-corrected list of matches, by form field (``match-<index>``).

    One entry per new article; each must be None (a new article) or an article of this draft
    (`allowed`), and no old article may be continued by two new ones.
    """
    if len(matches) != len(new_labels):
        return {"matches": _("条文对应关系与修改稿的条文数量不一致，请重新预览后再保存")}
    problems: dict[str, str] = {}
    first_use: dict[int, int] = {}
    for j, article_id in enumerate(matches):
        if article_id is None:
            continue
        if article_id not in allowed:
            problems[f"match-{j}"] = _("%(label)s：所选原条文不属于本草案", label=new_labels[j])
        elif article_id in first_use:
            problems[f"match-{j}"] = _(
                "%(label)s：所选原条文已对应到%(other)s，一条原条文只能对应一条新条文",
                label=new_labels[j],
                other=new_labels[first_use[article_id]],
            )
        else:
            first_use[article_id] = j
    return problems


@dataclass(frozen=True)
class OldArticle:
    """An article of the current version, as the version preview offers it."""

    article_id: int
    label: str
    text: str


@dataclass(frozen=True)
class MatchRow:
    """One article of the revised text and the old article it continues (None: a new article)."""

    index: int
    label: str
    text: str
    chosen: OldArticle | None
    suggested_id: int | None
    score: float

    @property
    def kind(self) -> str:
        """new, unchanged, renumbered (same text under another label or place) or modified."""
        if self.chosen is None:
            return "new"
        if self.score >= 1.0:
            return "unchanged" if self.chosen.label == self.label else "renumbered"
        return "modified"

    @property
    def corrected(self) -> bool:
        """Whether the choice differs from the automatic proposal."""
        return (self.chosen.article_id if self.chosen else None) != self.suggested_id


def review_matches(
    old: Sequence[OldArticle], new: Sequence[tuple[str, str]], chosen: Sequence[int | None] | None = None
) -> tuple[list[MatchRow], list[OldArticle]]:
    """Rows of (new article, chosen old article, similarity) and the old articles left out (deleted).

    `new` is a list of (label, text); `chosen` the staff's choices (None: take the automatic ones).
    Ids that are not among `old` are shown as no match; match_problems reports them.
    """
    suggested = match_articles([(a.article_id, a.text) for a in old], [text for _label, text in new])
    picks = list(chosen) if chosen is not None and len(chosen) == len(new) else suggested
    by_id = {a.article_id: a for a in old}
    rows = []
    for j, ((label, text), pick) in enumerate(zip(new, picks, strict=True)):
        target = by_id.get(pick) if pick is not None else None
        score = similarity(target.text, text) if target else 0.0
        rows.append(MatchRow(j, label, text, target, suggested[j], score))
    used = {row.chosen.article_id for row in rows if row.chosen}
    return rows, [a for a in old if a.article_id not in used]
