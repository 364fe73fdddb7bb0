"""Notification mail when the feedback is published, against a real SMTP server on loopback (aiosmtpd).

Covers: who gets a mail (email + consent only, contact points with an address), the content, the server
being down (nothing lost, nothing counted against the message) and coming back (each message once), a
refused recipient (only that one fails), a temporary refusal retried after its backoff, the give-up, two
senders at once (no doubles), a revision's own mails, and the contact point's notification address.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.feedback import notifications
from consult.feedback.notifications import MAX_ATTEMPTS, backoff, send_due
from consult.feedback.publishing import open_revision, publish_feedback
from consult.models import AuditLog, Comment, ContactPoint, IntakeBatch, OutboxEvent
from consult.receipts import display
from tests.conftest import csrf_token_from


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """An aiosmtpd handler that keeps every accepted message and refuses the addresses it is told to."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}  # address → SMTP reply
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.handler = Collector()
        self.controller: Controller | None = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    """A running SMTP server on a free loopback port, which the app is configured to use."""
    server = SmtpServer(free_port())
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, PUBLIC_BASE_URL="https://yijian.example.cn"
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def staff(factory):
    user, _password = factory.user("staff", username="mail-staff")
    return user


def add_batch(draft, point_id: int, **kw) -> int:
    end_read()
    with write_transaction() as session:
        batch = IntakeBatch(contact_point_id=point_id, draft_id=draft.id, filename="东关街道意见.xlsx", **kw)
        session.add(batch)
        session.flush()
        return batch.id


def set_point_email(point_id: int, address: str | None) -> None:
    end_read()
    with write_transaction() as session:
        session.get(ContactPoint, point_id).email = address


@pytest.fixture
def published(factory, staff):
    """A closed draft with every kind of commenter, decided and published."""
    draft = factory.draft("closed", title="本市公园管理条例（草案）")
    c = {
        "yes": factory.comment(
            draft, "建议延长公园开放时间。", status="published", contact="li@example.cn", notify=True
        ),
        "general": factory.comment(
            draft,
            "总体赞成。",
            status="published",
            article_index=None,
            contact="Wang.Fang@Example.org",
            notify=True,
        ),
        "rejected": factory.comment(
            draft,
            "这条意见没有公开。",
            status="rejected",
            contact="zhao@example.cn",
            notify=True,
            moderation_reason="与草案无关",
        ),
        "no_consent": factory.comment(draft, "不要通知我。", status="published", contact="qian@example.cn"),
        "phone": factory.comment(
            draft, "留了手机号。", status="published", contact="13912345678", notify=True
        ),
        "spam": factory.comment(draft, "广告", status="spam", contact="spam@example.cn", notify=True),
    }
    point = factory.contact_point("dongguan", "东关街道基层立法联系点")
    silent = factory.contact_point("xiguan", "西关街道基层立法联系点")  # no address: no mail
    set_point_email(point.id, "dongguan@example.gov.cn")
    batch = add_batch(draft, point.id, meeting_place="东关街道会议室")
    add_batch(draft, silent.id)
    c["point_a"] = factory.comment(
        draft,
        "联系点意见一。",
        status="published",
        channel="contact_point",
        contact_point_id=point.id,
        batch_id=batch,
    )
    c["point_b"] = factory.comment(
        draft,
        "联系点意见二。",
        status="published",
        channel="contact_point",
        contact_point_id=point.id,
        batch_id=batch,
    )
    decide(staff, CLI, [c["yes"].id, c["point_a"].id], "adopted", "")
    decide(staff, CLI, [c["general"].id, c["point_b"].id], "not_adopted", "与上位法规定不一致。")
    end_read()
    publication = publish_feedback(staff, CLI, draft.slug)
    return draft, c, point, publication


def mail_rows() -> list[OutboxEvent]:
    try:
        return list(
            db.session.scalars(
                select(OutboxEvent).where(OutboxEvent.kind == "mail.feedback").order_by(OutboxEvent.id)
            )
        )
    finally:
        end_read()


def test_publication_queues_one_mail_per_consenting_email_and_per_contact_point(published):
    _draft, c, point, publication = published
    rows = mail_rows()
    targets = {(r.target_type, r.target_id) for r in rows}
    assert targets == {
        ("comment", c["yes"].id),
        ("comment", c["general"].id),
        ("comment", c["rejected"].id),
        ("contact_point", point.id),
    }
    by_target = {(r.target_type, r.target_id): r for r in rows}
    payload = by_target[("comment", c["yes"].id)].payload
    assert payload["to"] == "li@example.cn"
    assert payload["publication_id"] == publication.id and payload["number"] == 1
    assert by_target[("contact_point", point.id)].payload["to"] == "dongguan@example.gov.cn"
    assert all(r.processed_at is None and r.attempts == 0 for r in rows)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "feedback.publish"))
    assert audit.details["notifications"] == 4


def test_messages_arrive_with_the_right_content(published, smtp, runner, app):
    draft, c, _point, _publication = published
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert "已发送4封" in result.output and "队列中还有0封" in result.output
    inbox = smtp.handler
    assert sorted(to for _f, (to,) in inbox.envelopes) == sorted(
        ["li@example.cn", "Wang.Fang@Example.org", "zhao@example.cn", "dongguan@example.gov.cn"]
    )
    assert all(sender == app.config["MAIL_FROM"] for sender, _to in inbox.envelopes)
    (mail,) = inbox.to("li@example.cn")
    assert mail["Subject"] == "《本市公园管理条例（草案）》意见采纳情况已公布"
    row = next(r for r in mail_rows() if r.target_id == c["yes"].id and r.target_type == "comment")
    assert mail["Message-ID"] == f"<consult-feedback-{row.id}@localhost>"
    body = mail.get_content()
    code = display(c["yes"].receipt_code)
    assert code in body and "第一条" in body
    assert "处理结果：采纳" in body
    assert f"https://yijian.example.cn/receipts/{code}" in body
    assert f"https://yijian.example.cn/drafts/{draft.slug}/feedback" in body
    assert f"https://yijian.example.cn/receipts/{code}#notifications" in body  # how to stop
    assert mail["List-Unsubscribe"].strip() == f"<https://yijian.example.cn/receipts/{code}#notifications>"
    (general,) = inbox.to("Wang.Fang@Example.org")
    assert "对草案整体" in general.get_content() and "理由：与上位法规定不一致。" in general.get_content()
    (rejected,) = inbox.to("zhao@example.cn")
    assert "未予公开" in rejected.get_content() and "与草案无关" in rejected.get_content()
    # Nobody without consent, without an email address, or of a spam comment.
    assert not inbox.to("qian@example.cn") and not inbox.to("spam@example.cn")
    rows = mail_rows()
    assert all(r.processed_at is not None and r.last_error is None and r.attempts == 1 for r in rows)


def test_contact_point_mail_lists_its_batches_and_outcomes(published, smtp):
    _draft, _c, _point, _publication = published
    send_due()
    (mail,) = smtp.handler.to("dongguan@example.gov.cn")
    body = mail.get_content()
    assert body.startswith("东关街道基层立法联系点：")
    assert "东关街道会议室" in body
    assert "共2条：采纳1条，未采纳1条" in body
    assert "合计报送2条意见，其中采纳或部分采纳1条。" in body
    assert "https://yijian.example.cn/intake/batches/" in body


def test_server_down_loses_nothing_and_each_message_is_sent_once_when_it_is_back(published, app, runner):
    server = SmtpServer(free_port())  # nothing listens on it yet
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    down = runner.invoke(args=["notify", "send"])
    assert down.exit_code == 1
    assert "邮件服务器不可用" in down.output and "队列中还有4封" in down.output
    rows = mail_rows()
    # An outage is not the message's fault: nothing counted, nothing postponed, nothing given up.
    assert all(r.processed_at is None and r.attempts == 0 and r.next_attempt_at is None for r in rows)
    server.start()
    try:
        back = runner.invoke(args=["notify", "send"])
        again = runner.invoke(args=["notify", "send"])
    finally:
        server.stop()
    assert back.exit_code == 0 and "已发送4封" in back.output
    assert again.exit_code == 0 and "已发送0封" in again.output
    ids = [m["Message-ID"] for m in server.handler.messages]
    assert len(ids) == 4 and len(set(ids)) == 4
    assert all(r.processed_at is not None for r in mail_rows())


def test_a_refused_recipient_fails_alone(published, smtp, runner):
    _draft, c, _point, _publication = published
    smtp.handler.refuse["Wang.Fang@Example.org"] = "550 5.1.1 No such user here"
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0
    assert "已发送3封" in result.output and "放弃1封" in result.output
    assert "W***@Example.org" in result.output and "550" in result.output
    assert len(smtp.handler.messages) == 3 and not smtp.handler.to("Wang.Fang@Example.org")
    row = next(r for r in mail_rows() if r.target_id == c["general"].id and r.target_type == "comment")
    assert row.processed_at is not None and row.last_error.startswith("550") and row.attempts == 1
    # Given up for good: a later run neither sends it nor anything else again.
    runner.invoke(args=["notify", "send"])
    assert len(smtp.handler.messages) == 3


def test_a_temporary_refusal_is_retried_after_its_backoff(published, smtp, clock):
    _draft, c, _point, _publication = published
    smtp.handler.refuse["li@example.cn"] = "451 4.3.0 Try again later"
    first = send_due()
    assert (first.sent, first.failed, first.waiting) == (3, 1, 1)
    row = next(r for r in mail_rows() if r.target_id == c["yes"].id and r.target_type == "comment")
    assert row.processed_at is None and row.attempts == 1 and row.last_error.startswith("451")
    assert row.next_attempt_at == clock() + timedelta(minutes=1)
    del smtp.handler.refuse["li@example.cn"]
    assert send_due().sent == 0  # not due yet
    clock.advance(minutes=1, seconds=1)
    later = send_due()
    assert (later.sent, later.waiting) == (1, 0)
    assert len(smtp.handler.to("li@example.cn")) == 1
    assert len(smtp.handler.messages) == 4


def test_backoff_doubles_up_to_six_hours_and_gives_up_after_max_attempts(published, smtp, clock):
    assert [backoff(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert backoff(30) == timedelta(hours=6)
    _draft, c, _point, _publication = published
    smtp.handler.refuse["li@example.cn"] = "451 4.3.0 Try again later"
    send_due()
    end_read()
    with write_transaction() as session:
        row = session.scalar(
            select(OutboxEvent).where(
                OutboxEvent.kind == "mail.feedback",
                OutboxEvent.target_type == "comment",
                OutboxEvent.target_id == c["yes"].id,
            )
        )
        row.attempts = MAX_ATTEMPTS - 1
    clock.advance(hours=7)
    result = send_due()
    assert len(result.gave_up) == 1 and result.gave_up[0].to == "li@example.cn"
    assert result.waiting == 0


def test_two_senders_at_once_send_each_message_once(app, factory, staff, smtp):
    draft = factory.draft("closed")
    comments = [
        factory.comment(draft, f"第{i}条意见。", status="published", contact=f"p{i}@example.cn", notify=True)
        for i in range(24)
    ]
    decide(staff, CLI, [x.id for x in comments], "adopted", "")
    end_read()
    publish_feedback(staff, CLI, draft.slug)
    smtp.handler.delay = 0.01  # keep the first sender busy while the second tries
    results, errors = [], []
    start = threading.Barrier(3)

    def run():
        with app.app_context():
            try:
                start.wait()
                results.append(send_due())
            except Exception as exc:  # pragma: no cover - the assertion below shows it
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.sent for r in results) == 24
    assert sum(r.locked_out for r in results) >= 1
    ids = [m["Message-ID"] for m in smtp.handler.messages]
    assert len(ids) == 24 and len(set(ids)) == 24


def test_the_lock_keeps_a_second_sender_out(app, published, smtp):
    with notifications.sender_lock() as got:
        assert got
        with app.app_context():
            try:
                result = send_due()
            finally:
                db.session.remove()
    assert result.locked_out and result.sent == 0 and result.waiting == 4
    assert smtp.handler.messages == []


def test_limit_sends_only_that_many(published, smtp, runner):
    result = runner.invoke(args=["notify", "send", "--limit", "2"])
    assert result.exit_code == 0 and "已发送2封" in result.output and "队列中还有2封" in result.output


def test_a_revision_queues_its_own_mails_with_the_note(published, smtp, staff):
    draft, c, _point, _publication = published
    slug, general_id = draft.slug, c["general"].id
    send_due()
    assert len(smtp.handler.messages) == 4
    open_revision(staff, CLI, slug)
    decide(staff, CLI, [general_id], "partially_adopted", "采纳了其中关于座椅的建议。")
    end_read()
    publish_feedback(staff, CLI, slug, revision_note="更正了一条意见的处理结果。")
    result = send_due()
    assert result.sent == 4
    (first, second) = smtp.handler.to("Wang.Fang@Example.org")
    assert first["Message-ID"] != second["Message-ID"]
    assert second["Subject"] == "《本市公园管理条例（草案）》意见采纳情况已公布（修订）"
    body = second.get_content()
    assert "修订说明：更正了一条意见的处理结果。" in body
    assert "处理结果：部分采纳" in body and "有变化" in body
    unchanged = smtp.handler.to("li@example.cn")[1].get_content()
    assert "没有变化" in unchanged


def test_withdrawn_consent_or_removed_address_is_not_mailed(published, smtp):
    _draft, c, _point, _publication = published
    end_read()
    with write_transaction() as session:
        session.get(Comment, c["yes"].id).notify = False
        session.get(Comment, c["general"].id).contact = None
    result = send_due()
    assert (result.sent, result.skipped) == (2, 2)
    assert not smtp.handler.to("li@example.cn") and not smtp.handler.to("Wang.Fang@Example.org")


# --- the contact point's notification address ----------------------------------------------------


def test_cli_registers_a_contact_point_with_an_email(runner):
    ok = runner.invoke(
        args=[
            "contact-points",
            "create",
            "beimen",
            "--name",
            "北门街道联系点",
            "--email",
            "beimen@Example.GOV.cn",
        ]
    )
    assert ok.exit_code == 0, ok.output
    point = db.session.scalar(select(ContactPoint).where(ContactPoint.slug == "beimen"))
    assert point.email == "beimen@example.gov.cn"
    end_read()
    bad = runner.invoke(
        args=["contact-points", "create", "nanmen", "--name", "南门", "--email", "nanmen-at-example"]
    )
    assert bad.exit_code == 2 and "通知邮箱格式不正确" in bad.output


def test_admin_sets_and_changes_a_contact_points_email(login_as):
    admin = login_as("admin")
    page = admin.get("/admin/contact-points")
    token = csrf_token_from(page.data)
    bad = admin.post(
        "/admin/contact-points",
        data={"slug": "nanmen", "name": "南门街道联系点", "email": "not an address", "csrf_token": token},
    )
    assert bad.status_code == 400
    html = BeautifulSoup(bad.data, "html.parser")
    assert "通知邮箱格式不正确" in html.select_one("#e-email").get_text()
    assert html.select_one("#f-email")["value"] == "not an address"  # what was typed stays
    made = admin.post(
        "/admin/contact-points",
        data={
            "slug": "nanmen",
            "name": "南门街道联系点",
            "email": "nanmen@example.gov.cn",
            "csrf_token": token,
        },
    )
    assert made.status_code == 303
    point = db.session.scalar(select(ContactPoint).where(ContactPoint.slug == "nanmen"))
    assert point.email == "nanmen@example.gov.cn"
    end_read()
    edit = admin.get(f"/admin/contact-points/{point.id}")
    assert BeautifulSoup(edit.data, "html.parser").select_one("#f-email")["value"] == "nanmen@example.gov.cn"
    changed = admin.post(
        f"/admin/contact-points/{point.id}",
        data={"name": "南门街道联系点", "district": "", "email": "", "csrf_token": token},
    )
    assert changed.status_code == 303
    end_read()
    assert db.session.get(ContactPoint, point.id).email is None
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "contact_point.update").order_by(AuditLog.id.desc())
    ).first()
    assert audit.details["email"] == ["nanmen@example.gov.cn", None]


def test_a_message_that_cannot_be_built_is_set_aside_and_the_others_go(published, smtp, runner, monkeypatch):
    from consult.feedback import compose

    _draft, c, _point, _publication = published
    real = compose._comment_outgoing

    def broken_for_one(event, *args):
        if event.target_id == c["yes"].id:
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        return real(event, *args)

    monkeypatch.setattr(compose, "_comment_outgoing", broken_for_one)
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert "已发送3封" in result.output and "队列中还有0封" in result.output
    assert not smtp.handler.to("li@example.cn") and smtp.handler.to("Wang.Fang@Example.org")
    row = next(r for r in mail_rows() if r.target_id == c["yes"].id and r.target_type == "comment")
    assert row.processed_at is not None and "邮件无法生成" in row.last_error


def test_a_title_with_a_line_break_becomes_one_line(factory):
    draft = factory.draft("closed", title="本市河道管理条例\n（修正草案）")
    assert draft.title == "本市河道管理条例 （修正草案）"
    from consult.feedback.mail import subject

    assert "\n" not in subject("标题\r\n第二行", 2)


def test_the_receipt_page_stops_notifications_and_queued_mail_is_not_sent(published, smtp, client, runner):
    from bs4 import BeautifulSoup

    from tests.conftest import csrf_token_from

    _draft, c, _point, _publication = published
    code = display(c["yes"].receipt_code)
    page = client.get(f"/receipts/{code}")
    form = BeautifulSoup(page.data, "html.parser").select_one("form#notifications")
    assert form is not None and "不再接收通知" in form.get_text()
    resp = client.post(form["action"], data={"csrf_token": csrf_token_from(page.data)})
    assert resp.status_code == 303
    after = BeautifulSoup(client.get(f"/receipts/{code}").data, "html.parser")
    assert after.select_one("form#notifications") is None
    runner.invoke(args=["notify", "send"])
    assert not smtp.handler.to("li@example.cn") and smtp.handler.to("Wang.Fang@Example.org")
