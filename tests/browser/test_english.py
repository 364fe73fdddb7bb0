"""The public site in English in a real Chromium on a phone: the draft page, a comment and its receipt.

A browser that asks for English (Accept-Language) gets it without choosing; a Chinese one switches with
the header's "English" link, and the choice is remembered. The pages are checked for Chinese outside the
draft's own text (tests/web/test_english_pages.py), by axe (conftest), and photographed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE, check_axe
from tests.live import LiveServer
from tests.web.test_english_pages import chinese_outside_data

pytestmark = [pytest.mark.once, pytest.mark.browser]

SLUG = "chengshi-shufang-tiaoli"
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or Path(__file__).parent / "screenshots")
RECEIPT_URL = re.compile(r"/receipts/[\d-]+(\?new=1#receipt)?$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("english-instance"))
    live.start()
    yield live
    live.stop()


def shoot(page, name: str, *selectors: str) -> None:
    """The screen as the visitor first sees it, and each element named (scrolled to)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"english-{name}.png"))
    for n, selector in enumerate(selectors, start=1):
        page.locator(selector).first.screenshot(path=str(SHOTS / f"english-{name}-{n}.png"))


def assert_english(page) -> None:
    assert page.locator("html").get_attribute("lang") == "en", page.url
    assert chinese_outside_data(page.content()) == [], page.url
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def test_a_phone_asking_for_english_reads_the_draft_comments_and_gets_an_english_receipt(browser, server):
    context = browser.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/drafts/{SLUG}")
    assert_english(page)
    assert page.locator("h1").get_attribute("lang") == "zh-CN"  # the draft's title stays as it is
    shoot(page, "draft-phone", "nav.toc", "article.article:nth-of-type(2)", "#general")
    check_axe(page)

    page.locator("article.article").nth(1).locator("a.button").first.click()
    page.wait_for_url(re.compile(r"/articles/\d+"))
    assert_english(page)
    label = page.locator("#comment-form label").first.inner_text()
    assert label.startswith("Your comment on ")
    page.locator("#comment-form textarea").fill("建议把开放时间延长到晚上九点，方便下班后的读者。")
    # The first comment a worker stores may be slow while the tree is busy; the words are what is tested.
    with page.expect_response(lambda r: r.request.method == "POST", timeout=120_000) as posted:
        page.get_by_role("button", name="Submit comment").click(timeout=120_000)
    assert posted.value.status == 303, posted.value.status
    page.wait_for_url(RECEIPT_URL)
    assert_english(page)
    assert page.locator("h1").inner_text() == "Your comment has been submitted. Thank you!"
    assert page.get_by_role("heading", name="What happens next").is_visible()
    shoot(page, "receipt-phone", "dl.facts", "ol.steps")
    check_axe(page)
    context.close()


def test_the_english_link_switches_a_chinese_browser_and_is_remembered(browser, server):
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/drafts/{SLUG}")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator("a.lang-link").click()
    page.wait_for_url(re.compile(rf"/drafts/{SLUG}$"))
    assert_english(page)  # back on the same page, now in English
    page.goto(f"{server.url}/receipts")
    assert_english(page)
    assert page.locator("h1").inner_text() == "Look up a comment"
    shoot(page, "receipts-phone")
    page.locator("a.lang-link").click()
    page.wait_for_url(re.compile(r"/receipts$"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    context.close()
