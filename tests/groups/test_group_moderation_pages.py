"""The moderation queue with groups (HTML, issue 16 point 2): pending members of a group are ONE item
(the representative's text, its size, the burst flag), kept once across keyset pages; the members page
with personal-data flags; the confirmation step; 全部发布 and 全部不予发布 without JavaScript."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.groups.drain import drain
from consult.models import Comment, CommentGroup
from tests.conftest import csrf_token_from
from tests.groups.test_grouping import CAMPAIGN, ESTATES, group_of

URL = "/admin/moderation"


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


@pytest.fixture
def queue(factory):
    """Three pending members of one group (one with a phone number) between three lone comments."""
    draft = factory.draft("open")
    start = utcnow() - timedelta(hours=1)
    members, singles = [], []
    lone = ["建议增加停车位。", "建议公园延长开放时间。", "建议增设公交站台。"]
    for n in range(3):
        body = CAMPAIGN.format(n=10, estate=ESTATES[n]) + ("，电话13800138000" if n == 1 else "")
        at = start + timedelta(minutes=2 * n)
        members.append(factory.comment(draft, body, submitted_at=at).id)
        singles.append(factory.comment(draft, lone[n], submitted_at=at + timedelta(minutes=1)).id)
    drain()
    group_id = group_of(members[0])
    with write_transaction() as session:
        session.execute(update(CommentGroup).where(CommentGroup.id == group_id).values(burst=True))
    end_read()
    return group_id, members, singles


def test_a_group_is_one_item_of_the_queue_once_across_pages(login_as, queue, monkeypatch):
    group_id, members, singles = queue
    staff = login_as("staff")
    page = soup(staff.get(URL))
    items = page.select("li.queue-item")
    assert [int(li["data-id"]) for li in items] == [members[0], *singles]
    group = page.select_one("li.queue-group")
    assert int(group["data-group"]) == group_id
    text = group.get_text(" ", strip=True)
    assert "共3条相同或相似意见" in text and "疑似集中投送" in text
    assert CAMPAIGN.format(n=10, estate=ESTATES[0]) in text
    links = {a.get_text(strip=True): a["href"] for a in group.select("a")}
    assert {"查看组内成员", "全部发布", "全部不予发布"} <= set(links)
    assert "产品" not in text and not group.select("input[name=ids]")  # no per-comment bulk box

    monkeypatch.setattr("consult.web.admin.QUEUE_PER_PAGE", 2)
    first = soup(staff.get(URL + "?draft="))  # another address: not the cached answer
    assert [int(li["data-id"]) for li in first.select("li.queue-item")] == [members[0], singles[0]]
    following = first.select_one("a[rel=next]")["href"]
    assert "after" in parse_qs(urlsplit(following).query)
    second = soup(staff.get(following))
    assert [int(li["data-id"]) for li in second.select("li.queue-item")] == singles[1:]

    # Published members are no longer pending: the next one stands for the group; other statuses list all.
    monkeypatch.setattr("consult.web.admin.QUEUE_PER_PAGE", 25)
    end_read()
    with write_transaction() as session:
        session.get(Comment, members[0]).status = "published"
    end_read()
    again = soup(staff.get(URL))
    assert [int(li["data-id"]) for li in again.select("li.queue-item")] == [
        singles[0],
        members[1],
        *singles[1:],
    ]
    everything = soup(staff.get(URL + "?status=all"))
    assert len(everything.select("li.queue-item")) == 6 and not everything.select("li.queue-group")


def test_members_page_and_confirmation_show_the_personal_data(login_as, queue):
    group_id, members, _singles = queue
    staff = login_as("staff")
    page = soup(staff.get(f"/admin/groups/{group_id}"))
    assert page.select_one("h1").get_text(strip=True) == f"同类意见组 #{group_id}"
    listed = {int(li["id"][1:]): li.get_text(" ", strip=True) for li in page.select("li.queue-item")}
    assert sorted(listed) == sorted(members)
    assert "可能含有个人信息" in listed[members[1]] and "可能含有个人信息" not in listed[members[0]]
    assert "待审核3条，其中1条可能含有个人信息" in page.get_text()

    confirm = soup(staff.get(f"/admin/groups/{group_id}/moderate?action=publish"))
    text = confirm.get_text(" ", strip=True)
    assert "将处理本组待审核的3条意见" in text and f"#{members[1]}" in text and "电话" in text
    form = confirm.select_one("form.confirm-group")
    assert form.select_one("input[name=confirm_personal_data]").has_attr("required")
    assert form.select_one("input[name=expected_count]")["value"] == "3"
    reject = soup(staff.get(f"/admin/groups/{group_id}/moderate?action=reject"))
    assert reject.select_one("select[name=reason]") and not reject.select_one(
        "input[name=confirm_personal_data]"
    )


def test_publish_all_needs_the_confirmation_then_publishes_every_pending_member(login_as, queue):
    group_id, members, singles = queue
    staff = login_as("staff")
    token = csrf_token_from(staff.get(URL).data)
    fields = {"csrf_token": token, "action": "publish", "expected_count": "3", "next": URL}
    refused = staff.post(f"/admin/groups/{group_id}/moderate", data=fields)
    assert refused.status_code == 303 and "/moderate?action=publish" in refused.headers["Location"]
    shown = soup(staff.get(refused.headers["Location"])).get_text()
    assert "个人信息" in shown and "已查看个人信息提示" in shown
    end_read()
    assert {db.session.get(Comment, m).status for m in members} == {"pending"}
    end_read()

    done = staff.post(f"/admin/groups/{group_id}/moderate", data={**fields, "confirm_personal_data": "1"})
    assert done.status_code == 303 and done.headers["Location"] == URL
    queue_page = soup(staff.get(URL))
    assert f"已全部公开意见组 #{group_id} 中待审核的3条意见" in queue_page.get_text()
    assert [int(li["data-id"]) for li in queue_page.select("li.queue-item")] == singles
    end_read()
    statuses = db.session.execute(select(Comment.id, Comment.status).where(Comment.id.in_(members))).all()
    assert {s for _i, s in statuses} == {"published"}


def test_reject_all_needs_a_reason_and_a_member_can_be_taken_out(login_as, queue):
    group_id, members, _singles = queue
    staff = login_as("staff")
    token = csrf_token_from(staff.get(URL).data)
    out = staff.post(
        f"/admin/groups/{group_id}/split", data={"csrf_token": token, "comment_id": members[1], "next": URL}
    )
    assert out.status_code == 303
    assert f"意见 #{members[1]} 已移出本组" in soup(staff.get(out.headers["Location"])).get_text()
    fields = {"csrf_token": token, "action": "reject", "next": URL}
    refused = staff.post(f"/admin/groups/{group_id}/moderate", data=fields)
    assert "理由" in soup(staff.get(refused.headers["Location"])).get_text()
    done = staff.post(f"/admin/groups/{group_id}/moderate", data={**fields, "reason": "重复提交"})
    assert "全部不予公开（理由：重复提交）" in soup(staff.get(done.headers["Location"])).get_text()
    end_read()
    found = dict(db.session.execute(select(Comment.id, Comment.status).where(Comment.id.in_(members))).all())
    assert found == {members[0]: "rejected", members[1]: "pending", members[2]: "rejected"}
