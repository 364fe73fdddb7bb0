"""The comparison table (修改对照表) between two versions of a draft, article by article.

Articles are matched by their stable identity (ArticleText.article_id), never by label or place: an
article that was only renumbered or moved is unchanged. A modified article carries a character-level
diff (Chinese has no spaces to split words on), with short equal runs between two changes merged
into the change so that the marks read as phrases rather than confetti.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.drafts.queries import by_slug
from consult.errors import ValidationError
from consult.i18n import _
from consult.models import ArticleText, Draft, DraftVersion

KINDS = ("unchanged", "modified", "added", "removed")
# An equal run this short between two changes is folded into them (e.g. a lone 的 or 和).
MERGE_EQUAL_BELOW = 3
# Below this similarity the texts are shown as wholly replaced: a scatter of matches helps no one.
WHOLE_REPLACE_BELOW = 0.2
VERSION_NUMBER_MAX = 100_000


class NothingToCompare(ValidationError):
    """The draft has a single version: there is no revision to show."""


@dataclass(frozen=True)
class Segment:
    """A run of the diff: equal text, text only in the old version (delete) or only in the new (insert)."""

    op: str
    text: str


@dataclass(frozen=True)
class ArticleSide:
    """One article as one version prints it."""

    article_id: int
    label: str
    chapter: str | None
    section: str | None
    text: str


@dataclass(frozen=True)
class Change:
    """One row of the table: an article in the old version, the new one, or both."""

    kind: str
    article_id: int
    old: ArticleSide | None
    new: ArticleSide | None
    diff: list[Segment] = field(default_factory=list)
    moved: bool = False

    @property
    def renumbered(self) -> bool:
        """Whether the article kept its text under another label."""
        return self.old is not None and self.new is not None and self.old.label != self.new.label

    @property
    def old_segments(self) -> list[Segment]:
        """What the old column shows: equal and deleted runs."""
        return [s for s in self.diff if s.op != "insert"]

    @property
    def new_segments(self) -> list[Segment]:
        """What the new column shows: equal and inserted runs."""
        return [s for s in self.diff if s.op != "delete"]


@dataclass(frozen=True)
class Comparison:
    """Two versions of a public draft and the changes between them, in the new version's order."""

    draft: Draft
    old_version: DraftVersion
    new_version: DraftVersion
    versions: list[DraftVersion]
    changes: list[Change]

    @property
    def counts(self) -> dict[str, int]:
        """Rows by kind (modified, added, removed, unchanged)."""
        counts = dict.fromkeys(KINDS, 0)
        for change in self.changes:
            counts[change.kind] += 1
        return counts


def _normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def char_diff(old: str, new: str) -> list[Segment]:
    """The character-level difference of two texts as equal / delete / insert segments, in order.

    A replacement gives its delete segment before its insert segment; equal runs shorter than
    MERGE_EQUAL_BELOW characters between two changes are folded into the change.
    """
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    if old and new and matcher.ratio() < WHOLE_REPLACE_BELOW:
        return [Segment("delete", old), Segment("insert", new)]
    # (old_start, old_end, new_start, new_end, changed)
    runs: list[list] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        if runs and runs[-1][4] and changed:
            runs[-1][1], runs[-1][3] = i2, j2
        else:
            runs.append([i1, i2, j1, j2, changed])
    merged: list[list] = []
    for index, run in enumerate(runs):
        short_gap = (
            not run[4]
            and run[1] - run[0] < MERGE_EQUAL_BELOW
            and 0 < index < len(runs) - 1
            and merged
            and merged[-1][4]
        )
        if short_gap or (run[4] and merged and merged[-1][4]):
            merged[-1][1], merged[-1][3] = run[1], run[3]
        else:
            merged.append(list(run))
    segments: list[Segment] = []
    for i1, i2, j1, j2, changed in merged:
        if not changed:
            segments.append(Segment("equal", old[i1:i2]))
            continue
        if i2 > i1:
            segments.append(Segment("delete", old[i1:i2]))
        if j2 > j1:
            segments.append(Segment("insert", new[j1:j2]))
    return segments


def _moved_ids(old_order: list[int], new_order: list[int]) -> set[int]:
    """Articles in both versions whose place among the others changed (not in the longest common run)."""
    common = set(old_order) & set(new_order)
    old_seq = [a for a in old_order if a in common]
    rank = {a: i for i, a in enumerate(old_seq)}
    seq = [rank[a] for a in new_order if a in common]
    # Longest increasing subsequence of old ranks, in new order: these kept their relative place.
    tails: list[int] = []
    tails_at: list[int] = []
    parent = [-1] * len(seq)
    for i, value in enumerate(seq):
        pos = bisect_left(tails, value)
        if pos == len(tails):
            tails.append(value)
            tails_at.append(i)
        else:
            tails[pos] = value
            tails_at[pos] = i
        parent[i] = tails_at[pos - 1] if pos > 0 else -1
    kept: set[int] = set()
    i = tails_at[-1] if tails_at else -1
    while i >= 0:
        kept.add(old_seq[seq[i]])
        i = parent[i]
    return common - kept


def compare_articles(old: Sequence[ArticleSide], new: Sequence[ArticleSide]) -> list[Change]:
    """The rows of the table: the new version's order, each removed article where it stood."""
    old_by_id = {a.article_id: a for a in old}
    new_ids = {a.article_id for a in new}
    moved = _moved_ids([a.article_id for a in old], [a.article_id for a in new])
    # A removed article follows the nearest article before it that the new version keeps in place
    # (one that moved would take it along to somewhere it never stood).
    removed_after: dict[int | None, list[ArticleSide]] = {}
    anchor: int | None = None
    for article in old:
        if article.article_id in new_ids:
            if article.article_id not in moved:
                anchor = article.article_id
        else:
            removed_after.setdefault(anchor, []).append(article)

    def removed(anchor_id: int | None) -> list[Change]:
        return [Change("removed", a.article_id, a, None) for a in removed_after.get(anchor_id, [])]

    changes = removed(None)
    for article in new:
        before = old_by_id.get(article.article_id)
        if before is None:
            changes.append(Change("added", article.article_id, None, article))
        elif _normalised(before.text) == _normalised(article.text):
            changes.append(
                Change("unchanged", article.article_id, before, article, moved=article.article_id in moved)
            )
        else:
            diff = char_diff(_normalised(before.text), _normalised(article.text))
            changes.append(
                Change("modified", article.article_id, before, article, diff, article.article_id in moved)
            )
        changes.extend(removed(article.article_id))
    return changes


def parse_version_number(raw: str | int | None, name: str) -> int | None:
    """A version number from a query parameter (None when absent), or a validation error naming it."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= VERSION_NUMBER_MAX:
        raise ValidationError(
            _("参数 %(name)s 必须是版本号（正整数）", name=name), {name: _("必须是版本号（正整数）")}
        )
    return int(text)


def _sides(session: Session, version: DraftVersion) -> list[ArticleSide]:
    rows = session.scalars(
        select(ArticleText).where(ArticleText.version_id == version.id).order_by(ArticleText.order)
    )
    return [ArticleSide(t.article_id, t.label, t.chapter, t.section, t.text) for t in rows]


def compare_versions(
    session: Session, slug: str, from_number: str | int | None = None, to_number: str | int | None = None
) -> Comparison:
    """Compare two versions of a public draft by number (default: the previous and the current one).

    NotFound for a draft that is not public; ValidationError for a malformed, unknown or equal pair of
    numbers; NothingToCompare when the draft has a single version.
    """
    old_number = parse_version_number(from_number, "from")
    new_number = parse_version_number(to_number, "to")
    draft = by_slug(slug, public=True, session=session)
    versions = list(
        session.scalars(
            select(DraftVersion).where(DraftVersion.draft_id == draft.id).order_by(DraftVersion.number)
        )
    )
    if len(versions) < 2:
        raise NothingToCompare(
            _("本草案目前只有一个版本，暂无修改对照表。"), {"from": _("本草案只有一个版本")}
        )
    by_number = {v.number: v for v in versions}
    errors: dict[str, str] = {}
    for name, number in (("from", old_number), ("to", new_number)):
        if number is not None and number not in by_number:
            errors[name] = _("本草案没有第%(n)d版", n=number)
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    if new_number is None:
        # Only `from` given: compare it with the current version, or with the next when it is the current.
        new_number = versions[-1].number
        if old_number == new_number:
            old_number, new_number = versions[-2].number, new_number
    if old_number is None:
        earlier = [v.number for v in versions if v.number < new_number]
        if not earlier:
            raise ValidationError(
                _("第%(n)d版之前没有更早的版本，请选择要对照的版本", n=new_number), {"from": _("请选择版本")}
            )
        old_number = earlier[-1]
    if old_number == new_number:
        raise ValidationError(_("请选择两个不同的版本进行对照"), {"to": _("与对照的版本相同")})
    old_version, new_version = by_number[old_number], by_number[new_number]
    changes = compare_articles(_sides(session, old_version), _sides(session, new_version))
    return Comparison(draft, old_version, new_version, versions, changes)
