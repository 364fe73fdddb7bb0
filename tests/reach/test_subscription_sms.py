"""SMS subscribers: only with a gateway configured, with the same double opt-in, once-only and unsubscribe."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.db import end_read
from consult.extensions import db
from consult.models import Subscription
from consult.reach.sending import send_due
from tests.feedback.test_sms import BASE, gateway  # noqa: F401 (the fixture)

NUMBER = "13912345678"


def path_in(text: str, kind: str) -> str:
    match = re.search(rf"{re.escape(BASE)}(/subscriptions/{kind}/[0-9]+-[A-Za-z0-9_\-]{{16}})", text)
    assert match, text
    return match.group(1)


def test_a_mobile_number_subscribes_confirms_and_is_told_once(client, gateway, factory, clock):  # noqa: F811
    gateway.start()
    resp = client.post("/api/v1/subscriptions", json={"phone": "139-1234-5678", "topics": ["drafts"]})
    assert resp.status_code == 202 and resp.get_json()["channel"] == "sms"
    factory.draft("upcoming", title="本市养犬管理条例（草案）")
    send_due()
    (confirmation,) = gateway.received
    assert confirmation["to"] == NUMBER and "确认订阅" in confirmation["text"]
    clock.advance(days=4)  # the draft opens before the number is confirmed: not told
    send_due()
    assert len(gateway.received) == 1
    assert client.get(path_in(confirmation["text"], "confirm")).status_code == 200
    draft = factory.draft("upcoming", title="本市公园管理条例（草案）")
    clock.advance(days=4)
    send_due()
    send_due()
    assert len(gateway.received) == 2
    notice = gateway.received[1]
    assert "《本市公园管理条例（草案）》" in notice["text"] and f"/drafts/{draft.slug}" in notice["text"]
    stop = path_in(notice["text"], "unsubscribe")
    resp = client.post(stop)
    assert resp.status_code == 200 and "已退订" in resp.text, resp.text
    end_read()
    try:
        assert db.session.scalar(select(Subscription.unsubscribed_at)) is not None
    finally:
        end_read()


def test_without_a_gateway_numbers_are_refused_and_the_form_asks_for_mail_only(client, app):
    assert (
        "phone" in client.post("/api/v1/subscriptions", json={"phone": NUMBER}).get_json()["error"]["fields"]
    )
    assert not BeautifulSoup(client.get("/subscribe").text, "html.parser").find(
        "input", attrs={"name": "phone"}
    )


def test_with_a_gateway_the_form_offers_a_number_and_checks_it(client, gateway):  # noqa: F811
    page = client.get("/subscribe")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.find("input", attrs={"name": "phone"})
    token = soup.find("input", attrs={"name": "csrf_token"})["value"]
    resp = client.post("/subscribe", data={"csrf_token": token, "phone": "12345", "topics": ["drafts"]})
    assert resp.status_code == 400
    assert "11位手机号码" in BeautifulSoup(resp.text, "html.parser").find(id="phone-error").text
