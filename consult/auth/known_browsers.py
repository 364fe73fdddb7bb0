"""The "known browser" mark: a signed cookie, set at a successful sign-in, naming the accounts that signed
in from this browser.

It lets the owner of an account past the per-account ceiling while strangers are guessing its password
(consult/auth/signin.py); it never lifts the per-(account, address) or per-address limits. The value
is signed with the app's SECRET_KEY (itsdangerous, its own salt) and carries the time it was issued,
checked against the injected clock (consult.clock) so tests need not sleep. Nothing secret is in it:
user ids and a timestamp, readable by whoever holds the cookie, forgeable by nobody without the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from consult.clock import utcnow

COOKIE_NAME = "known_browser"
COOKIE_PATH = "/login"  # only the sign-in form needs it; no other request carries it
KNOWN_FOR = timedelta(days=90)  # how long a browser stays known after its latest sign-in
ACCOUNTS_PER_BROWSER = 5  # a shared office computer remembers its latest five accounts
_SALT = "consult.auth.known-browser"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def recognised(value: str | None) -> list[int]:
    """The accounts this cookie value vouches for, newest first; [] if missing, forged or expired."""
    if not value or len(value) > 512:
        return []
    try:
        payload = _serializer().loads(value)
    except BadSignature:
        return []
    if not isinstance(payload, dict):
        return []
    issued, ids = payload.get("at"), payload.get("ids")
    if not isinstance(issued, int | float) or not isinstance(ids, list):
        return []
    if utcnow().timestamp() - issued > KNOWN_FOR.total_seconds():
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)][:ACCOUNTS_PER_BROWSER]


def issue(user_id: int, before: Iterable[int] = ()) -> str:
    """A fresh cookie value naming `user_id` first, then up to four accounts known before."""
    ids = [user_id] + [i for i in before if i != user_id]
    return _serializer().dumps({"ids": ids[:ACCOUNTS_PER_BROWSER], "at": int(utcnow().timestamp())})


def cookie_settings() -> dict:
    """The attributes of the cookie: HttpOnly, SameSite=Lax, Secure whenever the session cookie is."""
    return {
        "max_age": int(KNOWN_FOR.total_seconds()),
        "path": COOKIE_PATH,
        "httponly": True,
        "secure": bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        "samesite": "Lax",
    }
