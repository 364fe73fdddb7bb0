"""The feedback report in a real Chromium: phone, desktop and a printed PDF; a rating from the receipt."""

from __future__ import annotations

import sqlite3

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.once, pytest.mark.browser]

SLUG = "hedao-guanli-tiaoli"  # concluded in the demo data, with two versions


@pytest.fixture
def new_page(browser):
    contexts = []

    def open_page(options):
        context = browser.new_context(locale="zh-CN", **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _receipt_code(live_server) -> str:
    database = next(live_server.instance.glob("*.sqlite"))
    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "SELECT c.receipt_code FROM comment c JOIN draft d ON d.id = c.draft_id "
            "JOIN published_decision p ON p.comment_id = c.id "
            "WHERE d.slug = ? AND c.status = 'published' ORDER BY c.id LIMIT 1",
            (SLUG,),
        ).fetchone()
    assert row is not None, "the demo's concluded draft has decided comments"
    return row[0]


@pytest.mark.parametrize(("size", "options"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_feedback_report_reads_well(live_server, new_page, screenshot, size, options):
    page = new_page(options)
    page.goto(f"{live_server.url}/drafts/{SLUG}/feedback")
    assert "采纳情况反馈" in page.locator("h1").inner_text()
    figures = page.locator(".figures div")
    assert figures.count() >= 8
    assert int(figures.first.locator("dd").inner_text()) > 0
    assert page.locator(".fb-place").count() > 0
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on {size}"
    assert page.locator("a", has_text="修改对照表").count() == 1
    screenshot(page, f"feedback-{size}")
    # An article's comments, outcomes and reasons open on their own page, a page at a time.
    page.locator(".fb-open a").first.click()
    page.wait_for_load_state()
    assert "意见及处理情况" in page.locator("h1").inner_text()
    assert page.locator(".fb-item").count() > 0 and page.locator(".fb-item .outcome").first.is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the article's page scrolls sideways by {overflow}px on {size}"
    screenshot(page, f"feedback-article-{size}")


def test_the_feedback_report_prints_to_pdf(live_server, new_page, screenshot):
    page = new_page(DESKTOP)
    page.goto(f"{live_server.url}/drafts/{SLUG}/feedback")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".fb-links").is_visible()
    screenshot(page, "feedback-print")
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = SCREENSHOTS / "feedback.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=False)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 1


def test_a_commenter_rates_the_feedback_from_the_receipt(live_server, new_page, screenshot):
    code = _receipt_code(live_server)
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/receipts/{code}")
    decision = page.locator("#decision").inner_text()
    assert "研究中" not in decision and "查看本草案的采纳情况反馈" in decision
    page.locator("label.score", has_text="4").click()
    page.fill("#satisfaction-comment", "理由写得很清楚，谢谢。")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    assert "感谢您的评价" in page.locator(".flash").inner_text()
    assert "4分" in page.locator(".satisfaction").inner_text()
    screenshot(page, "receipt-rated-phone")
