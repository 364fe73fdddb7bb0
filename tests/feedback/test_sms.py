"""SMS notices of published feedback, against a fake HTTPS-JSON gateway on loopback.

The gateway is down for a while (nothing lost, nothing counted), refuses one number (only that one is
given up), limits another for a while (retried after its backoff), and accepts the rest; each message
goes out once, within 70 characters with the signature, carrying the receipt code and a short link.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from consult.comments.decisions import decide
from consult.comments.operations import stop_notifications
from consult.config import ConfigError
from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.feedback import sms
from consult.feedback.notifications import SMS_KIND, backoff, send_due
from consult.feedback.publishing import publish_feedback
from consult.models import OutboxEvent
from consult.receipts import display

SIGN = "本市人大"
BASE = "https://yijian.example.cn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeGateway:
    """A JSON gateway: records what it accepts, refuses (422) or limits (429) numbers it is told to."""

    def __init__(self):
        self.port = free_port()
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.refuse: set[str] = set()
        self.limit: set[str] = set()
        self.status_down: int | None = None  # answer every request with this status (503: down)
        self.server: ThreadingHTTPServer | None = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gateway.status_down:
                    return self._answer(gateway.status_down, {"error": "维护中"})
                if body["to"] in gateway.refuse:
                    return self._answer(422, {"error": "号码不可用"})
                if body["to"] in gateway.limit:
                    return self._answer(429, {"error": "发送过于频繁"})
                gateway.received.append(body)
                gateway.headers.append(dict(self.headers))
                return self._answer(200, {"ok": True})

            def _answer(self, status, data):
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.handler = Handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms/send"

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def to(self, number: str) -> list[dict]:
        return [m for m in self.received if m["to"] == number]


@pytest.fixture
def gateway(app):
    fake = FakeGateway()
    app.config.update(
        SMS_GATEWAY_URL=fake.url,
        SMS_GATEWAY_TOKEN="gateway-token",
        SMS_SIGN_NAME=SIGN,
        PUBLIC_BASE_URL=BASE,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),  # no mail server: the mails wait, the SMS still go
    )
    yield fake
    fake.stop()


@pytest.fixture
def published(factory, gateway):
    """A closed draft whose consenting commenters gave mobile numbers, an address, or a landline."""
    staff, _password = factory.user("staff", username="sms-staff")
    draft = factory.draft("closed", title="本市公园管理条例（草案）")
    c = {
        "a": factory.comment(draft, "手机一。", status="published", contact="13900005678", notify=True),
        "b": factory.comment(draft, "手机二。", status="published", contact="13900001111", notify=True),
        "c": factory.comment(draft, "手机三。", status="rejected", contact="13700002222", notify=True),
        "mail": factory.comment(draft, "邮箱。", status="published", contact="li@example.cn", notify=True),
        "landline": factory.comment(draft, "座机。", status="published", contact="01012345678", notify=True),
        "no_consent": factory.comment(draft, "不通知。", status="published", contact="13600003333"),
        "spam": factory.comment(draft, "广告", status="spam", contact="13500004444", notify=True),
    }
    decide(staff, CLI, [c["a"].id], "adopted", "")
    end_read()
    publish_feedback(staff, CLI, draft.slug)
    return c


def sms_rows() -> list[OutboxEvent]:
    try:
        return list(
            db.session.scalars(
                select(OutboxEvent).where(OutboxEvent.kind == SMS_KIND).order_by(OutboxEvent.id)
            )
        )
    finally:
        end_read()


def test_publication_queues_one_sms_per_consenting_mobile(published):
    c = published
    assert {r.target_id for r in sms_rows()} == {c["a"].id, c["b"].id, c["c"].id}


def test_no_gateway_no_sms_rows(app, factory):
    staff, _password = factory.user("staff", username="no-sms")
    draft = factory.draft("closed")
    factory.comment(draft, "手机。", status="published", contact="13900005678", notify=True)
    end_read()
    publish_feedback(staff, CLI, draft.slug)
    assert sms_rows() == []


def test_down_then_refusing_one_number_then_accepting_the_rest(published, gateway, runner, clock):
    c = published
    # Down: nothing listens on the port. Every row stays as it was, nothing counted; exit 1.
    down = runner.invoke(args=["notify", "send"])
    assert down.exit_code == 1
    assert "短信网关不可用" in down.output and "队列中还有3条" in down.output
    assert all(r.processed_at is None and r.attempts == 0 for r in sms_rows())

    # Up, but answering 503 (maintenance): the same.
    gateway.start()
    gateway.status_down = 503
    assert runner.invoke(args=["notify", "send"]).exit_code == 1
    assert all(r.processed_at is None and r.attempts == 0 for r in sms_rows()) and gateway.received == []

    # Back: refuses b for good, limits c for a while, accepts a.
    gateway.status_down = None
    gateway.refuse.add("13900001111")
    gateway.limit.add("13700002222")
    back = runner.invoke(args=["notify", "send"])
    assert "短信：已发送1条，失败待重试1条，放弃1条" in back.output, back.output
    rows = {r.target_id: r for r in sms_rows()}
    assert rows[c["a"].id].processed_at is not None and rows[c["a"].id].last_error is None
    assert rows[c["b"].id].processed_at is not None and "号码不可用" in rows[c["b"].id].last_error
    limited = rows[c["c"].id]
    assert limited.processed_at is None and limited.attempts == 1
    assert limited.next_attempt_at == clock() + backoff(1)
    assert "139****1111" in back.output and "13900001111" not in back.output  # masked in the log

    # Before its backoff the limited number is not tried; after it, it goes, once.
    gateway.limit.clear()
    runner.invoke(args=["notify", "send"])
    assert gateway.to("13700002222") == []
    clock.advance(minutes=2)
    runner.invoke(args=["notify", "send"])
    again = runner.invoke(args=["notify", "send"])
    assert "短信：已发送0条" in again.output
    assert len(gateway.to("13900005678")) == 1 and len(gateway.to("13700002222")) == 1
    assert gateway.to("13900001111") == []


def test_the_message_fits_one_sms_and_carries_the_code_and_a_short_link(published, gateway, client):
    c = published
    gateway.start()
    result = send_due()
    assert result.sms.sent == 3
    (message,) = gateway.to("13900005678")
    code = c["a"].receipt_code
    assert message["sign_name"] == SIGN
    assert sms.signed_length(SIGN, message["text"]) <= sms.SMS_MAX
    assert display(code) in message["text"] or code in message["text"]
    link = f"{BASE}/r/{code}"
    assert message["text"].endswith(link)
    row = next(r for r in sms_rows() if r.target_id == c["a"].id)
    assert message["id"] == f"consult-sms-{row.id}"
    (headers,) = [h for h, m in zip(gateway.headers, gateway.received, strict=True) if m is message]
    assert headers["Authorization"] == "Bearer gateway-token"
    # The short link opens the receipt.
    resp = client.get(f"/r/{code}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/receipts/{display(code)}")


def test_consent_withdrawn_before_sending_is_skipped(published, gateway):
    c = published
    gateway.start()
    stop_notifications(CLI, c["a"].receipt_code)
    result = send_due()
    assert result.sms.sent == 2 and result.sms.skipped == 1
    assert gateway.to("13900005678") == []


@pytest.mark.parametrize(
    ("sign", "base", "fits"),
    [
        ("本市人大", "https://yijian.example.cn", True),
        ("本市人大常委会法工委", "https://consultation.people-congress.example.gov.cn", False),
    ],
)
def test_start_up_refuses_a_signature_and_address_that_cannot_fit(make_app, sign, base, fits):
    settings = {
        "SMS_GATEWAY_URL": "https://sms.example.cn/send",
        "SMS_SIGN_NAME": sign,
        "PUBLIC_BASE_URL": base,
    }
    if fits:
        make_app(**settings)
    else:
        with pytest.raises(ConfigError, match="more than 70"):
            make_app(**settings)


def test_every_wording_is_chosen_longest_first_within_70(app):
    code = "5861000880049"
    short_base = "https://a.cn"
    text = sms.sms_text(SIGN, short_base, code)
    assert display(code) in text  # the longest wording fits a short address
    long_base = "https://yijian.rd.example.gov.cn"
    text = sms.sms_text(SIGN, long_base, code)
    assert sms.signed_length(SIGN, text) <= 70 and text.endswith(f"{long_base}/r/{code}")


def test_a_gateway_needs_a_signature_and_https_in_production(make_app):
    with pytest.raises(ConfigError, match="SMS_SIGN_NAME"):
        make_app(SMS_GATEWAY_URL="https://sms.example.cn/send")
    with pytest.raises(ConfigError, match="https"):
        make_app(SMS_GATEWAY_URL="ftp://sms.example.cn/send", SMS_SIGN_NAME=SIGN)


def test_later_attempts_back_off(published, gateway, clock):
    gateway.start()
    gateway.limit.add("13900005678")
    send_due()
    row = next(r for r in sms_rows() if r.target_id == published["a"].id)
    assert row.attempts == 1 and row.next_attempt_at == clock() + timedelta(minutes=1)
