"""The charts in a real Chromium (issue 16, point 4): the draft page's and the feedback report's charts and
the staff overview's statistics (arrivals included) render as images under the site's CSP, in colour,
with their tables; an SVG opened at its own address keeps its colour only thanks to its own policy;
screenshots; axe on the pages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, SCREENSHOTS, check_axe
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]

PASSWORD = "Charts-browser-pass-1"
OPEN = "chengshi-shufang-tiaoli"
CONCLUDED = "hedao-guanli-tiaoli"  # its feedback report is published in the demo
SITE_POLICY = "default-src 'self'; style-src 'self'; img-src 'self'"

# Pixels of the chart's first colour (#1f5fa8) in an <img>, drawn on a canvas: 0 when the SVG's style
# did not apply (pygal's bars are then black).
COLOURED_PIXELS = """img => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    const near = (value, target) => Math.abs(value - target) < 24;
    if (near(data[i], 0x1f) && near(data[i + 1], 0x5f) && near(data[i + 2], 0xa8)) n++;
  }
  return n;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("charts-live"))
    live.start()
    result = live.flask(
        "users", "create", "chartstaff", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    yield live
    live.stop()


def loaded(img) -> None:
    img.scroll_into_view_if_needed()
    img.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())


def test_draft_page_charts_render_in_colour_with_their_tables(browser, server):
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(f"{server.url}/drafts/{OPEN}")
    draft_header = page.locator(".draft-header").inner_text()
    figures = page.locator("#figures")  # on the draft page itself
    # In print the tables show beside their charts, opened or not (a closed <details> hides them on screen).
    assert not figures.locator("#chart-channels table").is_visible()
    page.emulate_media(media="print")
    assert figures.locator("#chart-channels table").is_visible()
    assert not figures.locator("#chart-channels summary").is_visible()
    page.emulate_media(media="screen")
    for name in ("articles", "channels"):
        img = figures.locator(f"#chart-{name} img")
        loaded(img)
        assert img.evaluate(COLOURED_PIXELS) > 200, name
        assert img.get_attribute("alt")
        figures.locator(f"#chart-{name} summary").click()
        rows = figures.locator(f"#chart-{name} tbody tr")
        assert rows.count() >= 1 and rows.first.is_visible()
    total = sum(int(t) for t in figures.locator("#chart-channels tbody td").all_inner_texts())
    assert f"已公开意见{total}条" in draft_header
    figures.screenshot(path=str(_shot_path("charts-draft")))
    check_axe(page)
    page.emulate_media(media="print")
    figures.screenshot(path=str(_shot_path("charts-draft-print")))
    page.emulate_media(media="screen")
    context.close()


BAR_FILL = "() => getComputedStyle(document.querySelector('.bar rect')).fill"


def test_the_svg_opened_as_a_document_is_in_colour_only_under_its_own_policy(browser, server):
    """Opened at its own address (a new tab, a saved link), the SVG is a document under its response's
    policy: with its own the bars are in colour; served with the site's (the control) the style is
    refused and they are black. Chromium draws an <img> SVG's style whatever the header says."""
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    address = f"{server.url}/drafts/{OPEN}/charts/channels.svg"
    page.goto(address)
    assert page.evaluate(BAR_FILL) == "rgb(31, 95, 168)"
    assert page.evaluate("document.querySelectorAll('script').length") == 0

    def with_site_policy(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": SITE_POLICY})

    page.route(address, with_site_policy)
    page.goto(address)
    assert page.evaluate(BAR_FILL) == "rgb(0, 0, 0)"
    context.close()


def test_staff_statistics_render_with_heat_strip_and_arrivals(browser, server):
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("chartstaff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    page.goto(f"{server.url}/admin/review/{OPEN}")
    cells = page.locator(".heat-strip a")
    assert cells.count() == 32  # one per article of the open demo draft
    img = page.locator("#statistics #chart-arrivals img")  # on the overview itself
    loaded(img)
    assert img.evaluate(COLOURED_PIXELS) > 50
    page.locator("#chart-arrivals summary").click()
    assert page.locator("#chart-arrivals tbody tr").count() >= 1
    page.locator("#statistics").screenshot(path=str(_shot_path("charts-staff")))
    check_axe(page)
    context.close()


def test_feedback_report_charts_render_with_the_reports_figures(browser, server):
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(f"{server.url}/drafts/{CONCLUDED}/feedback")
    figures = page.locator("#figures")
    for name in ("articles", "channels"):
        img = figures.locator(f"#chart-{name} img")
        loaded(img)
        assert img.evaluate(COLOURED_PIXELS) > 200, name
    total = sum(int(t) for t in figures.locator("#chart-channels tbody td").all_text_contents())
    assert total == int(page.locator(".fb-figures dl div dd").first.inner_text())
    figures.screenshot(path=str(_shot_path("charts-feedback")))
    check_axe(page)
    page.emulate_media(media="print")
    assert figures.locator("#chart-articles table").is_visible()
    context.close()


def _shot_path(name: str):
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
