"""Staff statistics of a draft: per article received / published / undecided comments and groups of
similar comments, the heat strip of articles, and the chart of arrivals over time by channel (an SVG of
its own address, with its table in the page), all on the staff draft overview.

Per-article figures come from the counters (consult/comments/counts.py), arrivals per day and channel from
theirs (consult/comments/day_counts.py), groups from their table's index (consult/groups/queries.py):
the overview and the chart count nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import Blueprint, redirect, url_for

from consult.auth.access import access
from consult.comments.statistics import Arrivals, ArticleFigures, arrivals, staff_by_article
from consult.drafts.queries import by_slug
from consult.groups.queries import group_counts
from consult.i18n import _
from consult.models import Draft
from consult.vocabulary import channel_label
from consult.web.chart_svg import stacked_bars, svg_response

bp = Blueprint("admin_stats", __name__, url_prefix="/admin")

HEAT_LEVELS = 5  # heat-1 … heat-5; heat-0 for an article without comments


def heat_level(n: int, most: int) -> int:
    """The heat strip's shade of an article: 0 without comments, else 1…HEAT_LEVELS by share of the most."""
    if n <= 0 or most <= 0:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * n / most))


@dataclass(frozen=True)
class HeatCell:
    """One article in the heat strip."""

    article_id: int
    label: str
    received: int
    level: int


@dataclass(frozen=True)
class ArrivalFigures:
    """Comments received per day (or week) and channel, with the names of its periods and channels."""

    arrivals: Arrivals
    period_labels: list[str]
    channel_names: dict[str, str]

    @property
    def title(self) -> str:
        """The chart's name (a week per bar past DAYS_MAX days)."""
        return str(_("每周收到意见数（按渠道）") if self.arrivals.weekly else _("每日收到意见数（按渠道）"))


@dataclass(frozen=True)
class StaffStatistics:
    """The statistics section of the staff draft overview."""

    figures: dict[int | None, ArticleFigures]
    heat: list[HeatCell]
    # Groups of similar comments per article id (None: general): (groups, comments in them).
    groups: dict[int | None, tuple[int, int]]
    arrivals: ArrivalFigures


def _period_labels(found: Arrivals) -> list[str]:
    if found.weekly:
        return [str(_("%(d)s当周", d=p.strftime("%m-%d"))) for p in found.periods]
    return [p.strftime("%m-%d") for p in found.periods]


def arrival_figures(draft: Draft) -> ArrivalFigures:
    """The draft's arrivals per period and channel, from the counters."""
    found = arrivals(draft.id)
    return ArrivalFigures(found, _period_labels(found), {c: channel_label(c) for c in found.series})


def staff_statistics(draft: Draft, articles: list) -> StaffStatistics:
    """The section's figures for a draft whose current articles (``article_id``, ``label``) are given."""
    figures = staff_by_article(draft.id)
    most = max((f.received for f in figures.values()), default=0)
    heat = []
    for a in articles:
        received = figures.get(a.article_id, ArticleFigures()).received
        heat.append(HeatCell(a.article_id, a.label, received, heat_level(received, most)))
    return StaffStatistics(figures, heat, group_counts(draft.id), arrival_figures(draft))


@bp.get("/review/<slug>/arrivals")
@access("staff")
def arrivals_page(slug: str):
    """The arrivals had a page of their own while they were counted on every view: now on the overview."""
    return redirect(url_for("admin_review.review_draft", slug=slug, _anchor="chart-arrivals"), 301)


@bp.get("/review/<slug>/charts/arrivals.svg")
@access("staff")
def arrivals_chart(slug: str):
    """Comments received per day (or week) and channel, stacked, as an SVG image."""
    found = arrival_figures(by_slug(slug))
    svg = stacked_bars(
        found.title,
        found.period_labels,
        {found.channel_names[c]: values for c, values in found.arrivals.series.items()},
        str(_("暂无意见")),
    )
    return svg_response(svg)
