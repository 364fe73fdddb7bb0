"""The session cookie and Vary written as Flask writes them (SessionCookies.save_session in
consult/auth/session.py), without parsing the Vary header when it names Cookie already."""

from __future__ import annotations

import pytest
from flask import Response
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner
from werkzeug.datastructures import HeaderSet


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)


def _session(interface, app, data: dict, accessed: bool, modified: bool, permanent: bool = False):
    session = interface.session_class(data)
    session.accessed, session.modified = accessed, modified
    if permanent:
        session.permanent = True
        session.modified = modified  # setting permanent marks it modified: keep what the case says
    return session


# A token as they come (random hex): Flask's stock serializer would compress a repetitive one.
TOKEN = "8c1d0f4b9a27e6d35f02c7b1e49a8d6f3b5c2e17"
CASES = {
    "a new visitor's token": ({"csrf_token": TOKEN}, True, True, False),
    "read, unchanged": ({"csrf_token": TOKEN}, True, False, False),
    "untouched": ({"csrf_token": TOKEN}, False, False, False),
    "emptied now": ({}, True, True, False),
    "emptied, not read": ({}, False, True, False),
    "signed in, permanent": ({"_user_id": "7:n", "_fresh": True}, True, True, True),
}
VARY = [None, "Cookie, Accept-Language", "Accept-Language", "cookie", "X-Cookie-Thing"]


@pytest.mark.parametrize("vary", VARY)
@pytest.mark.parametrize("case", CASES)
def test_the_cookie_and_vary_are_what_flask_writes(app, frozen, monkeypatch, case, vary):
    ours = app.session_interface
    stock = SecureCookieSessionInterface()
    # The same expiry for both (Flask reads the wall clock for a permanent session).
    expiry = stock.get_expiration_time(app, _session(stock, app, {}, False, False, permanent=True))
    for interface in (ours, stock):
        monkeypatch.setattr(interface, "get_expiration_time", lambda app, s: expiry if s.permanent else None)
    answers = []
    with app.test_request_context():
        for interface in (ours, stock):
            response = Response("x")
            if vary is not None:
                response.headers["Vary"] = vary
            interface.save_session(app, _session(interface, app, *CASES[case]), response)
            answers.append((response.headers.getlist("Set-Cookie"), response.headers.getlist("Vary")))
    (cookies, varies), (stock_cookies, stock_varies) = answers
    assert cookies == stock_cookies
    assert varies == stock_varies


def test_a_vary_that_names_cookie_is_not_parsed_again(app, frozen, monkeypatch):
    """Before: Flask parsed the answer's Vary into a set twice for every new visitor's cookie."""
    parsed = []
    real = HeaderSet.__init__
    monkeypatch.setattr(HeaderSet, "__init__", lambda self, *a, **k: parsed.append(a) or real(self, *a, **k))
    with app.test_request_context():
        response = Response("x")
        response.headers["Vary"] = "Cookie, Accept-Language"
        app.session_interface.save_session(
            app, _session(app.session_interface, app, *CASES["a new visitor's token"]), response
        )
    assert parsed == []
    assert response.headers["Vary"] == "Cookie, Accept-Language"
    assert response.headers["Set-Cookie"].startswith("session=")
