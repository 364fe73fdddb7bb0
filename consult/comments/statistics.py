"""The figures behind the charts: comments per article, per channel and per day of arrival.

Per article the figures come from the counters kept as comments are written (consult/comments/counts.py).
The counters have no channel and no date, so those two are one grouped statement each over the draft's
comments (indexed by draft and status). That statement reads every comment of the draft (0.6 s for
100,000 on SQLite, bench/charts.py), so the doors keep its result per draft under a **fingerprint** read
from the counters first (``fingerprint``): it moves only when a comment of that draft is added, removed or
changes status, not when another draft changes or a decision is made. Adding a channel to the counters'
key would make it free, but changes their table (a migration): not done here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from consult.clock import local_zone, utcnow
from consult.comments import counts
from consult.extensions import db
from consult.models import Comment, CommentCount
from consult.models.counts import GENERAL, UNDECIDED
from consult.models.enums import CHANNELS

# Past this many days the arrivals are counted per week (a bar per day would be too thin to read).
DAYS_MAX = 62


def fingerprint(draft_id: int, *, pending: bool) -> tuple:
    """The draft's counters per article and status, summed over outcomes (decisions do not move it);
    without ``pending`` (what the published figures depend on) a comment arriving for moderation does not
    move it either. Read it before the figures it guards: they are then as new as it says, or newer.

    A limit: one transaction that takes a published comment down and publishes a rejected one on the same
    article leaves it unchanged; the per-channel figures then wait for the draft's next change.
    """
    where = [CommentCount.draft_id == draft_id]
    if not pending:
        where.append(CommentCount.status != "pending")
    rows = db.session.execute(
        select(CommentCount.article_id, CommentCount.status, func.sum(CommentCount.n))
        .where(*where)
        .group_by(CommentCount.article_id, CommentCount.status)
    )
    return tuple(sorted((a, s, int(n)) for a, s, n in rows if n))


def published_by_channel(draft_id: int) -> dict[str, int]:
    """Published comments of a draft per channel, in the channels' fixed order (zeros included)."""
    rows = db.session.execute(
        select(Comment.channel, func.count(Comment.id))
        .where(Comment.draft_id == draft_id, Comment.status == "published")
        .group_by(Comment.channel)
    )
    found = {channel: int(n) for channel, n in rows}
    return {channel: found.get(channel, 0) for channel in CHANNELS}


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


def _local_day(column):
    """The local calendar day of a UTC timestamp column, in SQL (PostgreSQL and SQLite)."""
    zone = local_zone()
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(zone.key, column))
    # SQLite stores naive UTC text; the zone's offset now (Asia/Shanghai has no daylight saving time).
    offset = int(utcnow().astimezone(zone).utcoffset().total_seconds())
    return func.date(column, f"{offset:+d} seconds")


def arrivals(draft_id: int) -> Arrivals:
    """Every comment of the draft (any status) by local day of arrival and channel: one grouped statement."""
    day = _local_day(Comment.submitted_at)
    rows = db.session.execute(
        select(day, Comment.channel, func.count(Comment.id))
        .where(Comment.draft_id == draft_id)
        .group_by(day, Comment.channel)
    )
    by_day: dict[date, Counter] = {}
    for raw, channel, n in rows:
        when = raw if isinstance(raw, date) else datetime.strptime(str(raw), "%Y-%m-%d").date()
        by_day.setdefault(when, Counter())[channel] += int(n)
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
