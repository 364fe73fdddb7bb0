"""Subscribing in a real Chromium (issue 17 point 4): the /subscribe form at phone width with and without
JavaScript, a refusal that names the field, the "check your mail" answer, then the confirmation link from
the mail `notify send` sent (to an SMTP server on loopback) and the unsubscribe button; axe on every page,
screenshots."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE, SCREENSHOTS, check_axe
from tests.feedback.test_notifications import SmtpServer
from tests.live import LiveServer, free_port

pytestmark = [pytest.mark.once, pytest.mark.browser]


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp):
    port = free_port()
    # Links in the mails point at this server itself; the mails go to the loopback SMTP server.
    live = LiveServer(
        tmp_path_factory.mktemp("subscribe-live"),
        env={
            "CONSULT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "CONSULT_MAIL_SERVER": "127.0.0.1",
            "CONSULT_MAIL_PORT": str(smtp.port),
        },
    )
    live.port, live.url = port, f"http://127.0.0.1:{port}"
    live.env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    live.start()
    yield live
    live.stop()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"the page scrolls sideways: {width} px"


@pytest.mark.parametrize("javascript", [True, False])
def test_subscribing_on_a_phone_refuses_clearly_then_answers_check_your_mail(browser, server, javascript):
    context = browser.new_context(locale="zh-CN", java_script_enabled=javascript, **PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/")
    page.locator("footer a", has_text="订阅通知").click()
    page.wait_for_url("**/subscribe")
    _fits_the_phone(page)
    check_axe(page)
    suffix = "" if javascript else "-nojs"
    _shot(page, f"subscribe-phone{suffix}")
    page.fill("#email", "读者@例子")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator("#email-error")
    assert "格式不正确" in error.inner_text()
    assert page.locator("#email").input_value() == "读者@例子"
    assert page.title().startswith("错误：")
    _fits_the_phone(page)
    check_axe(page)
    _shot(page, f"subscribe-refused-phone{suffix}")
    page.fill("#email", f"reader{suffix or '-js'}@example.cn")
    page.locator("input[name=topics][value=feedback]").uncheck()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/subscribe/sent")
    assert "请查收确认邮件" in page.locator("h1").inner_text()
    check_axe(page)
    _shot(page, f"subscribe-sent-phone{suffix}")
    context.close()


def test_the_confirmation_link_and_the_unsubscribe_button(browser, server, smtp):
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/subscribe")
    page.fill("#email", "confirm@example.cn")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/subscribe/sent")
    result = server.flask("notify", "send")
    assert result.returncode == 0, result.stderr
    (mail,) = smtp.handler.to("confirm@example.cn")
    body = mail.get_content()
    confirm = re.search(r"http://127\.0\.0\.1:\d+/subscriptions/confirm/\S+", body).group(0)
    page.goto(confirm)
    assert "订阅已确认" in page.locator("h1").inner_text()
    assert "c***@example.cn" in page.locator("main").inner_text()
    _fits_the_phone(page)
    check_axe(page)
    _shot(page, "subscription-confirmed-phone")
    page.locator("main a", has_text="退订").click()
    page.wait_for_url("**/subscriptions/unsubscribe/**")
    check_axe(page)
    _shot(page, "unsubscribe-phone")
    page.locator("main button", has_text="确认退订").click()
    page.wait_for_load_state()
    assert "已退订" in page.locator("main").inner_text()
    check_axe(page)
    _shot(page, "unsubscribed-phone")
    context.close()
