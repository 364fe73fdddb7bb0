"""Public charts of a draft: published comments per article and per channel, as SVG with their tables.

The draft page shows each chart as <img> of its own address (consult/web/chart_svg.py says why) and the
figures as a table beside it. Figures and drawings are kept under the ``comments`` change counter
(consult/web/fragments.py); the per-channel count, the one figure the counters do not keep, is kept
per draft under the draft's own fingerprint, so a change elsewhere does not count the draft again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from markupsafe import Markup

from consult.auth.access import public
from consult.comments.statistics import fingerprint, published_by_article, published_by_channel
from consult.drafts.queries import current_articles
from consult.generation_cache import cache_for
from consult.i18n import _
from consult.models import Draft
from consult.vocabulary import channel_label
from consult.web import fragments
from consult.web.cache import cached_page
from consult.web.chart_svg import horizontal_bars, svg_response

bp = Blueprint("charts", __name__)

# Per draft and fingerprint: the published comments per channel (one grouped statement over the draft).
BY_CHANNEL = "chart-channels"


@dataclass(frozen=True)
class Bar:
    """One row of a chart and of its table."""

    label: str
    count: int


@dataclass(frozen=True)
class PublicFigures:
    """What the public charts of a draft show (plain values, kept between requests)."""

    articles: tuple[Bar, ...]  # articles with published comments, in the draft's order; general last
    channels: tuple[Bar, ...]  # every channel, in the fixed order

    @property
    def total(self) -> int:
        """Published comments of the draft."""
        return sum(bar.count for bar in self.channels)


def _figures(draft: Draft) -> PublicFigures:
    by_article = published_by_article(draft.id)
    texts = current_articles(draft) if by_article else []
    articles = [Bar(t.label, by_article[t.article_id]) for t in texts if by_article.get(t.article_id)]
    # Comments on an article a revision removed count under the draft but have no current label.
    current = {t.article_id for t in texts}
    removed = sum(n for a, n in by_article.items() if a is not None and a not in current)
    if removed:
        articles.append(Bar(str(_("已删除条款")), removed))
    if by_article.get(None):
        articles.append(Bar(str(_("对草案整体")), by_article[None]))
    channels = [Bar(channel_label(c), n) for c, n in by_channel(draft.id).items()]
    return PublicFigures(tuple(articles), tuple(channels))


def by_channel(draft_id: int) -> dict[str, int]:
    """Published comments per channel, counted again only when the draft's published comments changed
    (consult/comments/statistics.py: not for another draft's change, a decision or a pending arrival)."""
    key = (draft_id, fingerprint(draft_id, pending=False))
    return cache_for(BY_CHANNEL).get_or_make(key, lambda: published_by_channel(draft_id))


def public_figures(draft: Draft) -> PublicFigures:
    """The draft's public figures, kept under the change counter (when the view read it first)."""
    return fragments.by_generation(("chart-figures", draft.id), lambda: _figures(draft))


def draft_charts(draft: Draft) -> Markup:
    """The charts section of the draft statistics page, shared by every visitor."""
    figures = public_figures(draft)
    return fragments.render_shared(
        "public/_draft_charts.html",
        figures=figures,
        articles_src=url_for("charts.articles_chart", slug=draft.slug),
        channels_src=url_for("charts.channels_chart", slug=draft.slug),
    )


@bp.get("/drafts/<slug>/statistics")
@public
@cached_page
def statistics_page(slug: str):
    """A draft's figures: published comments per article and per channel, charts with their tables.

    A page of its own, not a section of the draft page: the per-channel figure is not among the counters
    (consult/comments/counts.py) yet, so it is one grouped statement over the draft's comments (kept until
    the draft's published comments change), and the draft page itself counts nothing (issue 15, point 1).
    """
    fragments.fix_generation()  # before the draft is read
    draft = fragments.public_draft_read(slug)
    html = fragments.by_generation(("draft-charts", draft.id), lambda: draft_charts(draft))
    return render_template("public/statistics.html", draft=draft, charts_html=html)


def _chart(slug: str, name: str, draw):
    fragments.fix_generation()  # before the draft is read
    draft = fragments.public_draft_read(slug)  # NotFound for an unknown or unpublished draft
    figures = public_figures(draft)
    return svg_response(fragments.by_generation(("chart-svg", name, draft.id), lambda: draw(figures)))


@bp.get("/drafts/<slug>/charts/articles.svg")
@public
def articles_chart(slug: str):
    """Published comments per article, as an SVG image."""
    return _chart(
        slug,
        "articles",
        lambda f: horizontal_bars(
            str(_("各条款公开意见数")),
            [b.label for b in f.articles],
            [b.count for b in f.articles],
            str(_("暂无公开意见")),
        ),
    )


@bp.get("/drafts/<slug>/charts/channels.svg")
@public
def channels_chart(slug: str):
    """Published comments per channel, as an SVG image."""
    return _chart(
        slug,
        "channels",
        lambda f: horizontal_bars(
            str(_("各渠道公开意见数")),
            [b.label for b in f.channels],
            [b.count for b in f.channels],
            str(_("暂无公开意见")),
        ),
    )
