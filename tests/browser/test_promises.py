"""Promises the site makes, kept in a real Chromium on a phone (issue 12, points 1–4).

A refused comment lands on its error (title, focus, in view); a double tap stores one comment, with
and without JavaScript; Back after success and submitting again answers with the first receipt; the
receipt shows what the person wrote and how they will be told.
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.browser.conftest import PHONE, SCREENSHOTS, check_axe
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]

SLUG = "chengshi-shufang-tiaoli"
RECEIPT_URL = re.compile(r"/receipts/[\d-]+(\?new=1#receipt)?$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(
        tmp_path_factory.mktemp("promises-instance"), env={"CONSULT_COMMENT_RATE_LIMIT": "1000 per minute"}
    )
    live.start()
    yield live
    live.stop()


@pytest.fixture
def phone(browser):
    contexts = []

    def open_page(**extra):
        context = browser.new_context(locale="zh-CN", **PHONE, **extra)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def stored(server, body: str) -> int:
    """How many comments with this exact text the server's database holds."""
    with sqlite3.connect(server.instance / "consult.sqlite") as db:
        return db.execute("SELECT count(*) FROM comment WHERE body = ?", (body,)).fetchone()[0]


def viewport_shot(page, name: str) -> None:
    """What the person sees now (not the whole page)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_third_article(page, base: str) -> None:
    page.goto(f"{base}/drafts/{SLUG}")
    page.locator("article.article").nth(2).get_by_role("link", name="对本条发表意见").click()
    page.wait_for_url(re.compile(r"/articles/\d+"))


def test_a_refused_comment_on_a_phone_lands_on_the_error(phone, server):
    page = phone()
    open_third_article(page, server.url)
    page.get_by_label("您对第三条的意见").fill("太短")
    page.get_by_label("联系方式（选填，不公开）").fill("13812345678")
    page.get_by_label("处理结果公布后通知我").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交意见").click()
    assert page.title().startswith("错误：")
    # Focus is on the error summary, and the summary is on the screen (not two screens below).
    assert page.evaluate("document.activeElement.id") == "form-message"
    top = page.locator("#form-message").evaluate("e => e.getBoundingClientRect().top")
    assert -1 <= top < page.viewport_size["height"] / 2, top  # sub-pixel rounding at scale 2
    summary = page.locator("#form-message")
    assert "至少需要5个字" in summary.inner_text()
    # Both problems are listed, each a link to its field: the notice needs an e-mail address.
    assert summary.get_by_role("link").count() == 2
    assert "电子邮箱" in page.locator("#notify-error").inner_text()
    viewport_shot(page, "promises-refused-phone")
    check_axe(page)


def test_a_double_tap_stores_one_comment(phone, server):
    page = phone()
    open_third_article(page, server.url)
    body = "双击提交按钮只应保存一条意见，这是第一条。"
    page.get_by_label("您对第三条的意见").fill(body)
    button = page.get_by_role("button", name="提交意见")
    with page.expect_navigation(url=RECEIPT_URL):
        button.dblclick(delay=120)  # two taps 120 ms apart
    assert stored(server, body) == 1
    code = page.locator("#receipt-code").inner_text()
    viewport_shot(page, "promises-receipt-phone")
    # The receipt shows what was written.
    assert page.locator(".receipt-body").inner_text() == body

    # Back, and submit the same page again: the first receipt, nothing stored.
    page.go_back()
    page.wait_for_url(re.compile(r"/articles/\d+"))
    if page.get_by_label("您对第三条的意见").input_value() != body:
        page.get_by_label("您对第三条的意见").fill(body)  # a browser that did not keep the text
    with page.expect_navigation(url=RECEIPT_URL):
        page.get_by_role("button", name="提交意见").click()
    assert stored(server, body) == 1
    assert page.locator("#receipt-code").inner_text() == code


def test_without_javascript_two_posts_of_one_page_store_one_comment(phone, server):
    page = phone(java_script_enabled=False)
    open_third_article(page, server.url)
    body = "没有脚本的手机上连按两次也只保存一条意见。"
    page.get_by_label("您对第三条的意见").fill(body)
    form = page.locator("form.comment-form")
    fields = {
        name: form.locator(f"[name={name}]").first.input_value()
        for name in ("csrf_token", "submission_id", "article_id")
    }
    # Two submissions of the same page, as a browser without the script sends them on a double tap.
    post = {**fields, "body": body, "author_name": "", "contact": "", "website": ""}
    first = page.request.post(f"{server.url}/drafts/{SLUG}/comments", form=post, max_redirects=0)
    second = page.request.post(f"{server.url}/drafts/{SLUG}/comments", form=post, max_redirects=0)
    assert first.status == second.status == 303
    assert first.headers["location"] == second.headers["location"]
    assert stored(server, body) == 1


def test_the_receipt_says_how_the_notice_will_come(phone, server):
    page = phone()
    open_third_article(page, server.url)
    body = "希望公布处理结果时用邮件告诉我。"
    page.get_by_label("您对第三条的意见").fill(body)
    page.get_by_label("联系方式（选填，不公开）").fill("wang.fang@example.com")
    page.get_by_label("处理结果公布后通知我").check()
    with page.expect_navigation(url=RECEIPT_URL):
        page.get_by_role("button", name="提交意见").click()
    assert "将通过电子邮件通知 w***@example.com" in page.locator("#notifications").inner_text()
    assert page.locator(".facts").get_by_text(body).is_visible()
    check_axe(page)
