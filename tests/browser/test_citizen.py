"""A citizen's path in a real Chromium, on a phone and on a desktop.

Home page → a draft → one article → a comment → the receipt → looking the receipt up again;
a refused comment keeps its text; the text survives a reload; everything works without JavaScript.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]

SIZES = pytest.mark.parametrize(("size", "options"), [("phone", PHONE), ("desktop", DESKTOP)])
SLUG = "chengshi-shufang-tiaoli"
TITLE = "本市城市书房条例（草案）"
BODY = "建议开放时间延长到晚上九点，罚款<5000元 & 以上的规定要慎重 👍"
CODE = re.compile(r"^\d{4}-\d{3}-\d{3}-\d{3}$")
ARTICLE_URL = re.compile(rf"/drafts/{SLUG}/articles/(\d+)(#comment-form)?$")
RECEIPT_URL = re.compile(r"/receipts/[\d-]+(\?new=1#receipt)?$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own, so many submissions from 127.0.0.1 never hit the rate limit."""
    live = LiveServer(
        tmp_path_factory.mktemp("citizen-instance"), env={"CONSULT_COMMENT_RATE_LIMIT": "1000 per minute"}
    )
    live.start()
    yield live
    live.stop()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh contexts (zh-CN), closed after the test."""
    contexts = []

    def open_page(options: dict, **extra):
        context = browser.new_context(locale="zh-CN", **options, **extra)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def assert_fits(page) -> None:
    """Nothing scrolls sideways, and the content does not stick to the header."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"
    assert page.locator("main").evaluate("e => parseFloat(getComputedStyle(e).paddingTop)") >= 12


LINES = """e => {
    const r = document.createRange();
    r.selectNodeContents(e);
    return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
}"""


def assert_honeypot_hidden(page) -> None:
    """The bots-only field is off screen and out of the tab order."""
    field = page.locator("#website")
    box = field.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0, box
    assert field.get_attribute("tabindex") == "-1"
    assert page.locator(".honeypot").get_attribute("aria-hidden") == "true"


def open_article(page, base: str, nth: int = 2) -> str:
    """From the draft page, follow the nth article's "对本条发表意见" link; return the article label."""
    page.goto(f"{base}/drafts/{SLUG}")
    article = page.locator("article.article").nth(nth)
    label = article.locator(".article-label").inner_text()
    article.get_by_role("link", name="对本条发表意见").click()
    page.wait_for_url(ARTICLE_URL)
    return label


def submit(page):
    """Press 提交意见 and return the response to the POST (the page that comes back)."""
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.get_by_role("button", name="提交意见").click()
    page.wait_for_load_state()
    return info.value


@SIZES
def test_citizen_comments_on_an_article_and_looks_up_the_receipt(
    browser, new_page, server, screenshot, size, options
):
    page = new_page(options)
    # Home → the draft, by its title link.
    assert page.goto(server.url + "/").status == 200
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/drafts/{SLUG}")
    assert page.locator("h1").inner_text() == TITLE
    summary = page.locator("details.summary-note")
    assert summary.locator("summary").inner_text() == "起草说明"
    # Open while comments are invited on a wide screen; folded on a phone (the page is long there).
    assert summary.evaluate("e => e.open") is (size == "desktop")
    assert summary.locator(".rich").text_content().strip()
    # The summary can be folded away, and shows the disclosure triangle that says so.
    marker = summary.locator("summary").evaluate("e => getComputedStyle(e).display")
    assert marker == "list-item"
    assert page.get_by_role("heading", name="目录").is_visible()
    assert page.locator(".toc li").count() >= 2
    for article_range in page.locator(".toc-range").all():  # 第十九条–第二十五条 never split
        assert article_range.evaluate(LINES) == 1, article_range.inner_text()
    articles = page.locator("article.article")
    assert articles.count() >= 3
    assert articles.nth(0).locator(".article-label").inner_text() == "第一条"
    assert_fits(page)
    assert_honeypot_hidden(page)
    screenshot(page, f"citizen-draft-{size}")

    # The third article, through its "对本条发表意见" link.
    third = articles.nth(2)
    assert third.locator(".article-label").inner_text() == "第三条"
    link = third.get_by_role("link", name="对本条发表意见")
    box = link.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a thumb can hit it
    link.click()
    page.wait_for_url(ARTICLE_URL)
    assert page.locator("h1").inner_text().endswith("第三条")
    assert page.get_by_role("heading", name="对第三条发表意见").is_visible()
    assert_fits(page)
    assert_honeypot_hidden(page)

    # Write the comment as a person would: label → field.
    page.get_by_label("您对第三条的意见").fill(BODY)
    # The counter counts characters; an emoji is one (the server's count) or, in plain JavaScript
    # string length, two UTF-16 units. Either is acceptable here.
    shown = page.locator(".counter").inner_text()
    assert shown in (f"{len(BODY)} / 5000", f"{len(BODY.encode('utf-16-le')) // 2} / 5000"), shown
    page.get_by_label("署名（选填，将公开显示）").fill("王老师")
    page.get_by_label("联系方式（选填，不公开）").fill("wang.laoshi@example.com")
    page.get_by_label("处理结果公布后通知我").check()
    response = submit(page)
    assert response.status == 303

    # The receipt.
    page.wait_for_url(RECEIPT_URL)
    assert "?new=1" in page.url
    assert page.locator(".success h1").inner_text() == "您的意见已提交，谢谢！"
    code = page.locator("#receipt-code").inner_text().strip()
    assert CODE.match(code), code
    code_size = page.locator(".receipt-code .code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert code_size >= 1.5 * body_size
    assert page.locator("#receipt-code").evaluate(LINES) == 1  # on one line, even on a phone
    assert page.locator(".facts").get_by_text("待审核").is_visible()
    assert page.locator(".facts").get_by_role("link", name="第三条").is_visible()
    # The kept draft text is cleared once the comment was received.
    kept = page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('consult-comment:'))")
    assert kept == []
    assert_fits(page)
    screenshot(page, f"citizen-receipt-{size}")

    # Looking it up again, typed the lazy way: digits in groups separated by spaces.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="查询回执").click()
    page.wait_for_url("**/receipts")
    assert_fits(page)
    page.get_by_label("回执码").fill(" " + code.replace("-", " ") + " ")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(RECEIPT_URL)
    assert "?new=1" not in page.url
    assert page.locator("h1").inner_text() == "意见处理情况"
    assert page.locator("#receipt-code").inner_text().strip() == code
    assert page.locator(".facts").get_by_text("待审核").is_visible()
    assert page.locator(".success").count() == 0

    # It is really stored: the public API knows the code.
    api = page.request.get(f"{server.url}/api/v1/receipts/{code}")
    assert api.status == 200
    data = api.json()
    assert data["status"] == "pending"
    assert data["article_label"] == "第三条"
    assert data["draft"] == SLUG
    assert data["receipt_code"] == code


@SIZES
def test_a_refused_comment_keeps_its_text(new_page, server, screenshot, size, options):
    page = new_page(options)
    label = open_article(page, server.url)
    body = page.get_by_label(f"您对{label}的意见")

    # Too short: the page comes back with the error next to the field and the text kept.
    body.fill("太短了")
    response = submit(page)
    assert response.status == 400
    page.wait_for_url(re.compile(rf"/drafts/{SLUG}/comments(#comment-form)?$"))
    body = page.get_by_label(f"您对{label}的意见")
    assert body.input_value() == "太短了"
    assert body.get_attribute("aria-invalid") == "true"
    error = page.locator("#body-error")
    assert error.inner_text() == "意见内容至少需要5个字"
    assert "body-error" in body.get_attribute("aria-describedby").split()
    # The error sits right under the text box, not somewhere else on the page.
    field_box, error_box = body.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 80
    assert page.get_by_role("alert").inner_text() == "意见内容至少需要5个字"
    assert page.locator("h1").inner_text().endswith(label)
    assert_fits(page)
    assert_honeypot_hidden(page)
    screenshot(page, f"citizen-article-error-{size}")

    # A contact that is neither a phone number nor an e-mail address: both fields keep their text.
    text = "图书馆的自习座位应当可以网上预约，避免占座。"
    body.fill(text)
    page.get_by_label("署名（选填，将公开显示）").fill("李女士")
    page.get_by_label("联系方式（选填，不公开）").fill("abc")
    assert submit(page).status == 400
    body = page.get_by_label(f"您对{label}的意见")
    contact = page.get_by_label("联系方式（选填，不公开）")
    assert body.input_value() == text
    assert body.get_attribute("aria-invalid") == "false"
    assert contact.input_value() == "abc"
    assert contact.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("署名（选填，将公开显示）").input_value() == "李女士"
    assert page.locator(".field-error").inner_text() == "请填写有效的手机号码、固定电话（含区号）或电子邮箱"
    assert_fits(page)


@SIZES
def test_a_comment_too_large_to_read_leads_back_to_its_text(new_page, server, screenshot, size, options):
    """Past the route's body limit the server refuses unread (413), so it cannot show the text again:
    the page says why and its link leads back to the form, where the text is still there."""
    page = new_page(options)
    label = open_article(page, server.url)
    article_url = page.url.split("#")[0]
    text = "建议延长开放时间。" * 40_000  # 360,000 characters, about 1 MB: over the 256 KiB a form may send
    body = page.get_by_label(f"您对{label}的意见")
    body.evaluate("(e, t) => { e.value = t; e.dispatchEvent(new Event('input')); }", text)
    response = submit(page)
    assert response.status == 413
    assert page.title().startswith("提交的内容过大")
    assert "每条意见不超过5000字" in page.locator(".error-message").inner_text()
    screenshot(page, f"citizen-comment-too-large-{size}")
    page.get_by_role("link", name="回到意见表").click()
    page.wait_for_url(re.compile(re.escape(article_url) + "#comment-form$"))
    assert page.get_by_label(f"您对{label}的意见").input_value() == text
    assert page.locator(".counter").inner_text() == f"{len(text)} / 5000"


@SIZES
def test_the_text_survives_a_reload(new_page, server, size, options):
    page = new_page(options)
    label = open_article(page, server.url)
    article_url = page.url.split("#")[0]
    text = "城市书房应当配备无障碍设施，方便老年人和残疾人使用。"
    page.get_by_label(f"您对{label}的意见").fill(text)
    page.reload()
    assert page.get_by_label(f"您对{label}的意见").input_value() == text
    # A fresh visit to the same address (no browser form restoration) still finds it.
    page.goto(server.url + "/")
    page.goto(article_url)
    assert page.get_by_label(f"您对{label}的意见").input_value() == text
    assert page.locator(".counter").inner_text() == f"{len(text)} / 5000"
    # Another article's form does not get it.
    open_article(page, server.url, nth=0)
    assert page.get_by_label("您对第一条的意见").input_value() == ""


@SIZES
def test_commenting_works_without_javascript(new_page, server, size, options):
    page = new_page(options, java_script_enabled=False)
    label = open_article(page, server.url)
    assert page.locator(".counter").count() == 0  # no JavaScript ran
    assert_honeypot_hidden(page)
    page.get_by_label(f"您对{label}的意见").fill("建议周末和节假日照常开放，并公布开放时间。")
    page.get_by_label("联系方式（选填，不公开）").fill("reader@example.com")
    assert submit(page).status == 303
    page.wait_for_url(RECEIPT_URL)
    assert page.locator(".success h1").inner_text() == "您的意见已提交，谢谢！"
    code = page.locator("#receipt-code").inner_text().strip()
    assert CODE.match(code), code
    # The copy button needs the clipboard API; without JavaScript it stays out of the way.
    assert not page.get_by_role("button", name="复制回执码").is_visible()
    assert_fits(page)
    data = page.request.get(f"{server.url}/api/v1/receipts/{code}").json()
    assert data["status"] == "pending"
    assert data["article_label"] == label
