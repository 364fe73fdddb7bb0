"""The poster and QR codes in a real Chromium (issue 17 point 3): the QR code as Chromium draws it decodes
to the draft's public address, the short address leads to the draft, and the poster prints to one A4 page
with nothing but the poster on it; screenshots; axe on the poster page."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, check_axe
from tests.live import LiveServer, free_port
from tests.qr_images import decode, png_pixels

pytestmark = [pytest.mark.once, pytest.mark.browser]

OPEN = "chengshi-shufang-tiaoli"
LONGEST_TITLE = "dayunhe-wenhua-yichan-baohu-tiaoli"  # 本市大运河文化遗产保护条例（草案）: two lines in print
A4_POINTS = (595, 842)  # 210 × 297 mm at 72 points per inch, as PDF media boxes are written


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    # The public address the QR codes and short addresses are built on: this server itself.
    live = LiveServer(
        tmp_path_factory.mktemp("poster-live"), env={"CONSULT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    )
    live.port, live.url = port, f"http://127.0.0.1:{port}"
    live.env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    live.start()
    yield live
    live.stop()


def _shot(name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page of a PDF Chromium wrote (its page objects are not compressed)."""
    assert pdf[:5] == b"%PDF-"
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) >= len(pages)
    return [(float(w), float(h)) for w, h in boxes[: len(pages)]]


def test_the_poster_s_qr_code_as_chromium_draws_it_reads_back_the_draft_address(browser, server):
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(f"{server.url}/drafts/{OPEN}/poster")
    qr = page.locator("img.poster-qr")
    qr.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert decode(png_pixels(qr.screenshot())) == [f"{server.url}/drafts/{OPEN}"]
    page.screenshot(path=_shot("poster-screen"), full_page=True)
    check_axe(page)
    # The short address printed on the poster leads to the draft page.
    short = page.locator(".poster-short a")
    assert re.fullmatch(rf"127\.0\.0\.1:{server.port}/d/[2-9a-z]{{6}}", short.inner_text())
    short.click()
    page.wait_for_url(f"**/drafts/{OPEN}")
    assert page.locator("link[rel=alternate][type='application/atom+xml']").count() == 2
    context.close()


@pytest.mark.parametrize("slug", [OPEN, LONGEST_TITLE])
def test_the_poster_prints_to_one_a4_page_without_the_site_s_chrome(browser, server, slug):
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(f"{server.url}/drafts/{slug}/poster")
    page.wait_for_function("document.querySelector('img.poster-qr').complete")
    pdf = page.pdf(prefer_css_page_size=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"poster-{slug}.pdf").write_bytes(pdf)
    sizes = pdf_pages(pdf)
    assert len(sizes) == 1, sizes
    assert all(abs(a - b) < 2 for a, b in zip(sizes[0], A4_POINTS, strict=True)), sizes
    # What the PDF holds, as a picture: print media in A4's printable area (180 × 267 mm inside the
    # 15 mm margins of @page, at 96 px per inch).
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 1009})
    for hidden in (".site-header", ".site-footer", ".breadcrumb", ".poster-hint"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator("article.poster h1").is_visible()
    bottom = page.evaluate("document.querySelector('article.poster').getBoundingClientRect().bottom")
    assert bottom <= 1009, bottom  # the poster fits on its one page
    page.screenshot(path=_shot(f"poster-print-{slug}"))
    # The PDF itself, as Chromium's viewer shows it (to be looked at).
    viewer = context.new_page()
    viewer.set_viewport_size({"width": 800, "height": 1100})
    viewer.goto((SCREENSHOTS / f"poster-{slug}.pdf").as_uri())
    viewer.wait_for_timeout(4000)  # the viewer draws the page after load, with nothing to wait for
    viewer.screenshot(path=_shot(f"poster-pdf-{slug}"))
    viewer.close()
    context.close()


def test_the_poster_on_a_phone_has_no_sideways_scroll(browser, server):
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/drafts/{OPEN}/poster")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=_shot("poster-phone"), full_page=True)
    check_axe(page)
    context.close()
