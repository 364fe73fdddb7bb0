"""The home page in a real Chromium, on a phone and on a desktop."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.once, pytest.mark.browser]


@pytest.mark.parametrize(("size", "options"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_home_page_lists_consultations_by_stage(browser, live_server, screenshot, size, options):
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    assert page.title() == "本市人大常委会立法征求意见平台"
    open_titles = page.locator(".stage-open .draft-title").all_inner_texts()
    assert sorted(open_titles) == sorted(
        ["本市城市书房条例（草案）", "本市扬尘污染防治条例（草案）", "本市大运河文化遗产保护条例（草案）"]
    )
    assert page.locator(".stage-closed .draft-title").all_inner_texts() == [
        "本市农贸市场管理条例（修正草案）"
    ]
    assert len(page.locator(".stage-concluded .draft-title").all_inner_texts()) == 2
    # Nothing sideways-scrolls on a phone.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the screen"
    screenshot(page, f"home-{size}")
    # Keyboard users reach the skip link first, and it becomes visible.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0
    # Chinese text renders with a CJK font, not boxes: a Han glyph is wider than a Latin one.
    widths = page.evaluate("""() => {
        const c = document.createElement('canvas').getContext('2d');
        c.font = getComputedStyle(document.body).font;
        return [c.measureText('征').width, c.measureText('i').width];
    }""")
    assert widths[0] > widths[1] * 1.5
    context.close()
