"""Staff statistics of a draft: per article received / published / undecided comments and groups of
similar comments, the heat strip of articles, and the chart of arrivals over time by channel (an SVG of
its own address, with its table in the page).

Per-article figures come from the counters (consult/comments/counts.py), groups from their table's index
(consult/groups/queries.py); arrivals are one grouped statement (consult/comments/statistics.py) kept per
draft under the draft's fingerprint, on a page of their own (the overview counts nothing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import Blueprint, render_template

from consult.auth.access import access
from consult.comments.statistics import Arrivals, ArticleFigures, arrivals, fingerprint, staff_by_article
from consult.drafts.queries import by_slug
from consult.generation_cache import cache_for
from consult.groups.queries import group_counts
from consult.i18n import _
from consult.models import Draft
from consult.vocabulary import channel_label
from consult.web.chart_svg import stacked_bars, svg_response

bp = Blueprint("admin_stats", __name__, url_prefix="/admin")

# Per draft and fingerprint: comments per local day and channel (one grouped statement over the draft).
ARRIVALS = "chart-arrivals"
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
class StaffStatistics:
    """The statistics section of the staff draft overview."""

    figures: dict[int | None, ArticleFigures]
    heat: list[HeatCell]
    # Groups of similar comments per article id (None: general): (groups, comments in them).
    groups: dict[int | None, tuple[int, int]]


def _period_labels(found: Arrivals) -> list[str]:
    if found.weekly:
        return [str(_("%(d)s当周", d=p.strftime("%m-%d"))) for p in found.periods]
    return [p.strftime("%m-%d") for p in found.periods]


def _arrivals(draft: Draft) -> Arrivals:
    """Counted again only when a comment of this draft arrived, went or changed status."""
    key = (draft.id, fingerprint(draft.id, pending=True))
    return cache_for(ARRIVALS).get_or_make(key, lambda: arrivals(draft.id))


def staff_statistics(draft: Draft, articles: list) -> StaffStatistics:
    """The section's figures for a draft whose current articles (``article_id``, ``label``) are given."""
    figures = staff_by_article(draft.id)
    most = max((f.received for f in figures.values()), default=0)
    heat = []
    for a in articles:
        received = figures.get(a.article_id, ArticleFigures()).received
        heat.append(HeatCell(a.article_id, a.label, received, heat_level(received, most)))
    return StaffStatistics(figures, heat, group_counts(draft.id))


@dataclass(frozen=True)
class ArrivalFigures:
    """The arrivals page: comments received per day (or week) and channel."""

    arrivals: Arrivals
    period_labels: list[str]
    channel_names: dict[str, str]


@bp.get("/review/<slug>/arrivals")
@access("staff")
def arrivals_page(slug: str):
    """Comments received over time by channel: a page of its own, not a section of the draft overview.

    Arrivals per day and channel are not among the counters (consult/comments/counts.py) yet: they are one
    grouped statement over the draft's comments, kept until the draft's comments change, so the overview
    itself counts nothing (issue 15, point 1).
    """
    draft = by_slug(slug)
    found = _arrivals(draft)
    names = {c: channel_label(c) for c in found.series}
    stats = ArrivalFigures(found, _period_labels(found), names)
    return render_template("admin/review/arrivals.html", draft=draft, stats=stats)


@bp.get("/review/<slug>/charts/arrivals.svg")
@access("staff")
def arrivals_chart(slug: str):
    """Comments received per day (or week) and channel, stacked, as an SVG image."""
    draft = by_slug(slug)
    found = _arrivals(draft)
    title = str(_("每周收到意见数（按渠道）") if found.weekly else _("每日收到意见数（按渠道）"))
    svg = stacked_bars(
        title,
        _period_labels(found),
        {channel_label(c): values for c, values in found.series.items()},
        str(_("暂无意见")),
    )
    return svg_response(svg)
