"""A staff member in a real Chromium: signs in, moderates with the keyboard, rejects with a reason,
undoes a publication made with one key, and records a decision on a published comment in the review view."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.browser.conftest import DESKTOP
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]
PASSWORD = "Staff-browser-pass-1"
SLUG = "chengshi-shufang-tiaoli"
DECISION_REASON = "该意见涉及城市书房的日常运营管理，宜由运营单位在服务规范中具体规定，条例不作规定。"


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


def comments_by_id(server, status: str) -> dict[int, dict]:
    path = f"/api/v1/admin/comments?draft={SLUG}&status={status}&per_page=100"
    return {c["id"]: c for c in api(server, path)["comments"]}


def sign_in(browser, server, screenshot, shot: str):
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("browserstaff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    assert page.locator("h1").inner_text() == "工作台"
    screenshot(page, shot)
    return context, page


def moderate_with_the_keyboard(page, server, screenshot, shots: tuple[str, str]) -> tuple[list[int], int]:
    """Publish the two oldest pending comments with p, reject the third with a reason; their ids."""
    page.goto(server.url + f"/admin/moderation?draft={SLUG}")
    first_ids = page.locator(".queue-item").evaluate_all("els => els.map(e => +e.dataset.id)")
    assert len(first_ids) >= 3
    screenshot(page, shots[0])
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
    assert f"已不予公开 #{third}（理由：与本草案无关）" in page.locator("#moderation-outcome").inner_text()
    screenshot(page, shots[1])
    return first_ids[:2], third


def test_staff_moderate_with_the_keyboard(browser, staff_server, screenshot):
    context, page = sign_in(browser, staff_server, screenshot, "staff-overview-desktop")
    published_ids, third = moderate_with_the_keyboard(
        page, staff_server, screenshot, ("staff-queue-desktop", "staff-queue-after-desktop")
    )
    published = comments_by_id(staff_server, "published")
    assert all(i in published for i in published_ids)
    rejected = comments_by_id(staff_server, "rejected")
    assert rejected[third]["moderation_reason"] == "与本草案无关"
    context.close()


def test_staff_records_a_decision_in_the_review_view(browser, staff_server, screenshot):
    context, page = sign_in(browser, staff_server, screenshot, "staff-decision-1-overview")
    published_ids, _rejected = moderate_with_the_keyboard(
        page, staff_server, screenshot, ("staff-decision-2-queue", "staff-decision-3-queue-after")
    )
    published = comments_by_id(staff_server, "published")
    # A comment just published with the keyboard, preferably one on an article (else a general one).
    target = next((i for i in published_ids if published[i]["article_id"]), published_ids[0])
    other = next(i for i in published_ids if i != target)
    assert published[target]["decision"] is None and published[other]["decision"] is None
    row = f'tr[data-article="{published[target]["article_id"] or "general"}"]'

    # The way staff get there: 研究处理 in the navigation → the draft → the comment's article.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="研究处理").click()
    page.wait_for_url("**/admin/review")
    page.locator(f'tr[data-slug="{SLUG}"] th a').click()
    page.wait_for_url(f"**/admin/review/{SLUG}")
    undecided_before = int(page.locator(f"{row} td.undecided").inner_text())
    assert undecided_before >= 1
    screenshot(page, "staff-decision-4-review-draft")
    with page.expect_navigation():
        page.locator(f"{row} th a").click()
    item = page.locator(f"#c{target}")
    assert item.locator(".badge-undecided").inner_text() == "未处理"
    form = item.locator("form.decision-form")

    # 未采纳 without a reason is refused, and the choice stays on the form.
    form.get_by_label("未采纳", exact=True).check()
    with page.expect_navigation():
        form.get_by_role("button", name="保存处理结果").click()
    assert "除“采纳”外，处理结果必须附公开的理由" in item.locator(".field-error").inner_text()
    assert form.get_by_label("未采纳", exact=True).is_checked()
    screenshot(page, "staff-decision-5-reason-missing")
    assert comments_by_id(staff_server, "published")[target]["decision"] is None

    # With a public reason it is saved.
    form.get_by_label("公开的理由").fill(DECISION_REASON)
    with page.expect_navigation():
        form.get_by_role("button", name="保存处理结果").click()
    assert page.locator(".flash").inner_text() == f"已保存意见 #{target} 的处理结果：未采纳。"
    shown = page.locator(f"#c{target} .current-decision")
    assert shown.locator(".outcome").inner_text() == "未采纳"
    assert shown.locator(".reason").inner_text() == DECISION_REASON
    assert "browserstaff" in shown.locator(".decided-by").inner_text()
    screenshot(page, "staff-decision-6-saved")

    # The comment's assignment and internal notes are on its own page, linked from the list.
    with page.expect_navigation():
        page.locator(f"#c{target} .work-link a").click()
    assert page.locator("h1").inner_text().startswith(f"意见 #{target}")
    page.get_by_label("本条意见分配给").select_option(label="browserstaff（browserstaff）")
    with page.expect_navigation():
        page.get_by_role("button", name="保存分工").click()
    assert page.locator(".flash").inner_text() == "已更新分工。"
    assert "browserstaff" in page.locator(f"#c{target} .comment-work .assigned").inner_text()
    with page.expect_navigation():
        page.locator(f"#c{target} .work-link a").click()
    page.get_by_label("内部备注（只有工作人员可见，不公开）").fill("已电话联系提出人")
    screenshot(page, "staff-decision-6b-comment-work")
    with page.expect_navigation():
        page.get_by_role("button", name="添加备注").click()
    assert "已电话联系提出人" in page.locator(f"#c{target} .internal-note").inner_text()
    screenshot(page, "staff-decision-6c-list-with-note")

    # The JSON API has it, on that comment only.
    published = comments_by_id(staff_server, "published")
    decision = published[target]["decision"]
    assert decision is not None
    assert (decision["outcome"], decision["reason"]) == ("not_adopted", DECISION_REASON)
    assert published[other]["decision"] is None
    # And the draft's review page counts one undecided comment fewer on that article.
    page.goto(staff_server.url + f"/admin/review/{SLUG}")
    assert int(page.locator(f"{row} td.undecided").inner_text()) == undecided_before - 1
    screenshot(page, "staff-decision-7-review-draft-after")
    context.close()


def test_staff_undo_a_publication_made_with_one_key(browser, staff_server, screenshot):
    """p publishes at once, so the message says what happened and u (or 撤销) puts it back; the bulk
    form refuses nothing ticked and 不予公开 without a reason before asking; Enter in a box sends nothing."""
    context, page = sign_in(browser, staff_server, screenshot, "staff-undo-0-overview")
    page.goto(staff_server.url + f"/admin/moderation?draft={SLUG}")
    top = int(page.locator(".queue-item.current").get_attribute("data-id"))
    with page.expect_navigation():
        page.keyboard.press("p")
    box = page.locator("#moderation-outcome")
    assert box.locator("p").inner_text().startswith(f"已公开 #{top}")
    assert box.get_by_role("button", name="撤销").is_visible()
    assert page.locator(f"#c{top}").count() == 0
    assert top in comments_by_id(staff_server, "published")
    screenshot(page, "staff-undo-1-published")

    with page.expect_navigation():
        page.keyboard.press("u")
    assert page.locator("#moderation-outcome").inner_text().strip() == f"已撤销：#{top} 恢复为“待审核”"
    assert page.locator(".queue-item").first.get_attribute("data-id") == str(top)  # back on top
    assert top in comments_by_id(staff_server, "pending")
    screenshot(page, "staff-undo-2-undone")

    # The bulk form: nothing is sent on Enter in a ticked box, and the checks come before the question.
    sent, asked = [], []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    box = page.locator(f"#c{top} input[name=ids]")
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    assert sent == [] and page.url.endswith(f"/admin/moderation?draft={SLUG}")
    bulk = page.locator("form#bulk")
    bulk.locator("select[name=action]").select_option("reject")
    bulk.get_by_role("button", name="批量执行").click()
    message = page.locator("#bulk-message")
    assert message.inner_text() == "批量不予公开时必须选择理由" and message.is_visible()
    assert page.evaluate("document.activeElement.name") == "reason"
    assert sent == [] and asked == []
    screenshot(page, "staff-undo-3-bulk-needs-reason")
    box.uncheck()
    bulk.locator("select[name=action]").select_option("publish")
    bulk.get_by_role("button", name="批量执行").click()
    assert message.inner_text() == "请先勾选要处理的意见"
    assert sent == [] and asked == []
    assert top in comments_by_id(staff_server, "pending")
    context.close()
