"""Subscriptions by mail: double opt-in, notices once each, one-click unsubscribe, the interval.

Against a real SMTP server on loopback; `send_due` is what `notify send` runs for subscriptions.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.models import OutboxEvent, Subscription, SubscriptionNotice
from consult.reach import tokens
from consult.reach.sending import send_due
from tests.reach.conftest import link

ADDRESS = "reader@example.cn"


def ask(client, email=ADDRESS, **kw):
    resp = client.post("/api/v1/subscriptions", json={"email": email, **kw})
    assert resp.status_code == 202, resp.get_json()
    return resp


def confirm_from_inbox(client, smtp, address=ADDRESS):
    (mail,) = [m for m in smtp.handler.to(address) if "确认" in m["Subject"]][-1:]
    resp = client.get(link(mail.get_content(), "confirm"))
    assert resp.status_code == 200, resp.text
    assert resp.headers["Cache-Control"] == "no-store"  # it names the (masked) address
    return mail


def subscription(address=ADDRESS) -> Subscription | None:
    try:
        return db.session.scalar(select(Subscription).where(Subscription.address == address))
    finally:
        end_read()


def test_nothing_but_the_confirmation_is_sent_before_the_link_is_opened(client, smtp, factory, clock):
    ask(client)
    upcoming = factory.draft("upcoming", title="本市养犬管理条例（草案）")
    send_due()
    (mail,) = smtp.handler.messages
    assert mail["To"] == ADDRESS and "请确认订阅" in mail["Subject"]
    body = mail.get_content()
    assert "/subscriptions/confirm/" in body and "确认之前，我们不会给您发送任何通知" in body
    assert "以下通知：\n- 新的征求意见\n- 意见采纳情况反馈\n\n请打开" in body  # one topic a line
    assert (
        mail["List-Unsubscribe"].strip().startswith("<https://yijian.example.cn/subscriptions/unsubscribe/")
    )
    assert mail["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    # The draft opens while the address is unconfirmed: nothing is sent, now or later.
    clock.advance(days=4)
    assert upcoming.status_at(clock()) == "open"
    send_due()
    send_due()
    assert len(smtp.handler.messages) == 1
    sub = subscription()
    assert sub.confirmed_at is None and sub.topics == []


def test_after_confirming_a_draft_that_opens_is_told_once_with_the_unsubscribe_link(
    client, smtp, factory, clock
):
    ask(client, topics=["drafts"])
    send_due()
    confirm_from_inbox(client, smtp)
    assert subscription().topics == ["drafts"] and subscription().confirmed_at is not None
    draft = factory.draft("upcoming", title="本市养犬管理条例（草案）")
    clock.advance(days=4)
    first = send_due()
    assert first.sent == 1
    notice = smtp.handler.messages[-1]
    assert notice["Subject"] == "《本市养犬管理条例（草案）》公开征求意见"
    body = notice.get_content()
    assert f"https://yijian.example.cn/drafts/{draft.slug}" in body
    path = link(body, "unsubscribe")
    assert notice["List-Unsubscribe"].strip() == f"<https://yijian.example.cn{path}>"
    assert notice["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    # Never twice: a second and a third run send nothing more, and the key refuses a copy.
    assert send_due().sent == 0 and send_due().sent == 0
    assert len(smtp.handler.messages) == 2
    with pytest.raises(IntegrityError), write_transaction() as session:
        session.add(SubscriptionNotice(subscription_id=subscription().id, event=f"draft:{draft.id}"))


def test_feedback_publication_is_told_to_feedback_subscribers_only(client, smtp, factory, clock):
    staff, _password = factory.user("staff", username="sub-staff")
    draft = factory.draft("closed", title="本市公园管理条例（草案）")
    comment = factory.comment(draft, "建议延长开放时间。", status="published")
    ask(client, "drafts-only@example.cn", topics=["drafts"])
    ask(client, "feedback@example.cn", topics=["feedback"])
    send_due()
    confirm_from_inbox(client, smtp, "drafts-only@example.cn")
    confirm_from_inbox(client, smtp, "feedback@example.cn")
    clock.advance(minutes=1)
    decide(staff, CLI, [comment.id], "adopted", "")
    end_read()
    publish_feedback(staff, CLI, draft.slug)
    send_due()
    told = [m for m in smtp.handler.messages if "意见采纳情况已公布" in m["Subject"]]
    assert [m["To"] for m in told] == ["feedback@example.cn"]
    assert f"https://yijian.example.cn/drafts/{draft.slug}/feedback" in told[0].get_content()


def test_one_click_unsubscribe_stops_every_later_mail(client, smtp, factory, clock):
    ask(client)
    send_due()
    confirm_from_inbox(client, smtp)
    path = link(smtp.handler.messages[0].get_content(), "unsubscribe")
    # The page shows a button and changes nothing by itself (mail scanners open links); never stored.
    page = client.get(path)
    assert page.status_code == 200 and "确认退订" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert subscription().unsubscribed_at is None
    # What a mail program sends for List-Unsubscribe-Post: no cookie, no CSRF token.
    fresh = client.application.test_client()
    resp = fresh.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert resp.status_code == 200 and "已退订" in resp.text
    assert subscription().unsubscribed_at is not None
    assert fresh.post(path).status_code == 200  # again: harmless
    factory.draft("upcoming")
    clock.advance(days=4)
    assert send_due().sent == 0
    assert len(smtp.handler.messages) == 1


def test_a_tampered_or_unknown_link_is_a_404_that_changes_nothing(client, smtp):
    ask(client)
    send_due()
    path = link(smtp.handler.messages[0].get_content(), "confirm")
    sub_id = path.rsplit("/", 1)[1].split("-")[0]
    for bad in (f"{sub_id}-AAAAAAAAAAAAAAAA", "999999-AAAAAAAAAAAAAAAA", "nonsense", f"{sub_id}-"):
        resp = client.get(f"/subscriptions/confirm/{bad}")
        assert resp.status_code == 404, bad
        assert "链接无效" in resp.text
    assert client.post(f"/subscriptions/unsubscribe/{sub_id}-AAAAAAAAAAAAAAAA").status_code == 404
    # A confirm token does not unsubscribe (a purpose of its own).
    token = path.rsplit("/", 1)[1]
    assert client.post(f"/subscriptions/unsubscribe/{token}").status_code == 404
    assert subscription().confirmed_at is None and subscription().unsubscribed_at is None


def test_the_confirmation_link_expires(client, smtp, clock, app):
    ask(client)
    send_due()
    clock.advance(days=app.config["SUBSCRIPTION_UNCONFIRMED_DAYS"], minutes=1)
    resp = client.get(link(smtp.handler.messages[0].get_content(), "confirm"))
    assert resp.status_code == 404 and "已过期" in resp.text
    assert subscription().confirmed_at is None


def test_one_confirmation_per_address_per_interval_and_the_same_answer_every_time(client, smtp, clock, app):
    answers = [ask(client).get_json() for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["status"] == "pending_confirmation" and answers[0]["topics"] == ["drafts", "feedback"]
    send_due()
    assert len(smtp.handler.messages) == 1
    confirm_from_inbox(client, smtp)
    # Known and confirmed: the answer is still the same, and the interval still holds.
    assert ask(client).get_json() == answers[0]
    send_due()
    assert len(smtp.handler.messages) == 1
    clock.advance(minutes=app.config["SUBSCRIPTION_CONFIRM_INTERVAL_MINUTES"] + 1)
    ask(client)
    send_due()
    assert len(smtp.handler.messages) == 2
    try:
        rows = db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.kind == "mail.reach"))
    finally:
        end_read()
    assert rows == 2


def test_a_stranger_cannot_change_a_confirmed_subscribers_topics(client, smtp, clock, app):
    ask(client, topics=["drafts"])
    send_due()
    confirm_from_inbox(client, smtp)
    clock.advance(minutes=app.config["SUBSCRIPTION_CONFIRM_INTERVAL_MINUTES"] + 1)
    ask(client, topics=["feedback"])
    assert subscription().topics == ["drafts"]  # until the new confirmation link is opened
    send_due()
    confirm_from_inbox(client, smtp)
    assert subscription().topics == ["feedback"]


def test_resubscribing_after_unsubscribing_withdraws_the_old_links(client, smtp, app):
    ask(client)
    send_due()
    confirm_from_inbox(client, smtp)
    old = link(smtp.handler.messages[0].get_content(), "unsubscribe")
    assert client.post(old).status_code == 200
    ask(client)
    sub = subscription()
    assert sub.unsubscribed_at is None and sub.confirmed_at is None
    with app.test_request_context():
        assert not tokens.valid(tokens.UNSUBSCRIBE, old.rsplit("/", 1)[1], sub)
    assert client.get(old).status_code == 404


def test_mail_to_a_subscriber_gone_is_set_aside(client, smtp):
    ask(client)
    with write_transaction() as session:
        session.delete(session.scalar(select(Subscription)))
    result = send_due()
    assert result.sent == 0 and result.skipped == 1 and not smtp.handler.messages


def test_an_old_confirmation_link_opened_again_shows_the_subscription(client, smtp, clock, app):
    ask(client)
    send_due()
    path = link(smtp.handler.messages[0].get_content(), "confirm")
    assert client.get(path).status_code == 200
    confirmed_at = subscription().confirmed_at
    clock.advance(days=app.config["SUBSCRIPTION_UNCONFIRMED_DAYS"] + 1)
    again = client.get(path)
    assert again.status_code == 200 and "订阅已确认" in again.text
    assert subscription().confirmed_at == confirmed_at
