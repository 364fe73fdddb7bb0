"""Flask-Login's session protection ("basic") for a signed-in session, and no identifier hashed for a
visitor who has no session yet (consult/extensions.SessionLoginManager)."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from consult.extensions import login_manager


def _counting_identifier(monkeypatch) -> list[int]:
    calls = []
    real = login_manager._session_identifier_generator
    monkeypatch.setattr(login_manager, "_session_identifier_generator", lambda: calls.append(1) or real())
    return calls


def _stored(app, client) -> dict:
    return (
        SecureCookieSessionInterface().get_signing_serializer(app).loads(client.get_cookie("session").value)
    )


def test_a_new_visitors_page_hashes_no_identifier(client, factory, monkeypatch):
    """Before: Flask-Login hashed the address and user agent of every visitor without a session too."""
    draft = factory.draft()
    calls = _counting_identifier(monkeypatch)
    resp = client.get(f"/drafts/{draft.slug}")
    assert resp.status_code == 200
    assert calls == []
    assert list(_stored(client.application, client)) == ["csrf_token"]


def test_a_signed_in_session_is_still_checked_and_marked_not_fresh_from_another_browser(
    app, login_as, monkeypatch
):
    staff = login_as("staff")
    assert _stored(app, staff)["_fresh"] is True
    calls = _counting_identifier(monkeypatch)
    same = staff.get("/admin/")
    assert same.status_code == 200
    assert calls and _stored(app, staff)["_fresh"] is True
    other = staff.get("/admin/", headers={"User-Agent": "another browser"})
    assert other.status_code == 200  # "basic": still signed in, but no longer fresh
    assert _stored(app, staff)["_fresh"] is False
