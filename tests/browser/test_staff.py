"""A staff member in a real Chromium: signs in, moderates with the keyboard, rejects with a reason."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.browser.conftest import DESKTOP
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]
PASSWORD = "Staff-browser-pass-1"


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("staff-live"), workers=2)
    server.start()
    result = server.flask(
        "users", "create", "browserstaff", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    token = server.flask("users", "token", "browserstaff").stdout.strip().splitlines()[-1]
    server.token = token
    yield server
    server.stop()


def api(server, path):
    req = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {server.token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_staff_moderate_with_the_keyboard(browser, staff_server, screenshot):
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(staff_server.url + "/login")
    page.get_by_label("用户名").fill("browserstaff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    assert page.locator("h1").inner_text() == "工作台"
    screenshot(page, "staff-overview-desktop")

    page.goto(staff_server.url + "/admin/moderation?draft=chengshi-shufang-tiaoli")
    first_ids = page.locator(".queue-item").evaluate_all("els => els.map(e => +e.dataset.id)")
    assert len(first_ids) >= 3
    screenshot(page, "staff-queue-desktop")
    # p publishes the focused (oldest) comment; the queue reloads with the next one on top.
    for expected in first_ids[:2]:
        assert page.locator(".queue-item.current").get_attribute("data-id") == str(expected)
        with page.expect_navigation():
            page.keyboard.press("p")
    third = first_ids[2]
    assert page.locator(".queue-item.current").get_attribute("data-id") == str(third)
    # r without a reason moves to the reason list instead of submitting.
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.locator(f"#c{third} select[name=reason]").select_option("与本草案无关")
    with page.expect_navigation():
        page.locator(f"#c{third} button[value=reject]").click()
    assert "已处理意见" in page.locator(".flash").inner_text()
    screenshot(page, "staff-queue-after-desktop")

    published = {
        c["id"]: c
        for c in api(
            staff_server, "/api/v1/admin/comments?draft=chengshi-shufang-tiaoli&status=published&per_page=100"
        )["comments"]
    }
    assert all(i in published for i in first_ids[:2])
    rejected = {
        c["id"]: c
        for c in api(
            staff_server, "/api/v1/admin/comments?draft=chengshi-shufang-tiaoli&status=rejected&per_page=100"
        )["comments"]
    }
    assert rejected[third]["moderation_reason"] == "与本草案无关"
    context.close()
