"""The moderation queue (HTML): order, filters, actions, bulk, take-down, conflicts, the cache, paging."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import AuditLog, Comment, Decision
from tests.conftest import csrf_token_from

URL = "/admin/moderation"


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def listed(resp) -> list[int]:
    return [int(li["data-id"]) for li in soup(resp).select("li.queue-item")]


def fresh(comment_id: int) -> Comment:
    end_read()
    return db.session.get(Comment, comment_id, populate_existing=True)


def post(c, url: str, **fields):
    token = csrf_token_from(c.get(URL).data)
    return c.post(url, data={"csrf_token": token, **fields})


@pytest.fixture
def queue(factory):
    """Pending comments submitted a minute apart (out of id order), plus ones not pending."""
    draft = factory.draft()
    start = utcnow() - timedelta(hours=1)
    late = factory.comment(draft, body="后提交的意见", submitted_at=start + timedelta(minutes=5))
    early = factory.comment(draft, body="先提交的意见", submitted_at=start, article_index=2)
    middle = factory.comment(
        draft, body="请联系我 13800138000", submitted_at=start + timedelta(minutes=2), article_index=None
    )
    factory.comment(draft, body="已公开的意见", status="published")
    return draft, early, middle, late


def test_pending_comments_oldest_first_with_personal_data_flagged(login_as, queue):
    _draft, early, middle, late = queue
    staff = login_as("staff")
    resp = staff.get(URL)
    assert resp.status_code == 200
    assert listed(resp) == [early.id, middle.id, late.id]
    item = soup(resp).select_one(f"#c{middle.id}")
    assert "电话号码" in item.select_one(".flag").get_text()
    assert item.select_one("textarea[name=masked_body]").get_text() == "请联系我 138****8000"
    assert soup(resp).select_one(f"#c{early.id} .flag") is None


def test_filters_by_article_channel_date_and_status(login_as, factory, queue):
    draft, early, middle, late = queue
    staff = login_as("staff")
    article = draft.current_version.texts[2].article_id
    page = soup(staff.get(f"{URL}?draft={draft.slug}"))
    options = [o["value"] for o in page.select("select[name=article_id] option")]
    assert str(article) in options  # the article filter appears once a draft is chosen
    assert listed(staff.get(f"{URL}?draft={draft.slug}&article_id={article}")) == [early.id]
    letter = factory.comment(draft, body="来信意见", channel="letter")
    assert listed(staff.get(f"{URL}?channel=letter")) == [letter.id]
    assert len(listed(staff.get(f"{URL}?status=published"))) == 1
    assert len(listed(staff.get(f"{URL}?status=all"))) == 5
    today = utcnow().date()  # the fixture's comments are an hour old; Beijing time may be a day ahead
    future = (today + timedelta(days=3)).isoformat()
    assert listed(staff.get(f"{URL}?from={future}")) == []
    assert set(listed(staff.get(f"{URL}?to={future}"))) == {early.id, middle.id, late.id, letter.id}
    # A malformed date says what is wrong, keeps the other filters, and is no 500.
    resp = staff.get(f"{URL}?from=2026-13-45&channel=letter")
    assert resp.status_code == 200
    assert "日期格式不正确" in soup(resp).select_one(".field-error").get_text()
    assert listed(resp) == [letter.id]


def test_publish_reject_and_spam_with_reasons_and_the_receipt_shows_them(login_as, client, queue):
    _draft, early, middle, late = queue
    staff = login_as("staff")
    c = fresh(early.id)
    resp = post(staff, f"/admin/comments/{early.id}/moderate", action="publish", version=str(c.version))
    assert resp.status_code == 303 and fresh(early.id).status == "published"
    resp = post(
        staff,
        f"/admin/comments/{late.id}/moderate",
        action="reject",
        reason="与本草案无关",
        version=str(fresh(late.id).version),
    )
    assert resp.status_code == 303
    rejected = fresh(late.id)
    assert (rejected.status, rejected.moderation_reason) == ("rejected", "与本草案无关")
    receipt = client.get(f"/receipts/{rejected.receipt_code}")
    assert "与本草案无关" in receipt.get_data(as_text=True)
    # Rejecting needs a reason: told, and nothing changes.
    resp = post(staff, f"/admin/comments/{middle.id}/moderate", action="reject")
    assert resp.status_code == 303 and fresh(middle.id).status == "pending"
    assert "必须填写理由" in soup(staff.get(URL)).select_one(".flash").get_text()
    # A typed reason wins over the picked one.
    post(
        staff, f"/admin/comments/{middle.id}/moderate", action="spam", reason="广告信息", reason_other="刷屏"
    )
    assert (fresh(middle.id).status, fresh(middle.id).moderation_reason) == ("spam", "刷屏")
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.action.like("comment.%")).order_by(AuditLog.id)
    ).all()
    assert actions == ["comment.publish", "comment.reject", "comment.spam"]


def test_publishing_a_masked_copy_keeps_the_original_private(login_as, client, queue):
    draft, _early, middle, _late = queue
    staff = login_as("staff")
    resp = post(
        staff,
        f"/admin/comments/{middle.id}/moderate",
        action="publish",
        use_masked="1",
        masked_body="请联系我 138****8000",
    )
    assert resp.status_code == 303
    c = fresh(middle.id)
    assert (c.status, c.body, c.masked_body) == ("published", "请联系我 13800138000", "请联系我 138****8000")
    public = client.get(f"/api/v1/drafts/{draft.slug}/comments").get_json()
    bodies = [x["body"] for x in public["comments"]]
    assert "请联系我 138****8000" in bodies and not any("13800138000" in b for b in bodies)


def test_a_published_comment_can_be_taken_down_with_a_reason(login_as, client, factory):
    draft = factory.draft()
    c = factory.comment(draft, body="公开后才发现问题", status="published")
    staff = login_as("staff")
    resp = post(staff, f"/admin/comments/{c.id}/moderate", action="reject", reason="含有个人信息")
    assert resp.status_code == 303
    assert (fresh(c.id).status, fresh(c.id).moderation_reason) == ("rejected", "含有个人信息")
    public = client.get(f"/api/v1/drafts/{draft.slug}/comments").get_json()
    assert public["comments"] == []


def test_bulk_actions_need_a_selection_and_act_on_all_of_it(login_as, queue):
    _draft, early, middle, late = queue
    staff = login_as("staff")
    page = soup(staff.get(URL))
    assert page.select_one("form#bulk")["data-confirm"]  # the browser asks before a bulk action
    versions = {i["name"]: i["value"] for i in page.select("input[form=bulk][name^=v-]")}
    resp = post(staff, "/admin/comments/bulk", action="reject", ids=[str(early.id), str(late.id)], **versions)
    assert resp.status_code == 303
    assert "必须填写理由" in soup(staff.get(URL)).select_one(".flash").get_text()
    assert fresh(early.id).status == "pending"
    resp = post(
        staff, "/admin/comments/bulk", action="reject", reason="重复提交", ids=[str(early.id), str(late.id)]
    )
    assert {fresh(early.id).status, fresh(late.id).status} == {"rejected"}
    assert listed(staff.get(URL)) == [middle.id]
    resp = post(staff, "/admin/comments/bulk", action="publish")
    assert "请先勾选要处理的意见" in soup(staff.get(URL)).select_one(".flash").get_text()


def test_the_second_of_two_staff_acting_on_the_same_comment_is_told(login_as, queue):
    _draft, early, _middle, late = queue
    alice, bob = login_as("staff", username="alice"), login_as("staff", username="bob")
    seen = {i["name"]: i["value"] for i in soup(bob.get(URL)).select("input[form=bulk][name^=v-]")}
    version = fresh(early.id).version
    assert post(alice, f"/admin/comments/{early.id}/moderate", action="publish", version=str(version))
    resp = post(
        bob, f"/admin/comments/{early.id}/moderate", action="reject", reason="重复提交", version=str(version)
    )
    assert resp.status_code == 303
    assert "其他工作人员" in soup(bob.get(URL)).select_one(".flash").get_text()
    assert fresh(early.id).status == "published"  # Alice's publication stands
    # The same in bulk: nothing of the selection changes, and the message names the comment.
    resp = post(bob, "/admin/comments/bulk", action="spam", ids=[str(early.id), str(late.id)], **seen)
    flash = soup(bob.get(URL)).select_one(".flash").get_text()
    assert f"#{early.id}" in flash and "未执行" in flash
    assert (fresh(early.id).status, fresh(late.id).status) == ("published", "pending")


def test_the_cached_queue_shows_every_change_at_once(login_as, factory, queue):
    """The list is reused while nothing changed; any write (any worker) is visible on the next load."""
    draft, early, middle, late = queue
    staff = login_as("staff")
    assert listed(staff.get(URL)) == [early.id, middle.id, late.id]
    assert listed(staff.get(URL)) == [early.id, middle.id, late.id]  # served from the cache
    newer = factory.comment(draft, body="刚刚提交的意见")  # another process's write, outside this request
    assert listed(staff.get(URL)) == [early.id, middle.id, late.id, newer.id]
    end_read()
    with write_transaction() as session:  # a change made by another worker, straight in the database
        session.get(Comment, middle.id).status = "published"
    assert listed(staff.get(URL)) == [early.id, late.id, newer.id]
    # Every form still carries this visitor's own CSRF token, never a placeholder or someone else's.
    resp = staff.get(URL)
    tokens = {i["value"] for i in soup(resp).select("input[name=csrf_token]")}
    assert tokens == {csrf_token_from(resp.data)}
    other = login_as("staff", username="other")
    resp = other.get(URL)
    assert {i["value"] for i in soup(resp).select("input[name=csrf_token]")} == {csrf_token_from(resp.data)}
    assert tokens != {csrf_token_from(resp.data)}


def test_next_page_links_follow_the_index_and_deep_pages_work(login_as, factory):
    draft = factory.draft()
    start = utcnow() - timedelta(days=1)
    ids = [
        factory.comment(draft, body=f"意见{i}", submitted_at=start + timedelta(seconds=i)).id
        for i in range(60)
    ]
    staff = login_as("staff")
    first = soup(staff.get(URL))
    assert "第1页，共3页" in first.select_one(".pagination").get_text()
    next_href = first.select_one(".pagination a[rel=next]")["href"]
    assert "after=" in next_href
    second = staff.get(next_href)
    assert listed(second) == ids[25:50]
    assert "第2页，共3页" in soup(second).select_one(".pagination").get_text()
    third = staff.get(soup(second).select_one(".pagination a[rel=next]")["href"])
    assert listed(third) == ids[50:]
    assert soup(third).select_one(".pagination a[rel=next]") is None
    last = soup(staff.get(URL)).find("a", string="最后一页")["href"]
    assert parse_qs(urlsplit(last).query)["page"] == ["3"] and listed(staff.get(last)) == ids[50:]
    # Junk cursors and pages are ignored, not errors.
    for junk in (
        "after=abc",
        "after=99999999999999999999-1",
        "page=0",
        "page=99999999999",
        "after=1-99999999999",
    ):
        resp = staff.get(f"{URL}?{junk}")
        assert resp.status_code == 200, junk


def test_the_api_lists_with_a_cursor_and_refuses_a_malformed_one(login_as, factory):
    draft = factory.draft()
    start = utcnow() - timedelta(days=1)
    ids = [
        factory.comment(draft, body=f"意见{i}", submitted_at=start + timedelta(seconds=i)).id
        for i in range(7)
    ]
    staff = login_as("staff")
    page = staff.get("/api/v1/admin/comments?status=pending&per_page=3").get_json()
    assert [c["id"] for c in page["comments"]] == ids[:3] and page["total"] == 7
    after = page["next_after"]
    page = staff.get(f"/api/v1/admin/comments?status=pending&per_page=3&page=2&after={after}").get_json()
    assert [c["id"] for c in page["comments"]] == ids[3:6]
    page = staff.get(
        f"/api/v1/admin/comments?status=pending&per_page=3&after={page['next_after']}"
    ).get_json()
    assert [c["id"] for c in page["comments"]] == ids[6:] and page["next_after"] is None
    resp = staff.get("/api/v1/admin/comments?after=nonsense")
    assert resp.status_code == 400 and "after" in resp.get_json()["error"]["fields"]


def _normalised(resp) -> str:
    """The page without its messages (nor the blank lines they leave), every CSRF token alike."""
    page = soup(resp)
    for flash in page.select(".flash"):
        flash.decompose()
    for tag in page.select("input[name=csrf_token]"):
        tag["value"] = "token"
    page.select_one("meta[name=csrf-token]")["content"] = "token"
    return re.sub(r"\s+", " ", str(page))


def test_the_reused_page_chrome_is_what_a_fresh_render_shows_and_follows_the_account(login_as, queue):
    """The chrome is cut from a rendering once per person; with messages waiting the page renders whole."""
    from consult.auth.operations import update_user
    from consult.context import CLI

    _draft, early, _middle, _late = queue
    staff = login_as("staff")
    staff.get(URL)
    reused = staff.get(URL)
    assert reused.status_code == 200 and reused.mimetype == "text/html"
    assert "__consult" not in reused.get_data(as_text=True)  # no placeholder or cut mark left behind
    # A refused action (no reason) changes nothing but leaves a message: that page is rendered whole.
    post(staff, f"/admin/comments/{early.id}/moderate", action="reject", version="1")
    whole = staff.get(URL)
    assert "必须填写理由" in soup(whole).select_one(".flash").get_text()
    assert _normalised(whole) == _normalised(reused)
    assert soup(staff.get(URL)).select_one(".flash") is None  # the message was shown once
    # The header follows a change of the account at once.
    end_read()
    update_user(None, CLI, staff.user.id, "审核员小王", "staff")
    assert soup(staff.get(URL)).select_one(".site-nav .who").get_text() == "审核员小王"


def test_the_queue_names_the_contact_point_an_opinion_came_through(login_as, factory):
    """Staff read the point's name (东关街道…), never its slug."""
    draft = factory.draft()
    point = factory.contact_point("dongguan-jiedao", "东关街道基层立法联系点")
    came = factory.comment(
        draft, body="座谈会上收集的意见", channel="contact_point", contact_point_id=point.id
    )
    badge = soup(login_as("staff").get(URL)).select(f"#c{came.id} .queue-head .badge")[-1].get_text()
    assert "东关街道基层立法联系点" in badge and "dongguan-jiedao" not in badge


# What happened, and undo


def outcome(c) -> BeautifulSoup:
    """The queue's message about the last action (#moderation-outcome), shown once."""
    return soup(c.get(URL)).select_one("#moderation-outcome")


def undo(c, box: BeautifulSoup):
    form = box.select_one("form#undo-form")
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]") if i["name"] != "csrf_token"}
    return post(c, form["action"], **fields)


def test_each_action_says_what_was_done_and_offers_to_undo_it(login_as, queue):
    _draft, early, middle, late = queue
    staff = login_as("staff")
    post(staff, f"/admin/comments/{early.id}/moderate", action="publish")
    box = outcome(staff)
    assert box["role"] == "status" and box.select_one("p").get_text(" ", strip=True).startswith(
        f"已公开 #{early.id}"
    )
    assert box.select_one("button[form=undo-form]").get_text() == "撤销"
    assert "10分钟内可撤销" in box.get_text()
    assert outcome(staff) is None  # said once
    post(staff, f"/admin/comments/{late.id}/moderate", action="reject", reason="与本草案无关")
    assert f"已不予公开 #{late.id}（理由：与本草案无关）" in outcome(staff).get_text()
    post(staff, f"/admin/comments/{middle.id}/moderate", action="spam")
    assert f"已标记为垃圾信息 #{middle.id}" in outcome(staff).get_text()


def test_undo_puts_the_comment_back_as_it_was_and_is_audited(login_as, client, queue):
    draft, _early, middle, _late = queue
    staff = login_as("staff")
    before = fresh(middle.id)
    post(
        staff,
        f"/admin/comments/{middle.id}/moderate",
        action="publish",
        use_masked="1",
        masked_body="请联系我 138****8000",
        version=str(before.version),
    )
    box = outcome(staff)
    assert "遮盖" in box.get_text() and fresh(middle.id).status == "published"
    resp = undo(staff, box)
    assert resp.status_code == 303 and resp.headers["Location"].startswith(URL)
    back = fresh(middle.id)
    assert (back.status, back.masked_body, back.moderated_at, back.moderated_by_id) == (
        "pending",
        None,
        None,
        None,
    )
    assert f"已撤销：#{middle.id} 恢复为“待审核”" in outcome(staff).get_text()
    assert middle.id in listed(staff.get(URL))
    public = client.get(f"/api/v1/drafts/{draft.slug}/comments").get_json()["comments"]
    assert middle.id not in [c["id"] for c in public]
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action.like("comment.%")).order_by(AuditLog.id)
    ).all()
    assert [r.action for r in rows] == ["comment.publish", "comment.undo"]
    assert rows[1].details["undoes"] == rows[0].id and rows[1].target_id == str(middle.id)
    shown = soup(login_as("admin").get("/admin/audit?action=comment.undo")).select_one(
        "table.audit-table tbody tr"
    )
    assert (
        "撤销审核" in shown.select_one(".what").get_text()
        and shown.select_one(".target").get_text() == f"意见 #{middle.id}"
    )
    assert "撤销的操作：公开意见" in [li.get_text() for li in shown.select(".details li")]
    # The same undo again is refused: the comment moved on since (the undo itself).
    undo_url = f"/admin/moderation/undo/{rows[0].id}"
    post(staff, undo_url)
    assert "不能撤销" in soup(staff.get(URL)).select_one(".flash-error").get_text()
    assert fresh(middle.id).status == "pending"


def test_taking_down_a_published_comment_can_be_undone(login_as, factory):
    draft = factory.draft()
    c = factory.comment(draft, body="公开后才发现问题", status="published")
    staff = login_as("staff")
    post(staff, f"/admin/comments/{c.id}/moderate", action="reject", reason="含有个人信息")
    undo(staff, outcome(staff))
    assert (fresh(c.id).status, fresh(c.id).moderation_reason) == ("published", None)


def test_undo_is_refused_once_someone_else_acted_or_time_is_up_or_it_is_not_yours(login_as, queue, clock):
    _draft, early, middle, late = queue
    alice, bob = login_as("staff", username="alice"), login_as("staff", username="bob")
    post(alice, f"/admin/comments/{early.id}/moderate", action="publish")
    alices = outcome(alice)
    post(bob, f"/admin/comments/{early.id}/moderate", action="reject", reason="重复提交")
    undo(alice, alices)
    message = soup(alice.get(URL)).select_one(".flash-error").get_text()
    assert f"#{early.id}" in message and "已被处理过" in message
    assert fresh(early.id).status == "rejected"  # Bob's decision stands
    # Bob may not undo Alice's action.
    post(alice, f"/admin/comments/{late.id}/moderate", action="publish")
    undo(bob, outcome(alice))
    assert "只能撤销自己的审核操作" in soup(bob.get(URL)).select_one(".flash-error").get_text()
    assert fresh(late.id).status == "published"
    # After ten minutes the undo is refused, and says why.
    post(alice, f"/admin/comments/{middle.id}/moderate", action="spam")
    box = outcome(alice)
    clock.advance(minutes=11)
    undo(alice, box)
    assert "超过10分钟" in soup(alice.get(URL)).select_one(".flash-error").get_text()
    assert fresh(middle.id).status == "spam"


def test_bulk_says_what_was_done_and_is_undone_as_one(login_as, queue):
    _draft, early, middle, late = queue
    staff = login_as("staff")
    page = soup(staff.get(URL))
    versions = {i["name"]: i["value"] for i in page.select("input[form=bulk][name^=v-]")}
    post(
        staff,
        "/admin/comments/bulk",
        action="reject",
        reason="重复提交",
        ids=[str(early.id), str(late.id)],
        **versions,
    )
    box = outcome(staff)
    first, second = sorted([early.id, late.id])
    assert f"已不予公开 2条意见 #{first}、#{second}（理由：重复提交）" in box.get_text()
    undo(staff, box)
    assert {fresh(early.id).status, fresh(late.id).status} == {"pending"}
    assert f"#{first}、#{second} 恢复为“待审核”" in outcome(staff).get_text()
    assert listed(staff.get(URL)) == [early.id, middle.id, late.id]


def test_bulk_refusals_come_before_anything_and_the_form_helps_first(login_as, queue):
    """Nothing ticked, or 不予公开 without a reason: the operation refuses (the browser checks first,
    before its confirmation); Enter in a ticked box never sends the form."""
    from consult.comments.moderation import moderate_many
    from consult.context import CLI
    from consult.errors import ValidationError

    _draft, early, _middle, _late = queue
    staff = login_as("staff")
    end_read()
    with pytest.raises(ValidationError) as caught:
        moderate_many(staff.user, CLI, [], "publish")
    assert caught.value.message == "请先勾选要处理的意见"
    with pytest.raises(ValidationError) as caught:
        moderate_many(staff.user, CLI, [early.id], "reject", "  ")
    assert "必须填写理由" in caught.value.message and fresh(early.id).status == "pending"
    form = soup(staff.get(URL)).select_one("form#bulk")
    assert form["data-none"] == "请先勾选要处理的意见" and "理由" in form["data-reason"]
    assert form.select_one("#bulk-message[role=alert][hidden]") is not None
    # Enter in a box or a field "clicks" a form's first submit button: that one acts on nothing.
    item_form = soup(staff.get(URL)).select_one(f"#c{early.id} form.actions")
    for first in (form.select_one("button"), item_form.select_one("button")):
        assert (first["type"], first["name"], first.has_attr("hidden")) == ("submit", "implicit", True)
    ids = [str(early.id)]
    post(staff, "/admin/comments/bulk", implicit="1", action="publish", ids=ids)
    post(staff, f"/admin/comments/{early.id}/moderate", implicit="1", action="publish", reason_other="x")
    assert "回车键" in soup(staff.get(URL)).select_one(".flash-error").get_text()
    assert fresh(early.id).status == "pending"


def test_a_comment_flagged_for_personal_data_can_be_rejected_from_its_form(login_as, queue):
    """Its form carries the masked copy (ticked by default); only 公开 uses it, 不予公开 must still work."""
    _draft, _early, middle, _late = queue
    staff = login_as("staff")
    form = soup(staff.get(URL)).select_one(f"#c{middle.id} form.actions")
    assert form.select_one("input[name=use_masked]").has_attr("checked")
    fields = {"use_masked": "1", "masked_body": form.select_one("textarea[name=masked_body]").get_text()}
    post(staff, f"/admin/comments/{middle.id}/moderate", action="reject", reason="含有个人信息", **fields)
    assert f"已不予公开 #{middle.id}" in outcome(staff).get_text()
    assert (fresh(middle.id).status, fresh(middle.id).masked_body) == ("rejected", None)


def test_undo_does_not_unpublish_a_comment_that_has_a_decision(login_as, queue):
    _draft, early, _middle, _late = queue
    staff = login_as("staff")
    post(staff, f"/admin/comments/{early.id}/moderate", action="publish")
    box = outcome(staff)
    end_read()
    with write_transaction() as session:  # a colleague records the decision meanwhile
        session.add(Decision(comment_id=early.id, outcome="adopted", reason="", decided_at=utcnow()))
    undo(staff, box)
    assert "已记录处理结果" in soup(staff.get(URL)).select_one(".flash-error").get_text()
    assert fresh(early.id).status == "published"
