"""The figures behind the charts: comments per article, per channel and per day of arrival.

All of them come from the counters kept as comments are written: per article, status and outcome
(consult/comments/counts.py), per local day, channel and status (consult/comments/day_counts.py). No
figure here reads the comments themselves, so pages may show them on every view.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from consult.comments import counts, day_counts
from consult.extensions import db
from consult.models import CommentCount
from consult.models.counts import GENERAL, UNDECIDED
from consult.models.enums import CHANNELS

# Past this many days the arrivals are counted per week (a bar per day would be too thin to read).
DAYS_MAX = 62


def published_by_channel(draft_id: int) -> dict[str, int]:
    """Published comments of a draft per channel, in the channels' fixed order (zeros included)."""
    return day_counts.published_by_channel(draft_id)


@dataclass(frozen=True)
class ArticleFigures:
    """Staff's figures for one article (None: the draft as a whole), from the counters."""

    received: int = 0  # every status
    published: int = 0
    undecided: int = 0  # published without a decision


def staff_by_article(draft_id: int) -> dict[int | None, ArticleFigures]:
    """Per article id (None: general): comments received, published, and published without a decision."""
    rows = db.session.execute(
        select(CommentCount.article_id, CommentCount.status, CommentCount.outcome, func.sum(CommentCount.n))
        .where(CommentCount.draft_id == draft_id)
        .group_by(CommentCount.article_id, CommentCount.status, CommentCount.outcome)
    )
    received: Counter = Counter()
    published: Counter = Counter()
    undecided: Counter = Counter()
    for article_id, status, outcome, n in rows:
        place = None if article_id == GENERAL else article_id
        received[place] += int(n or 0)
        if status == "published":
            published[place] += int(n or 0)
            if outcome == UNDECIDED:
                undecided[place] += int(n or 0)
    return {
        place: ArticleFigures(received[place], published[place], undecided[place])
        for place in received
        if received[place]
    }


@dataclass(frozen=True)
class Arrivals:
    """Comments received per period and channel: ``periods`` (first day of each, local time) in order,
    ``series`` channel → one count per period; ``weekly`` when a period is a week."""

    periods: list[date]
    series: dict[str, list[int]]
    weekly: bool

    @property
    def total(self) -> int:
        """Every comment counted."""
        return sum(sum(values) for values in self.series.values())


def arrivals(draft_id: int) -> Arrivals:
    """Every comment of the draft (any status) by local day of arrival and channel, from the counters."""
    by_day = day_counts.by_day_and_channel(draft_id)
    if not by_day:
        return Arrivals([], {}, False)
    first, last = min(by_day), max(by_day)
    weekly = (last - first).days + 1 > DAYS_MAX
    step = 7 if weekly else 1
    if weekly:
        first -= timedelta(days=first.weekday())  # weeks start on Monday
    periods = [first + timedelta(days=i) for i in range(0, (last - first).days + 1, step)]
    index = {p: i for i, p in enumerate(periods)}
    channels = [c for c in CHANNELS if any(c in counted for counted in by_day.values())]
    series = {c: [0] * len(periods) for c in channels}
    for when, counted in by_day.items():
        start = when - timedelta(days=when.weekday()) if weekly else when
        for channel, n in counted.items():
            series[channel][index[start]] += n
    return Arrivals(periods, series, weekly)


def published_by_article(draft_id: int) -> dict[int | None, int]:
    """Published comments per article id (None: general), from the counters."""
    return counts.published_by_article(draft_id)
