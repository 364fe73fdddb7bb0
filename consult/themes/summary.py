"""The drafted summary of opinions (意见汇总草稿): per article, its themes with counts and quotations.

Counting: a group of near-duplicates (consult/groups, two or more members) is one opinion, shown once
with "共N条" beside its quotation; comments are counted too, and by channel. One streamed pass over the
draft's counted comments (pending and published, as for the themes) with their theme and group gives
every figure; the quotations' texts are then read for a few candidates per theme only, so a draft of
100,000 comments is summarised from ids and a few hundred texts. Only published comments are quoted:
a pending one has not been moderated yet (it may carry personal data or abuse), though it is counted.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select

from consult.comments.review_queries import draft_review, review_place
from consult.extensions import db
from consult.i18n import _
from consult.models import Comment, CommentGroup, Draft, GroupMember, Theme, ThemeMember
from consult.models.counts import GENERAL
from consult.models.themes import SummarySection
from consult.themes.build import BATCH, COUNTED
from consult.themes.queries import shown_label, summary_state
from consult.vocabulary import CHANNELS, channel_label

QUOTES_PER_THEME = 2
CANDIDATES = 30  # opinions per theme whose texts are read to choose the quotations
QUOTE_MAX = 200  # characters of a quotation; longer ones end with "…"


@dataclass(frozen=True)
class Quote:
    """A quoted comment: its id, text (the public copy when one was masked) and, for a group, its size."""

    comment_id: int
    text: str
    group_size: int | None = None


@dataclass
class ThemeSummary:
    """A theme in the summary: comments, opinions (a group counted once) and quotations."""

    id: int
    label: str
    keywords: list[str]
    comments: int = 0
    opinions: int = 0
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class Section:
    """One article's section (article_id None: the general opinions)."""

    article_id: int | None
    label: str
    removed: bool = False
    comments: int = 0
    opinions: int = 0
    channels: Counter = field(default_factory=Counter)
    themes: list[ThemeSummary] = field(default_factory=list)
    other_comments: int = 0
    other_opinions: int = 0
    drafted: str = ""  # the text the platform drafts from the figures
    edited: str | None = None  # staff's text instead, if any

    @property
    def text(self) -> str:
        """What the section says: staff's text, else the drafted one."""
        return self.edited if self.edited is not None else self.drafted

    @property
    def version(self) -> str:
        """The version of staff's text the page shows (section_version), sent back with the form."""
        return section_version(self.edited)

    @property
    def channel_counts(self) -> list[tuple[str, str, int]]:
        """(channel, Chinese name, comments) in the vocabulary's order, channels with none left out."""
        return [(c, channel_label(c), self.channels[c]) for c in CHANNELS if self.channels.get(c)]


def section_version(edited: str | None) -> str:
    """A short fingerprint of a section's saved text (None: none saved, the drafted text shows).

    The edit form carries the version it showed; a save over a text a colleague has changed since is
    refused (consult/themes/operations.edit_section) instead of silently replacing their words.
    """
    if edited is None:
        return "drafted"
    return hashlib.sha256(edited.encode()).hexdigest()[:16]


@dataclass
class OpinionSummaryView:
    """A draft's summary as it stands, with its sign-off (None: a draft, 草稿)."""

    draft: Draft
    sections: list[Section]
    signed_off_at: datetime | None
    signed_off_by: str | None
    changed_at: datetime | None
    themes_built_at: datetime | None

    @property
    def signed_off(self) -> bool:
        """Whether a staff member signed it off as it now stands."""
        return self.signed_off_at is not None


class _Tally:
    """Counting one theme's (or one article's unthemed) comments, a group once."""

    def __init__(self) -> None:
        self.comments = 0
        # group id → [members here, lowest published member's id (None: none published, not quoted)]
        self.groups: dict[int, list] = {}
        self.singles: list[int] = []  # a max-heap (negated) of the lowest published ids: candidates

    def add(self, comment_id: int, group_id: int | None, published: bool) -> None:
        self.comments += 1
        if group_id is None:
            if published:
                heapq.heappush(self.singles, -comment_id)
                if len(self.singles) > CANDIDATES:
                    heapq.heappop(self.singles)
            return
        entry = self.groups.setdefault(group_id, [0, None])
        entry[0] += 1
        if published and (entry[1] is None or comment_id < entry[1]):
            entry[1] = comment_id

    @property
    def opinions(self) -> int:
        return self.comments - sum(n for n, _first in self.groups.values()) + len(self.groups)

    def candidates(self) -> list[tuple[int, int]]:
        """(size, comment id) of the largest opinions, then the earliest single comments (published)."""
        quotable = ((n, first) for n, first in self.groups.values() if first is not None)
        grouped = sorted(quotable, key=lambda x: (-x[0], x[1]))
        singles = sorted(-c for c in self.singles)
        return (grouped + [(1, c) for c in singles])[:CANDIDATES]


def _rows(draft_id: int):
    """(article key, channel, theme id, comment id, group id, status) of each counted comment, streamed."""
    group = and_(CommentGroup.id == GroupMember.group_id, CommentGroup.size >= 2)
    query = (
        select(
            func.coalesce(Comment.article_id, GENERAL),
            Comment.channel,
            ThemeMember.theme_id,
            Comment.id,
            CommentGroup.id,
            Comment.status,
        )
        .outerjoin(ThemeMember, ThemeMember.comment_id == Comment.id)
        .outerjoin(GroupMember, GroupMember.comment_id == Comment.id)
        .outerjoin(CommentGroup, group)
        .where(Comment.draft_id == draft_id, Comment.status.in_(COUNTED))
    )
    return db.session.execute(query.execution_options(yield_per=BATCH))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


def _quotes(tally: _Tally, keywords: list[str]) -> list[Quote]:
    """The largest opinions, the one raising most of the theme's keywords first among equals."""
    candidates = tally.candidates()
    if not candidates:
        return []
    ids = [cid for _n, cid in candidates]
    texts = dict(
        db.session.execute(
            select(Comment.id, func.coalesce(Comment.masked_body, Comment.body)).where(Comment.id.in_(ids))
        ).all()
    )

    def rank(candidate: tuple[int, int]):
        size, cid = candidate
        hits = sum(1 for word in keywords if word in texts.get(cid, ""))
        return (-size, -hits, cid)

    chosen = sorted(candidates, key=rank)[:QUOTES_PER_THEME]
    return [Quote(cid, _clip(texts.get(cid, "")), size if size > 1 else None) for size, cid in chosen]


def drafted_text(section: Section) -> str:
    """The section's text as the platform drafts it, for staff to edit."""
    channels = _("、").join(_("%(c)s%(n)d条", c=name, n=n) for _c, name, n in section.channel_counts)
    text = _("共收到意见%(n)d条", n=section.comments)
    if section.opinions != section.comments:
        text += _("（相同或相似意见合并计算后为%(m)d条）", m=section.opinions)
    text += _("，其中%(channels)s。", channels=channels)
    if section.themes:
        parts = _("；").join(
            _("%(label)s（%(n)d条）", label=t.label, n=t.opinions) for t in section.themes if t.opinions
        )
        text += _("主要意见集中在：%(parts)s。", parts=parts)
    if section.themes and section.other_comments:
        text += _("另有其他意见%(n)d条。", n=section.other_opinions)
    return text


def _sections(draft: Draft, keys: set[int]) -> list[Section]:
    """The sections in the draft's order: current articles, removed ones, then the general opinions."""
    review = draft_review(draft)
    ordered = [Section(a.article_id, a.label) for a in review.articles]
    ordered += [Section(a.article_id, a.label, removed=True) for a in review.removed]
    known = {s.article_id for s in ordered}
    for key in sorted(k for k in keys if k != GENERAL and k not in known):
        ordered.append(Section(key, review_place(draft, key).label, removed=True))
    ordered.append(Section(None, _("总体意见")))
    return [s for s in ordered if (s.article_id or GENERAL) in keys]


def opinion_summary(draft: Draft) -> OpinionSummaryView:
    """The drafted summary of a draft's opinions, with staff's edits and its sign-off."""
    themes = {
        t.id: t
        for t in db.session.scalars(
            select(Theme).where(Theme.draft_id == draft.id).execution_options(populate_existing=True)
        )
    }
    by_theme: dict[int, _Tally] = {}
    unthemed: dict[int, _Tally] = {}
    scope: dict[int, _Tally] = {}
    channels: dict[int, Counter] = {}
    for key, channel, theme_id, comment_id, group_id, status in _rows(draft.id):
        published = status == "published"
        scope.setdefault(key, _Tally()).add(comment_id, group_id, published)
        channels.setdefault(key, Counter())[channel] += 1
        if theme_id in themes:
            by_theme.setdefault(theme_id, _Tally()).add(comment_id, group_id, published)
        else:
            unthemed.setdefault(key, _Tally()).add(comment_id, group_id, published)
    edits = dict(
        db.session.execute(
            select(SummarySection.article_key, SummarySection.text).where(SummarySection.draft_id == draft.id)
        ).all()
    )
    keys = set(scope) | {t.article_key for t in themes.values()}
    sections = _sections(draft, keys)
    for section in sections:
        key = section.article_id or GENERAL
        whole = scope.get(key, _Tally())
        section.comments, section.opinions = whole.comments, whole.opinions
        section.channels = channels.get(key, Counter())
        for theme in sorted((t for t in themes.values() if t.article_key == key), key=lambda t: t.id):
            tally = by_theme.get(theme.id, _Tally())
            label = shown_label(theme)
            summary = ThemeSummary(theme.id, label, list(theme.keywords), tally.comments, tally.opinions)
            summary.quotes = _quotes(tally, list(theme.keywords)) if tally.comments else []
            section.themes.append(summary)
        section.themes.sort(key=lambda t: (-t.opinions, -t.comments, t.id))
        other = unthemed.get(key, _Tally())
        section.other_comments, section.other_opinions = other.comments, other.opinions
        section.drafted = drafted_text(section)
        section.edited = edits.get(key)
    state = summary_state(draft.id)
    return OpinionSummaryView(
        draft,
        sections,
        state.signed_off_at if state else None,
        state.signed_off_by_name if state else None,
        state.changed_at if state else None,
        state.themes_built_at if state else None,
    )
