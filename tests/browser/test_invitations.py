"""Invitations in a real Chromium: a staff member invites a deputy to two articles with a due date and
sends the one reminder; the deputy signs in, sees 邀请您提出意见 on their page (on a phone), comments as
themselves on the article, and the invitation reads as answered on both sides. axe clean throughout."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import DESKTOP, PHONE, check_axe
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]
STAFF_PASSWORD = "Invite-browser-pass-1"
DEPUTY_PASSWORD = "Deputy-browser-pass-1"
SLUG = "chengshi-shufang-tiaoli"


@pytest.fixture(scope="module")
def invite_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("invite-live"), workers=2)
    server.start()
    for args, password in (
        (("inviter", "--role", "staff"), STAFF_PASSWORD),
        (
            ("zhangdb", "--role", "deputy", "--display-name", "张建华", "--email", "zhangdb@example.gov.cn"),
            DEPUTY_PASSWORD,
        ),
    ):
        result = server.flask("users", "create", *args, "--password-stdin", stdin=password + "\n")
        assert result.returncode == 0, result.stderr
    yield server
    server.stop()


def sign_in(browser, server, username, password, options, landing):
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(landing)
    return context, page


def test_staff_invite_and_the_deputy_answers(browser, invite_server, screenshot):
    server = invite_server
    staff, page = sign_in(browser, server, "inviter", STAFF_PASSWORD, DESKTOP, "**/admin/")
    page.goto(server.url + f"/admin/drafts/{SLUG}")
    page.get_by_role("link", name="邀请、查看答复和发送提醒").click()
    page.wait_for_url(f"**/admin/drafts/{SLUG}/invitations")
    check_axe(page)
    page.get_by_label("受邀人").select_option("zhangdb")
    page.get_by_label("第二条", exact=True).check()
    page.get_by_label("第五条", exact=True).check()
    page.get_by_label("截止日期").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="发出邀请").click()
    page.wait_for_load_state()
    assert "已邀请 张建华" in page.locator(".flash").inner_text()
    row = page.locator("table.invitations-table tbody tr").first
    assert "第二条、第五条" in row.inner_text() and "尚未提出意见" in row.inner_text()
    row.get_by_role("button", name="发送提醒").click()
    page.wait_for_load_state()
    assert "已向 张建华 发送提醒" in page.locator(".flash").inner_text()
    screenshot(page, "invitations-staff")
    check_axe(page)

    deputy, mine = sign_in(browser, server, "zhangdb", DEPUTY_PASSWORD, PHONE, "**/my/invitations")
    item = mine.locator("li.invitation").first
    assert "邀请您提出意见" in item.inner_text() and "第二条" in item.inner_text()
    assert "尚未提出意见" in item.inner_text()
    screenshot(mine, "invitations-mine-phone")
    check_axe(mine)
    item.get_by_role("link", name="阅读草案并提出意见").click()
    mine.wait_for_url("**/articles/**")
    form = mine.locator("form.comment-form")
    assert "张建华" in form.inner_text() and form.locator("input[name=contact]").count() == 0
    screenshot(mine, "invitations-deputy-form-phone")
    check_axe(mine)
    form.locator("textarea").fill("建议第二条明确城市书房夜间开放的最低时长。")
    form.get_by_role("button").last.click()
    mine.wait_for_url("**/receipts/**")
    mine.goto(server.url + "/my/invitations")
    assert "已提出意见" in mine.locator("li.invitation").first.inner_text()
    deputy.close()

    page.reload()
    answered = page.locator("table.invitations-table tbody tr").first
    assert answered.get_attribute("data-answered") == "true"
    screenshot(page, "invitations-staff-answered")
    staff.close()
