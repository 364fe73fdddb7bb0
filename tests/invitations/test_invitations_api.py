"""Invitations through the JSON API: invite, list with `answered`, one reminder; every refusal named."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import func, select

from consult.clock import utcnow
from consult.comments.operations import CommentInput, submission_fingerprint
from consult.db import end_read
from consult.extensions import db
from consult.models import AuditLog, Comment, Invitation, OutboxEvent
from tests.invitations.conftest import token_for


def _due(days: int = 7) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def _invite(client, auth, slug, **body):
    return client.post(f"/api/v1/admin/drafts/{slug}/invitations", json=body, headers=auth)


def _mails() -> list[OutboxEvent]:
    end_read()
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "mail.invite")))


def test_staff_invite_a_deputy_to_chosen_articles_and_a_mail_is_queued(client, factory, staff_auth, deputy):
    draft = factory.draft()
    texts = draft.current_version.texts
    chosen = [texts[2].article_id, texts[0].article_id]
    resp = _invite(client, staff_auth, draft.slug, username=deputy.username, article_ids=chosen, due=_due())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["username"] == deputy.username and body["display_name"] == "张代表"
    assert body["role"] == "deputy" and body["answered"] is False and body["reminded_at"] is None
    # In the order of the draft's text, with their labels.
    assert body["article_ids"] == [texts[0].article_id, texts[2].article_id]
    assert [a["label"] for a in body["articles"]] == ["第一条", "第三条"]
    mails = _mails()
    assert [(m.target_id, m.payload["to"], m.payload["reminder"]) for m in mails] == [
        (body["id"], deputy.email, False)
    ]
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "invitation.create")) == 1


def test_a_date_alone_means_the_end_of_that_day_in_beijing(client, factory, staff_auth, expert):
    draft = factory.draft()
    day = (utcnow() + timedelta(days=5)).date().isoformat()
    resp = _invite(client, staff_auth, draft.slug, username=expert.username, due=day)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["due"].startswith(f"{day}T15:59:59")  # 23:59:59 +08:00 in UTC
    assert resp.get_json()["article_ids"] == []


def test_every_refusal_names_the_field_and_stores_nothing(client, factory, staff_auth, deputy):
    draft = factory.draft()
    other = factory.draft()
    staff_user, _ = factory.user("staff", username="not-invitable")
    foreign_article = other.current_version.texts[0].article_id
    cases = [
        ({"due": _due()}, "username", "请选择"),
        ({"username": "nobody", "due": _due()}, "username", "不存在"),
        ({"username": staff_user.username, "due": _due()}, "username", "只能邀请"),
        ({"username": deputy.username}, "due", "截止日期"),
        ({"username": deputy.username, "due": "下周五"}, "due", "截止日期"),
        (
            {"username": deputy.username, "due": (utcnow() - timedelta(hours=1)).isoformat()},
            "due",
            "晚于现在",
        ),
        ({"username": deputy.username, "due": _due(60)}, "due", "不能晚于本草案"),
        (
            {"username": deputy.username, "due": _due(), "article_ids": [foreign_article]},
            "article_ids",
            "不属于",
        ),
        ({"username": deputy.username, "due": _due(), "article_ids": "第一条"}, "article_ids", None),
        ({"username": deputy.username, "due": _due(), "article_ids": [True]}, "article_ids", None),
    ]
    for body, field, words in cases:
        resp = _invite(client, staff_auth, draft.slug, **body)
        error = resp.get_json()["error"]
        assert resp.status_code == 400, (body, resp.get_json())
        assert error["code"] == "validation_error" and field in error["fields"], (body, error)
        if words:
            assert words in error["fields"][field], (body, error)
    end_read()
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert _mails() == []


def test_a_closed_draft_or_a_second_invitation_is_a_conflict(client, factory, staff_auth, deputy):
    closed = factory.draft("closed")
    resp = _invite(client, staff_auth, closed.slug, username=deputy.username, due=_due())
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "conflict"
    draft = factory.draft()
    assert _invite(client, staff_auth, draft.slug, username=deputy.username, due=_due()).status_code == 201
    again = _invite(client, staff_auth, draft.slug, username=deputy.username, due=_due(3))
    assert again.status_code == 409 and "不再重复邀请" in again.get_json()["error"]["message"]
    assert len(_mails()) == 1
    assert (
        client.post("/api/v1/admin/drafts/no-such/invitations", json={}, headers=staff_auth).status_code
        == 404
    )


def test_the_list_says_who_answered_and_a_token_comment_answers(client, factory, staff_auth, deputy, expert):
    draft = factory.draft()
    texts = draft.current_version.texts
    _invite(
        client,
        staff_auth,
        draft.slug,
        username=deputy.username,
        due=_due(),
        article_ids=[texts[1].article_id],
    )
    _invite(client, staff_auth, draft.slug, username=expert.username, due=_due(3))
    # A comment on another article does not answer the deputy's invitation to the second one.
    auth = token_for(deputy.username)
    url = f"/api/v1/drafts/{draft.slug}/comments"
    other = client.post(
        url, json={"body": "关于第一条的意见。", "article_id": texts[0].article_id}, headers=auth
    )
    assert other.status_code == 201
    listed = client.get(f"/api/v1/admin/drafts/{draft.slug}/invitations", headers=staff_auth).get_json()
    assert {i["username"]: i["answered"] for i in listed["invitations"]} == {
        deputy.username: False,
        expert.username: False,
    }
    on_it = client.post(
        url, json={"body": "关于第二条的意见。", "article_id": texts[1].article_id}, headers=auth
    )
    assert on_it.status_code == 201
    listed = client.get(f"/api/v1/admin/drafts/{draft.slug}/invitations", headers=staff_auth).get_json()
    # Not answered first.
    assert [(i["username"], i["answered"]) for i in listed["invitations"]] == [
        (expert.username, False),
        (deputy.username, True),
    ]
    assert listed["invitations"][1]["answered_at"] is not None


def test_one_reminder_then_a_clear_refusal(client, factory, staff_auth, deputy, expert):
    draft = factory.draft()
    made = _invite(client, staff_auth, draft.slug, username=deputy.username, due=_due()).get_json()
    url = f"/api/v1/admin/invitations/{made['id']}/remind"
    first = client.post(url, headers=staff_auth)
    assert first.status_code == 200 and first.get_json()["reminded_at"] is not None
    second = client.post(url, headers=staff_auth)
    assert second.status_code == 409
    assert "只能提醒一次" in second.get_json()["error"]["message"]
    assert [m.payload["reminder"] for m in _mails()] == [False, True]
    # Someone who answered needs no reminder.
    answered = _invite(client, staff_auth, draft.slug, username=expert.username, due=_due()).get_json()
    factory_comment = client.post(
        f"/api/v1/drafts/{draft.slug}/comments",
        json={"body": "专家的总体意见。"},
        headers=token_for(expert.username),
    )
    assert factory_comment.status_code == 201
    refused = client.post(f"/api/v1/admin/invitations/{answered['id']}/remind", headers=staff_auth)
    assert refused.status_code == 409 and "无需提醒" in refused.get_json()["error"]["message"]
    assert client.post("/api/v1/admin/invitations/99999/remind", headers=staff_auth).status_code == 404


def test_a_deputys_token_comment_carries_channel_and_name_and_ignores_a_contact(client, factory, deputy):
    draft = factory.draft()
    resp = client.post(
        f"/api/v1/drafts/{draft.slug}/comments",
        json={
            "body": "建议增加夜间开放时间。",
            "author_name": "别人",
            "contact": "x@example.cn",
            "notify": True,
        },
        headers=token_for(deputy.username),
    )
    assert resp.status_code == 201, resp.get_json()
    end_read()
    comment = db.session.scalar(select(Comment))
    assert (comment.channel, comment.author_name, comment.author_id, comment.contact, comment.notify) == (
        "deputy",
        "张代表",
        deputy.id,
        None,
        False,
    )
    assert comment.status == "pending"  # the text is still moderated
    revoked = client.post(
        f"/api/v1/drafts/{draft.slug}/comments",
        json={"body": "令牌无效时不应匿名提交。"},
        headers={"Authorization": "Bearer nope"},
    )
    assert revoked.status_code == 401


def test_a_staff_token_comment_stays_a_web_comment(client, factory, staff_auth):
    draft = factory.draft()
    resp = client.post(
        f"/api/v1/drafts/{draft.slug}/comments",
        json={"body": "工作人员以个人身份提意见。"},
        headers=staff_auth,
    )
    assert resp.status_code == 201
    end_read()
    comment = db.session.scalar(select(Comment))
    assert (comment.channel, comment.author_id) == ("web", None)


def test_an_anonymous_fingerprint_is_unchanged_and_an_account_makes_its_own():
    data = CommentInput(body="同一条意见。")
    # The hash of the fields as stored before accounts could comment: keys kept for 24 hours still match.
    fields = {
        "draft": "d",
        "body": "同一条意见。",
        "article_id": None,
        "author_name": None,
        "contact": None,
        "notify": False,
        "honeypot": None,
    }
    expected = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert submission_fingerprint("d", data) == expected
    assert submission_fingerprint("d", data, 7) != expected
