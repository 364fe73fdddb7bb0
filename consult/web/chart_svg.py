"""Charts as SVG documents drawn on the server with pygal, served from their own address.

The pages' Content-Security-Policy forbids inline styles and scripts, and pygal's SVG carries a <style>
(its colours and fonts) and a configuration <script>. So a chart is never put into a page: it is its
own response, shown with <img alt="…">, with the table of its figures beside it in the page.

The SVG response carries its own policy, ``SVG_POLICY``: nothing may load or run (``default-src
'none'``), only the inline style. An SVG opened at its own address (a new tab, a saved link, printing
it) is a document under its response's policy: under the site's (``style-src 'self'``) its <style>
would be refused and the bars drawn black (tests/browser/test_charts.py shows both). Chromium draws an
SVG shown through <img> with its style whatever the header says (and never runs an image's scripts);
a browser that applies the response's policy to images would need this one too. It is safe: the SVG is
built here from counts and labels (pygal writes labels as escaped XML text, never into the style), its
<script> is removed before it is sent, and as a document it is still under ``default-src 'none'``: no
script, no request, no form.
"""

from __future__ import annotations

from functools import cache
from xml.etree import ElementTree

from flask import Response

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
ElementTree.register_namespace("", SVG_NS)  # written back without ns0: prefixes
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
# Chinese labels render with whatever CJK font the reader has (Debian's fonts-noto-cjk, Windows' YaHei).
FONTS = (
    "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
)
# Dark enough for white numbers on them and for print (the site's blue first); the table tells them apart too.
COLOURS = ("#1f5fa8", "#c0392b", "#2e7d32", "#8e44ad", "#b26a00", "#00838f")
STYLE = dict(  # pygal's Style, made when the first chart is drawn (_pygal)
    font_family=FONTS,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#666666",
    colors=COLOURS,
    value_colors=("#ffffff",) * len(COLOURS),  # the numbers are printed on the bars
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=14,
    title_font_size=16,
    legend_font_size=13,
    no_data_font_size=20,
    opacity="1",
    opacity_hover="1",
)
# Drawn at about the size the page shows them (a card of the draft page, a phone's width), so the text is
# not scaled down to illegible; the staff's time chart is wider (a desktop page, a dozen periods or more).
WIDTH = 440
WIDE = 720
ROW_HEIGHT = 26  # per bar of a horizontal chart
# pygal sizes labels as if each character were 0.6 em wide; a Chinese character is 1 em.
CJK_EXTRA_EM = 0.45


def _cjk_margin(labels: list[str]) -> int:
    """Room pygal does not leave for the widest label's Chinese characters."""
    widest = max((sum(1 for ch in label if ord(ch) > 0x2E80) for label in labels), default=0)
    return round(widest * CJK_EXTRA_EM * STYLE["label_font_size"])


@cache
def _pygal():
    """pygal and the charts' style, imported when the first chart is drawn."""
    # pygal with lxml is about 13 MB that a worker which never draws a chart need not hold
    import pygal
    from pygal.style import Style

    return pygal, Style(**STYLE)


def _config(**kw) -> dict:
    return {
        # The figure's caption and the image's alt name the chart: no title drawn inside it.
        "title": None,
        "style": _pygal()[1],
        "js": [],
        "disable_xml_declaration": True,
        "width": kw.pop("width", WIDTH),
        "print_values": True,
        "print_zeroes": False,
        "no_data_text": kw.pop("no_data_text"),
        "explicit_size": True,
        **kw,
    }


def _clean(svg: str, title: str) -> bytes:
    """The SVG without scripts, the tooltip layer (it needs them) and comments, named by a <title>."""
    root = ElementTree.fromstring(svg)  # the standard parser drops comments
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{{{SVG_NS}}}script" or "tooltip-overlay" in child.get("class", ""):
                parent.remove(child)
    name = ElementTree.Element(f"{{{SVG_NS}}}title")
    name.text = title
    root.insert(0, name)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def horizontal_bars(title: str, labels: list[str], values: list[int], no_data_text: str) -> bytes:
    """One bar per label, longest first in reading order, each with its number printed."""
    chart = _pygal()[0].HorizontalBar(
        **_config(
            no_data_text=no_data_text,
            show_legend=False,
            height=max(160, 90 + ROW_HEIGHT * len(labels)),
            truncate_label=-1,
            margin_left=_cjk_margin(labels),
        )
    )
    # pygal draws the first label at the bottom: reversed, the chart reads top-down like the table.
    chart.x_labels = list(reversed(labels))
    if any(values):
        chart.add(title, list(reversed(values)))
    return _clean(chart.render(is_unicode=True), title)


def stacked_bars(title: str, periods: list[str], series: dict[str, list[int]], no_data_text: str) -> bytes:
    """Stacked bars per period, one colour per series (named in the legend)."""
    every = max(1, len(periods) // 12)
    chart = _pygal()[0].StackedBar(
        **_config(
            no_data_text=no_data_text,
            height=380,
            width=WIDE,
            legend_at_bottom=True,
            legend_at_bottom_columns=min(len(series), 3) or 1,
            truncate_legend=-1,
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
    return _clean(chart.render(is_unicode=True), title)


def svg_response(svg: bytes) -> Response:
    """The chart as its own document, with the policy that lets its inline style apply (and nothing else)."""
    response = Response(svg, mimetype=SVG_TYPE)
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
