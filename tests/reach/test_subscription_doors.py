"""The doors of subscriptions: the JSON API's refusals, the /subscribe form, and the purge command."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from consult.db import end_read
from consult.extensions import db
from consult.models import AuditLog, OutboxEvent, Subscription
from consult.models.subscriptions import ADDRESS_MAX
from consult.reach import tokens
from consult.reach.sending import send_due
from tests.conftest import csrf_token_from
from tests.reach.conftest import link


def count(model, *where) -> int:
    try:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        end_read()


def refused(resp, field: str) -> str:
    assert resp.status_code == 400, resp.get_data(as_text=True)
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"], error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error  # said in Chinese
    return error["fields"][field]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "email", "请填写电子邮箱"),
        ({"email": "   "}, "email", "请填写电子邮箱"),
        ({"email": "not-an-address"}, "email", "格式不正确"),
        ({"email": "a@b"}, "email", "格式不正确"),
        ({"email": "x" * ADDRESS_MAX + "@example.cn"}, "email", f"不能超过{ADDRESS_MAX}个字符"),
        ({"email": 42}, "email", "必须是字符串"),
        ({"email": "r@example.cn", "topics": ["weather"]}, "topics", "不能是“weather”"),
        ({"email": "r@example.cn", "topics": []}, "topics", "至少选择一项"),
        ({"email": "r@example.cn", "topics": "drafts"}, "topics", "必须是列表"),
        ({"email": "r@example.cn", "topics": [1]}, "topics", "必须是字符串"),
        ({"email": "r@example.cn", "topics": ["drafts"] * 11}, "topics", "不能超过"),
        ({"phone": "13912345678"}, "phone", "未开通短信"),
        ({"email": "r@example.cn", "phone": "13912345678"}, "phone", "不要再填写手机号码"),
    ],
)
def test_bad_input_is_a_clear_chinese_400_and_nothing_is_stored(client, body, field, words):
    message = refused(client.post("/api/v1/subscriptions", json=body), field)
    assert words in str(message), message
    assert count(Subscription) == 0 and count(OutboxEvent) == 0


def test_the_api_takes_json_only_and_anyone_may_call_it(client):
    resp = client.post("/api/v1/subscriptions", data="email=r@example.cn")
    assert resp.status_code == 415 and resp.get_json()["error"]["code"] == "unsupported_media_type"
    resp = client.post("/api/v1/subscriptions", json={"email": "R.Reader@Example.CN"})
    assert resp.status_code == 202
    assert resp.get_json()["topics"] == ["drafts", "feedback"] and resp.get_json()["channel"] == "email"
    try:
        sub = db.session.scalar(select(Subscription))
    finally:
        end_read()
    assert sub.address == "R.Reader@example.cn"  # the domain is case-blind, the mailbox may not be
    assert sub.confirmed_at is None and sub.topics == []


def test_the_api_is_rate_limited_per_client_address(make_app):
    app = make_app(SUBSCRIBE_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for n in range(2):
        assert client.post("/api/v1/subscriptions", json={"email": f"r{n}@example.cn"}).status_code == 202
    resp = client.post("/api/v1/subscriptions", json={"email": "r9@example.cn"})
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "rate_limited"
    with app.app_context():
        assert count(Subscription) == 2


def test_the_form_works_without_javascript_and_answers_alike(client, smtp):
    page = client.get("/subscribe")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    form = soup.select_one("main form")
    # No anchor: a browser would carry it over the redirect to the answer; the page is short anyway.
    assert form["action"] == "/subscribe" and form["method"] == "post"
    assert form.find("input", attrs={"name": "csrf_token"})
    assert form.find("input", attrs={"name": "email"})["maxlength"] == str(ADDRESS_MAX)
    assert [i["value"] for i in form.find_all("input", attrs={"name": "topics"})] == ["drafts", "feedback"]
    assert soup.find(id="privacy-notice") and "删除" in soup.find(id="privacy-notice").text
    assert not form.find("input", attrs={"name": "phone"})  # no SMS gateway configured
    token = csrf_token_from(page.text)
    data = {"csrf_token": token, "email": "form@example.cn", "topics": ["feedback"]}
    first = client.post("/subscribe", data=data)
    assert first.status_code == 303 and first.headers["Location"].endswith("/subscribe/sent")
    second = client.post("/subscribe", data=data)  # again: the same answer, no second mail
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert "请查收确认邮件" in client.get("/subscribe/sent").text
    send_due()
    (mail,) = smtp.handler.messages
    assert "意见采纳情况反馈" in mail.get_content() and "新的征求意见" not in mail.get_content()
    confirmed = client.get(link(mail.get_content(), "confirm"))
    assert "订阅已确认" in confirmed.text and "f***@example.cn" in confirmed.text


def test_the_form_refuses_with_the_field_named_and_the_input_kept(client):
    token = csrf_token_from(client.get("/subscribe").text)
    resp = client.post("/subscribe", data={"csrf_token": token, "email": "form@例子", "topics": ["drafts"]})
    assert resp.status_code == 400
    soup = BeautifulSoup(resp.text, "html.parser")
    assert "格式不正确" in soup.find(id="email-error").text
    assert soup.find("input", attrs={"name": "email"})["value"] == "form@例子"
    assert soup.find("input", attrs={"name": "email"})["aria-invalid"] == "true"
    checked = [i["value"] for i in soup.find_all("input", attrs={"name": "topics"}) if i.has_attr("checked")]
    assert checked == ["drafts"]
    assert soup.title.text.startswith("错误：")
    resp = client.post("/subscribe", data={"csrf_token": token, "email": "form@example.cn", "topics": ["x"]})
    assert resp.status_code == 400 and BeautifulSoup(resp.text, "html.parser").find(id="topics-error")
    # A stale or missing CSRF token: the page again, the address kept, nothing stored.
    resp = client.post("/subscribe", data={"email": "form@example.cn", "topics": ["drafts"]})
    assert resp.status_code == 400 and "页面已过期" in resp.text and "form@example.cn" in resp.text
    assert count(Subscription) == 0


def test_footer_links_the_subscription_page(client, factory):
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    assert soup.find("footer").find("a", href="/subscribe")


def test_purge_removes_unsubscribed_and_long_unconfirmed_addresses(client, smtp, runner, clock, app):
    app.config["SUBSCRIBE_RATE_LIMIT"] = "100 per minute"  # the limiter counts real time, not the clock
    for address in ("old@example.cn", "gone@example.cn", "kept@example.cn"):
        client.post("/api/v1/subscriptions", json={"email": address})
    send_due()
    for mail in smtp.handler.messages:
        if mail["To"] in ("gone@example.cn", "kept@example.cn"):
            client.get(link(mail.get_content(), "confirm"))
    gone = next(m for m in smtp.handler.messages if m["To"] == "gone@example.cn")
    client.post(link(gone.get_content(), "unsubscribe"))
    clock.advance(days=app.config["SUBSCRIPTION_UNCONFIRMED_DAYS"] - 1)
    client.post("/api/v1/subscriptions", json={"email": "recent@example.cn"})  # unconfirmed, but recent
    dry = runner.invoke(args=["contacts", "purge", "--dry-run"])
    assert dry.exit_code == 0 and "已退订1个" in dry.output and "未确认0个" in dry.output
    clock.advance(days=2)
    assert count(Subscription) == 4
    result = runner.invoke(args=["contacts", "purge"])
    assert result.exit_code == 0, result.output
    assert "已退订1个" in result.output and "未确认1个" in result.output
    try:
        left = set(db.session.scalars(select(Subscription.address)))
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "subscriptions.purge"))
    finally:
        end_read()
    assert left == {"kept@example.cn", "recent@example.cn"}
    assert audit.details == {
        "unsubscribed": 1,
        "unconfirmed": 1,
        "days": app.config["SUBSCRIPTION_UNCONFIRMED_DAYS"],
    }
    assert "@" not in str(audit.details)
    # Counted from the latest request: an address asked for again lately stays, its new link valid.
    assert client.post("/api/v1/subscriptions", json={"email": "again@example.cn"}).status_code == 202
    clock.advance(days=app.config["SUBSCRIPTION_UNCONFIRMED_DAYS"] - 1)
    clock.advance(minutes=app.config["SUBSCRIPTION_CONFIRM_INTERVAL_MINUTES"] + 1)
    assert client.post("/api/v1/subscriptions", json={"email": "again@example.cn"}).status_code == 202
    clock.advance(days=2)
    runner.invoke(args=["contacts", "purge"])
    try:
        assert "again@example.cn" in set(db.session.scalars(select(Subscription.address)))
    finally:
        end_read()
    # Nothing left to purge: a second run removes nothing.
    again = runner.invoke(args=["contacts", "purge"])
    assert "已退订0个" in again.output and "未确认0个" in again.output


def test_notify_send_sends_the_subscription_messages_after_the_feedback_ones(client, smtp, runner):
    client.post("/api/v1/subscriptions", json={"email": "cli@example.cn"})
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert "订阅通知：" in result.output
    assert result.output.split("订阅通知：")[1].count("已发送1封") == 1
    assert [m["To"] for m in smtp.handler.messages] == ["cli@example.cn"]
    again = runner.invoke(args=["notify", "send"])
    assert again.exit_code == 0 and len(smtp.handler.messages) == 1


def test_purge_leaves_no_address_in_the_outbox(client, smtp, runner):
    client.post("/api/v1/subscriptions", json={"email": "refused@example.cn"})
    client.post("/api/v1/subscriptions", json={"email": "waiting@example.cn"})
    smtp.handler.refuse["refused@example.cn"] = "550 5.1.1 <refused@example.cn>: mailbox unknown"
    smtp.handler.refuse["waiting@example.cn"] = "450 4.2.1 <waiting@example.cn>: try later"
    send_due()
    for address in ("refused@example.cn", "waiting@example.cn"):
        client.post("/api/v1/subscriptions", json={"email": address})  # still unconfirmed
    try:
        rows = list(db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
    finally:
        end_read()
    assert any("refused@example.cn" in (r.last_error or "") for r in rows)
    assert any(r.processed_at is None for r in rows)  # the temporary refusal waits for a retry
    # Both unsubscribe (the link in the mail that never arrived works the same).
    with client.application.test_request_context():
        try:
            subs = list(db.session.scalars(select(Subscription)))
        finally:
            end_read()
        paths = [f"/subscriptions/unsubscribe/{tokens.make(tokens.UNSUBSCRIBE, s)}" for s in subs]
    for path in paths:
        assert client.post(path).status_code == 200
    assert runner.invoke(args=["contacts", "purge"]).exit_code == 0
    try:
        rows = list(db.session.scalars(select(OutboxEvent)))
    finally:
        end_read()
    assert rows and all(r.processed_at is not None for r in rows)
    assert not any("@" in (r.last_error or "") or "@" in str(r.payload) for r in rows)
