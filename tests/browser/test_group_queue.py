"""A staff member in a real Chromium meets a campaign in the moderation queue: one item for the group
(its size, the burst flag when it is one), opens its members with their personal-data flags, and
publishes all of them after a confirmation that names the flagged member. axe checks every page."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]
PASSWORD = "Group-browser-pass-1"
SLUG = "chengshi-shufang-tiaoli"
CAMPAIGN = "建议城市书房开放时间延长到晚上十点，方便上班族下班后去看书，{estate}居民都很需要。"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都"]
PHONE = "，联系电话13912345678"
SHOTS = Path("/tmp/h/queue")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("group-queue-live"), workers=2)
    live.start()
    result = live.flask(
        "users", "create", "groupstaff", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    live.token = live.flask("users", "token", "groupstaff").stdout.strip().splitlines()[-1]
    # The demo data's grouping and search rows, drained now: left to the server, a background drain
    # would hold the database while the test writes.
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


def test_publish_a_group_from_the_queue(browser, server, screenshot):
    ids = []
    for n, estate in enumerate(ESTATES):
        body = CAMPAIGN.format(estate=estate) + (PHONE if n == 2 else "")
        ids.append(
            api(server, f"/api/v1/admin/drafts/{SLUG}/comments", {"body": body, "channel": "letter"})["id"]
        )
    assert server.flask("groups", "rebuild", SLUG).returncode == 0
    groups = api(server, f"/api/v1/admin/drafts/{SLUG}/groups")["groups"]
    group = next(g for g in groups if set(ids) <= set(g["comment_ids"]))

    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("groupstaff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")

    # The queue, narrowed to letters on this draft: the four letters are one item.
    page.goto(server.url + f"/admin/moderation?draft={SLUG}&channel=letter")
    item = page.locator(f"li.queue-group[data-group='{group['id']}']")
    assert item.count() == 1
    assert f"共{group['size']}条相同或相似意见" in item.inner_text()
    listed = page.locator(".queue-item").evaluate_all("els => els.map(e => +e.dataset.id)")
    assert len(set(ids) & set(listed)) == 1  # the other members are not listed on their own
    item.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot(page, "group-queue-1-queue"), SHOTS / "group-queue-1-queue.png")

    # Its members, each with its flags.
    with page.expect_navigation():
        item.get_by_role("link", name="查看组内成员").click()
    flagged = page.locator(f"#m{ids[2]} .flag")
    assert "电话" in flagged.inner_text()
    shutil.copy(screenshot(page, "group-queue-2-members"), SHOTS / "group-queue-2-members.png")

    # 全部发布: the confirmation names the flagged member and asks to confirm having seen it.
    with page.expect_navigation():
        page.get_by_role("link", name="全部发布").click()
    assert f"#{ids[2]}" in page.locator("#flagged").inner_text()
    shutil.copy(screenshot(page, "group-queue-3-confirm"), SHOTS / "group-queue-3-confirm.png")
    page.get_by_label("已查看个人信息提示，确认公开这些意见的原文").check()
    with page.expect_navigation():
        page.get_by_role("button", name="确认全部发布").click()
    outcome = page.locator("#moderation-outcome").inner_text()
    assert f"已全部公开意见组 #{group['id']} 中待审核的" in outcome
    assert page.locator(f"li.queue-group[data-group='{group['id']}']").count() == 0
    shutil.copy(screenshot(page, "group-queue-4-done"), SHOTS / "group-queue-4-done.png")
    published = api(server, f"/api/v1/admin/comments?draft={SLUG}&status=published&per_page=100")
    assert set(ids) <= {c["id"] for c in published["comments"]}
    context.close()
