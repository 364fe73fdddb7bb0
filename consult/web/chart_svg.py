"""Charts as SVG documents drawn on the server with pygal, served from their own address.

The pages' Content-Security-Policy forbids inline styles and scripts, and pygal's SVG carries a <style>
(its colours and fonts) and a configuration <script>. So a chart is never put into a page: it is its
own response, shown with <img alt="…">, with the table of its figures beside it in the page.

An SVG shown through <img> is a document of its own whose policy is its response's, not the page's:
under the site's policy (``style-src 'self'``) its own <style> would be refused and the bars drawn
black. Each chart response therefore carries ``SVG_POLICY``: nothing may load or run (``default-src
'none'``), only the inline style. That is safe because the SVG is built here from counts and labels
(pygal writes labels as escaped XML text, never into the style), the <script> is removed before it is
sent (and an image never runs scripts anyway), and an SVG opened directly as a page is still under
``default-src 'none'``: no script, no request, no form.
"""

from __future__ import annotations

import pygal
from flask import Response
from lxml import etree
from pygal.style import Style

SVG_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)
SVG_TYPE = "image/svg+xml"
SVG_NS = "http://www.w3.org/2000/svg"
# Chinese labels render with whatever CJK font the reader has (Debian's fonts-noto-cjk, Windows' YaHei).
FONTS = (
    "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
)
# Dark enough on white for text and print (the site's blue first), told apart by the table as well.
COLOURS = ("#1f5fa8", "#c0392b", "#2e7d32", "#8e44ad", "#b26a00", "#00838f")
STYLE = Style(
    font_family=FONTS,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#666666",
    colors=COLOURS,
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    title_font_size=16,
    legend_font_size=13,
    no_data_font_size=20,
)
WIDTH = 720
ROW_HEIGHT = 26  # per bar of a horizontal chart


def _config(title: str, **kw) -> dict:
    return {
        "title": title,
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": WIDTH,
        "print_values": True,
        "print_zeroes": False,
        "no_data_text": kw.pop("no_data_text"),
        "explicit_size": True,
        **kw,
    }


def _clean(svg: str) -> bytes:
    """The SVG without scripts, the tooltip layer (it needs them) and comments."""
    root = etree.fromstring(svg.encode("utf-8"))
    for node in root.iter(f"{{{SVG_NS}}}script", etree.Comment):
        node.getparent().remove(node)
    for node in root.xpath("//svg:g[contains(@class, 'tooltip-overlay')]", namespaces={"svg": SVG_NS}):
        node.getparent().remove(node)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def horizontal_bars(title: str, labels: list[str], values: list[int], no_data_text: str) -> bytes:
    """One bar per label, longest first in reading order, each with its number printed."""
    chart = pygal.HorizontalBar(
        **_config(
            title,
            no_data_text=no_data_text,
            show_legend=False,
            height=max(160, 90 + ROW_HEIGHT * len(labels)),
            truncate_label=-1,
        )
    )
    # pygal draws the first label at the bottom: reversed, the chart reads top-down like the table.
    chart.x_labels = list(reversed(labels))
    if any(values):
        chart.add(title, list(reversed(values)))
    return _clean(chart.render(is_unicode=True))


def stacked_bars(title: str, periods: list[str], series: dict[str, list[int]], no_data_text: str) -> bytes:
    """Stacked bars per period, one colour per series (named in the legend)."""
    every = max(1, len(periods) // 12)
    chart = pygal.StackedBar(
        **_config(
            title,
            no_data_text=no_data_text,
            height=380,
            legend_at_bottom=True,
            x_label_rotation=-40 if len(periods) > 8 else 0,
            x_labels_major_every=every,
            show_minor_x_labels=every == 1,
            print_values=len(periods) <= 20,
        )
    )
    chart.x_labels = periods
    for name, values in series.items():
        if any(values):
            chart.add(name, values)
    return _clean(chart.render(is_unicode=True))


def svg_response(svg: bytes) -> Response:
    """The chart as its own document, with the policy that lets its inline style apply (and nothing else)."""
    response = Response(svg, mimetype=SVG_TYPE)
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
