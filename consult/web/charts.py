"""Public charts: published comments per article and per channel, as SVG with their tables.

On the draft page (and its statistics page) and on the published feedback report. Each chart is an
<img> of its own address (consult/web/chart_svg.py says why) with the figures as a table beside it in a
<details>, which print opens. Nothing here counts comments:

- the draft's figures come from the counters kept as comments are written (per article:
  consult/comments/counts.py; per channel: consult/comments/day_counts.py), read and drawn once per
  ``comments`` change counter (consult/web/fragments.py), like the rest of the draft page;
- the report's figures are those its publication kept (consult/feedback/stored.py), so the charts say
  what the report's own figures say; its drawings are kept by content.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from markupsafe import Markup

from consult.auth.access import public
from consult.comments.statistics import published_by_article, published_by_channel
from consult.drafts.queries import current_articles, public_draft
from consult.errors import NotFound
from consult.feedback.reading import published_summary
from consult.generation_cache import cache_for
from consult.i18n import _
from consult.models import Draft
from consult.models.enums import CHANNELS
from consult.vocabulary import channel_label
from consult.web import fragments
from consult.web.cache import cached_page
from consult.web.chart_svg import horizontal_bars, svg_response

bp = Blueprint("charts", __name__)

# The report's drawings, by their figures (a publication's figures change only when it is revised).
REPORT_SVG = "report-chart-svg"


@dataclass(frozen=True)
class Bar:
    """One row of a chart and of its table."""

    label: str
    count: int


@dataclass(frozen=True)
class PublicFigures:
    """What the public charts show (plain values, kept between requests)."""

    articles: tuple[Bar, ...]  # articles with published comments, in the draft's order; general last
    channels: tuple[Bar, ...]  # every channel, in the fixed order

    @property
    def total(self) -> int:
        """Published comments counted."""
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
    channels = [Bar(channel_label(c), n) for c, n in published_by_channel(draft.id).items()]
    return PublicFigures(tuple(articles), tuple(channels))


def report_figures(report) -> PublicFigures:
    """The charts' figures of a published feedback report (its kept summary: nothing counted)."""
    articles = []
    for place in report.articles:
        if place.comment_count:
            label = str(_("原%(label)s", label=place.label)) if place.removed else place.label
            articles.append(Bar(label or str(_("已删除条款")), place.comment_count))
    if report.general.comment_count:
        articles.append(Bar(str(_("对草案整体")), report.general.comment_count))
    channels = [Bar(channel_label(c), int(report.by_channel.get(c, 0))) for c in CHANNELS]
    return PublicFigures(tuple(articles), tuple(channels))


def public_figures(draft: Draft) -> PublicFigures:
    """The draft's public figures, kept under the change counter (when the view read it first)."""
    return fragments.by_generation(("chart-figures", draft.id), lambda: _figures(draft))


def draft_charts(draft: Draft) -> Markup:
    """The charts section of the draft page and its statistics page, shared by every visitor."""

    def render() -> Markup:
        return fragments.render_shared(
            "public/_draft_charts.html",
            figures=public_figures(draft),
            articles_src=url_for("charts.articles_chart", slug=draft.slug),
            channels_src=url_for("charts.channels_chart", slug=draft.slug),
            report=False,
        )

    return fragments.by_generation(("draft-charts", draft.id), render)


def report_charts(report) -> Markup:
    """The charts section of a published feedback report (the staff preview has none: its figures move)."""
    if report.publication is None:
        return Markup("")
    slug = report.draft.slug
    return fragments.render_shared(
        "public/_draft_charts.html",
        figures=report_figures(report),
        articles_src=url_for("charts.report_articles_chart", slug=slug),
        channels_src=url_for("charts.report_channels_chart", slug=slug),
        report=True,
    )


@bp.app_template_global("draft_charts")
def _draft_charts_global(draft: Draft) -> Markup:
    return draft_charts(draft)


@bp.app_template_global("report_charts")
def _report_charts_global(report) -> Markup:
    return report_charts(report)


@bp.get("/drafts/<slug>/statistics")
@public
@cached_page
def statistics_page(slug: str):
    """A draft's figures on a page of their own (the same section the draft page shows), for old links
    and for printing the figures alone."""
    fragments.fix_generation()  # before the draft is read
    draft = fragments.public_draft_read(slug)
    return render_template("public/statistics.html", draft=draft, charts_html=draft_charts(draft))


# --- the images ---------------------------------------------------------------------------------------


def _draw(name: str, figures: PublicFigures) -> bytes:
    bars = figures.articles if name == "articles" else figures.channels
    title = str(_("各条款公开意见数") if name == "articles" else _("各渠道公开意见数"))
    return horizontal_bars(title, [b.label for b in bars], [b.count for b in bars], str(_("暂无公开意见")))


def _chart(slug: str, name: str):
    fragments.fix_generation()  # before the draft is read
    draft = fragments.public_draft_read(slug)  # NotFound for an unknown or unpublished draft
    figures = public_figures(draft)
    return svg_response(fragments.by_generation(("chart-svg", name, draft.id), lambda: _draw(name, figures)))


def _report_chart(slug: str, name: str):
    draft = public_draft(slug)
    report = published_summary(draft)
    if report is None:
        raise NotFound(_("本草案的采纳情况反馈尚未发布"))
    figures = report_figures(report)
    key = (name, figures, *fragments.scope())
    return svg_response(cache_for(REPORT_SVG).get_or_make(key, lambda: _draw(name, figures)))


@bp.get("/drafts/<slug>/charts/articles.svg")
@public
def articles_chart(slug: str):
    """Published comments per article, as an SVG image."""
    return _chart(slug, "articles")


@bp.get("/drafts/<slug>/charts/channels.svg")
@public
def channels_chart(slug: str):
    """Published comments per channel, as an SVG image."""
    return _chart(slug, "channels")


@bp.get("/drafts/<slug>/feedback/charts/articles.svg")
@public
def report_articles_chart(slug: str):
    """The feedback report's comments per article, as an SVG image."""
    return _report_chart(slug, "articles")


@bp.get("/drafts/<slug>/feedback/charts/channels.svg")
@public
def report_channels_chart(slug: str):
    """The feedback report's comments per channel, as an SVG image."""
    return _report_chart(slug, "channels")
