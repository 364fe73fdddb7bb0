"""A staff member in a real Chromium decides once for a group of similar letters (随组决定): the page of
group decisions says how many members the decision reaches, the review page marks each member's decision
随组决定, and once the feedback is published the public report shows the group as one entry, 共N条相同或
相似意见. axe checks every page."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]
PASSWORD = "Group-decision-pass-1"
SLUG = "nongmao-shichang-guanli-tiaoli"  # the demo's draft closed and under review
LETTER = "建议农贸市场保留现金支付窗口，{estate}的老年人不会用手机支付，买菜很不方便，希望条例写明。"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都"]
REASON = "修正草案第十二条已规定入场经营者不得拒收现金。"
SHOTS = Path("/tmp/h/decide")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("group-decision-live"), workers=2)
    live.start()
    result = live.flask(
        "users", "create", "decidestaff", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    live.token = live.flask("users", "token", "decidestaff").stdout.strip().splitlines()[-1]
    for worker in (("groups", "worker", "--once"), ("search", "worker", "--once")):
        assert live.flask(*worker).returncode == 0
    yield live
    live.stop()


def api(server, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    req = urllib.request.Request(server.url + path, data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def test_decide_once_for_a_group(browser, server, screenshot):
    ids = []
    for estate in ESTATES:
        letter = {"body": LETTER.format(estate=estate), "channel": "letter"}
        ids.append(api(server, f"/api/v1/admin/drafts/{SLUG}/comments", letter)["id"])
    for comment_id in ids:
        api(server, f"/api/v1/admin/comments/{comment_id}/moderate", {"action": "publish"})
    assert server.flask("groups", "rebuild", SLUG).returncode == 0
    groups = api(server, f"/api/v1/admin/drafts/{SLUG}/groups")["groups"]
    group = next(g for g in groups if set(ids) <= set(g["comment_ids"]))
    SHOTS.mkdir(parents=True, exist_ok=True)

    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("decidestaff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")

    # From the review page's group count to the page of group decisions.
    page.goto(server.url + f"/admin/review/{SLUG}")
    with page.expect_navigation():
        page.locator("tr.general-row td.groups a").click()
    item = page.locator(f"#g{group['id']}")
    assert f"共{group['size']}条相同或相似意见" in item.inner_text()
    assert f"本组{group['size']}条已公开的意见随组决定" in item.locator(f"#reach-{group['id']}").inner_text()
    item.get_by_label("未采纳").check()
    item.get_by_label("公开的理由").fill(REASON)
    item.scroll_into_view_if_needed()
    shutil.copy(screenshot(page, "group-decision-1-form"), SHOTS / "group-decision-1-form.png")
    with page.expect_navigation():
        item.get_by_role("button", name=f"为本组{group['size']}条意见保存处理结果").click()
    assert f"{group['size']}条已公开的意见随组决定" in page.locator(".flash").inner_text()
    assert "随组决定" in page.locator(f"#g{group['id']} .current-decision").inner_text()
    shutil.copy(screenshot(page, "group-decision-2-saved"), SHOTS / "group-decision-2-saved.png")

    # The members on the review page of the general opinions: 随组决定.
    page.goto(server.url + f"/admin/review/{SLUG}/general")
    for comment_id in ids:
        assert "随组决定" in page.locator(f"#c{comment_id} .current-decision").inner_text()
    page.locator(f"#c{ids[0]}").scroll_into_view_if_needed()
    shutil.copy(screenshot(page, "group-decision-3-review"), SHOTS / "group-decision-3-review.png")
    context.close()

    # Published: the public report's general opinions show the group once.
    api(server, f"/api/v1/admin/drafts/{SLUG}/feedback", {})
    phone = browser.new_context(locale="zh-CN", **PHONE)
    public = phone.new_page()
    public.goto(server.url + f"/drafts/{SLUG}/feedback/general")
    entry = public.locator("li.fb-item", has_text=f"共{group['size']}条相同或相似意见")
    assert entry.count() == 1 and REASON in entry.inner_text()
    entry.scroll_into_view_if_needed()
    shutil.copy(screenshot(public, "group-decision-4-public"), SHOTS / "group-decision-4-public.png")
    phone.close()
