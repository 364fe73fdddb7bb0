"""The links' tokens (an HMAC per purpose, withdrawn with the nonce) and the one sender at a time."""

from __future__ import annotations

from consult.feedback.notifications import sender_lock
from consult.models import Subscription
from consult.reach import tokens
from consult.reach.sending import send_due


def sample(**kw) -> Subscription:
    return Subscription(
        id=kw.get("id", 42), nonce=kw.get("nonce", "a" * 32), channel="email", address="r@e.cn"
    )


def test_a_token_is_valid_for_its_subscription_and_purpose_only(app):
    sub = sample()
    token = tokens.make(tokens.CONFIRM, sub)
    assert tokens.TOKEN.match(token) and tokens.subscription_id(token) == 42
    assert tokens.valid(tokens.CONFIRM, token, sub)
    assert not tokens.valid(tokens.UNSUBSCRIBE, token, sub)  # another purpose
    assert not tokens.valid(tokens.CONFIRM, token, sample(id=43))  # another row
    assert not tokens.valid(tokens.CONFIRM, token, sample(nonce="b" * 32))  # a new nonce withdraws it
    mac = token.split("-", 1)[1]
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert not tokens.valid(tokens.CONFIRM, f"42-{flipped}", sub)
    for junk in ("", "42", "42-", "0-" + mac, "-1-" + mac, "42-" + mac + "x", "42-" + mac[:-1] + "!"):
        assert tokens.subscription_id(junk) is None or not tokens.valid(tokens.CONFIRM, junk, sub), junk


def test_the_secret_key_signs_the_tokens(app):
    sub = sample()
    token = tokens.make(tokens.UNSUBSCRIBE, sub)
    app.config["SECRET_KEY"] = "another-secret-key-of-at-least-32-characters"
    assert not tokens.valid(tokens.UNSUBSCRIBE, token, sub)


def test_a_second_sender_sends_nothing_while_the_first_holds_the_lock(client, smtp):
    assert client.post("/api/v1/subscriptions", json={"email": "lock@example.cn"}).status_code == 202
    with sender_lock() as got:
        assert got
        result = send_due()
    assert result.locked_out and result.sent == 0 and not smtp.handler.messages
    assert send_due().sent == 1
