"""The session cookie and the CSRF token, signed without zlib, with each key derived and keyed once and a
plain session written without Flask's tag walk (consult/auth/signing.py), in the format Flask and
Flask-WTF read and write."""

from __future__ import annotations

import hashlib
import hmac
import zlib
from datetime import UTC, datetime

import pytest
from flask import session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from consult.auth.signing import (
    CSRF_SALT,
    KeptHMAC,
    PlainSerializer,
    SessionJSON,
    csrf_serializer,
    csrf_token,
)
from tests.conftest import csrf_token_from


@pytest.fixture
def frozen_signing_time(monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)


@pytest.mark.parametrize(
    "payload", ["a" * 40, {"csrf_token": "f" * 40}, {"_user_id": "7:nonce", "_fresh": True}]
)
def test_what_is_signed_is_byte_for_byte_itsdangerous_own_when_it_does_not_compress(
    frozen_signing_time, payload
):
    plain = PlainSerializer("secret", salt="salt").dumps(payload)
    stock = URLSafeTimedSerializer("secret", salt="salt").dumps(payload)
    if not stock.startswith("."):  # itsdangerous kept it uncompressed: the same bytes
        assert plain == stock
    assert not plain.startswith(".")
    assert URLSafeTimedSerializer("secret", salt="salt").loads(plain) == payload
    assert PlainSerializer("secret", salt="salt").loads(stock) == payload


def test_a_compressed_value_signed_before_still_loads_and_a_forged_one_does_not():
    payload = {"csrf_token": "x" * 400}  # repetitive: itsdangerous compresses it
    stock = URLSafeTimedSerializer("secret", salt="salt").dumps(payload)
    assert stock.startswith(".")
    assert PlainSerializer("secret", salt="salt").loads(stock) == payload
    with pytest.raises(BadSignature):
        PlainSerializer("other secret", salt="salt").loads(stock)
    with pytest.raises(BadSignature):
        PlainSerializer("secret", salt="other salt").loads(stock)


def test_the_key_is_derived_once_per_secret_and_salt(monkeypatch):
    serializer = PlainSerializer(["old", "new"], salt="salt")
    calls = []
    real = TimestampSigner.derive_key

    def counting(self, secret_key=None):
        calls.append(secret_key)
        return real(self, secret_key)

    monkeypatch.setattr(TimestampSigner, "derive_key", counting)
    tokens = [serializer.dumps({"n": n}) for n in range(20)]
    assert len(calls) == 1  # the current key, once
    assert [serializer.loads(t) for t in tokens] == [{"n": n} for n in range(20)]
    signed_with_old = URLSafeTimedSerializer("old", salt="salt").dumps({"n": 1})
    assert serializer.loads(signed_with_old) == {"n": 1}  # a fallback key still reads
    assert len(calls) <= 3


def test_a_new_visitors_page_signs_its_cookie_and_token_without_zlib(client, factory, monkeypatch):
    """Before: zlib.compress ran twice for a visitor with no cookie (the session and the CSRF token)."""
    draft = factory.draft()
    client.get(f"/drafts/{draft.slug}")  # the page kept once, so the visit below only fills it in
    calls = []
    real = zlib.compress

    def counting(*args, **kwargs):
        calls.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(zlib, "compress", counting)
    client.delete_cookie("session")
    resp = client.get(f"/drafts/{draft.slug}")
    assert resp.status_code == 200
    assert "session=" in resp.headers.get("Set-Cookie", "")
    assert calls == []


def test_the_token_and_cookie_signed_here_are_what_flask_and_flask_wtf_check(app, client, factory):
    draft = factory.draft()
    page = client.get(f"/drafts/{draft.slug}")
    token = csrf_token_from(page.data)
    cookie = client.get_cookie("session").value
    # Flask's stock session serializer reads the cookie, and Flask-WTF's check takes the token with it.
    stock = SecureCookieSessionInterface().get_signing_serializer(app)
    stored = stock.loads(cookie)
    assert stored["csrf_token"]
    with app.test_request_context():
        session.update(stored)
        validate_csrf(token)  # raises when the token is not this session's
        assert (
            csrf_serializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key).loads(token)
            == (stored["csrf_token"])
        )


def test_the_token_is_one_per_request_whoever_asks_first(app):
    # Each in an app context of its own, as a request has (``g`` is the app context's).
    with app.app_context(), app.test_request_context():
        first = csrf_token()
        assert generate_csrf() == first == csrf_token()
    with app.app_context(), app.test_request_context():
        made_by_flask_wtf = generate_csrf()
        assert csrf_token() == made_by_flask_wtf
        assert (
            URLSafeTimedSerializer(app.secret_key, salt=CSRF_SALT).loads(made_by_flask_wtf)
            == session["csrf_token"]
        )


@pytest.mark.parametrize("key", [b"k", b"a longer key" * 10])
@pytest.mark.parametrize("value", [b"", b"payload.1800000000", "意见".encode() * 50])
def test_a_kept_hmac_signs_what_a_new_one_signs(key, value):
    kept = KeptHMAC(hashlib.sha1)
    for _ in range(3):  # the first signature keys the HMAC; the later ones copy it
        assert kept.get_signature(key, value) == hmac.new(key, value, hashlib.sha1).digest()
    assert kept.verify_signature(key, value, hmac.new(key, value, hashlib.sha1).digest())
    assert not kept.verify_signature(key, value + b"x", hmac.new(key, value, hashlib.sha1).digest())


def test_the_signers_here_key_their_hmac_once_and_sign_as_itsdangerous_does(frozen_signing_time, monkeypatch):
    serializer = PlainSerializer("secret", salt="salt")
    assert isinstance(serializer.make_signer().algorithm, KeptHMAC)
    calls = []
    real = hmac.new
    monkeypatch.setattr(hmac, "new", lambda *a, **k: calls.append(1) or real(*a, **k))
    tokens = [serializer.dumps({"n": n}) for n in range(10)]
    assert len(calls) == 1  # before: one HMAC made from the key per signature
    stock = URLSafeTimedSerializer("secret", salt="salt")
    assert tokens == [stock.dumps({"n": n}) for n in range(10)]
    assert [serializer.loads(t) for t in tokens] == [{"n": n} for n in range(10)]


SESSIONS = [
    {},
    {"csrf_token": "f" * 40},
    {"_user_id": "7:nonce", "_fresh": True, "_id": "ab" * 64, "_permanent": True, "csrf_token": "e" * 40},
    {"n": 3, "none": None, "zh": "意见", "quote": 'a"b\\c\n', "b": False},
    {"_flashes": [("message", "已保存。")]},  # a tuple: tagged
    {"m": Markup("<b>x</b>")},  # Markup: tagged
    {" t": "x"},  # one key that names a tag: tagged as a dict
    {" t": "x", "other": "y"},
    {"nested": {"a": 1}},
    {"f": 1.5},
    {"bytes": b"x"},
    {"when": datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)},
]


@pytest.mark.parametrize("value", SESSIONS)
def test_the_session_is_written_byte_for_byte_as_flask_writes_it_and_read_back(app, value):
    with app.test_request_context():
        ours = SessionJSON.for_app(app).dumps(value)
        assert ours == TaggedJSONSerializer().dumps(value)
        assert TaggedJSONSerializer().loads(ours) == value


def test_a_session_of_plain_values_is_written_without_flasks_tag_walk(app, monkeypatch):
    def refuse(self, value):
        raise AssertionError("tagged")

    monkeypatch.setattr(TaggedJSONSerializer, "tag", refuse)
    with app.test_request_context():
        assert SessionJSON.for_app(app).dumps(SESSIONS[2]).startswith('{"_fresh":true')
        with pytest.raises(AssertionError):
            SessionJSON.for_app(app).dumps({"_flashes": [("message", "x")]})


def test_a_new_visitors_cookie_is_written_without_the_tag_walk(app, client, factory, monkeypatch):
    """Before: Flask's tagged JSON walked every new visitor's session (the CSRF token) to write it."""
    draft = factory.draft()
    client.get(f"/drafts/{draft.slug}")
    calls = []
    real = TaggedJSONSerializer.tag
    monkeypatch.setattr(TaggedJSONSerializer, "tag", lambda self, value: calls.append(1) or real(self, value))
    client.delete_cookie("session")
    resp = client.get(f"/drafts/{draft.slug}")
    assert "session=" in resp.headers.get("Set-Cookie", "")
    assert calls == []
    stored = (
        SecureCookieSessionInterface().get_signing_serializer(app).loads(client.get_cookie("session").value)
    )
    assert list(stored) == ["csrf_token"]
