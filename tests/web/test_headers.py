"""Security headers on every kind of answer, and no-store on everything personal (consult/web/headers.py)."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import pytest
from werkzeug.exceptions import BadRequestKeyError

from consult.receipts import display
from consult.web.headers import CONTENT_SECURITY_POLICY
from tests.conftest import csrf_token_from

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def assert_security_headers(resp) -> None:
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["base-uri"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    permissions = resp.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions
    assert "Strict-Transport-Security" not in resp.headers  # the proxy's job (README, Production)


def assert_no_store(resp) -> None:
    assert "no-store" in resp.headers.get("Cache-Control", ""), (resp.request.path, resp.headers)


def assert_may_be_stored(resp) -> None:
    assert "no-store" not in resp.headers.get("Cache-Control", ""), (resp.request.path, resp.headers)


def settle(client) -> None:
    """Visit until the session stops changing (the CSRF token, then Flask-Login's freshness mark)."""
    for _ in range(3):
        if "Set-Cookie" not in client.get("/").headers:
            return
    raise AssertionError("the session cookie is set on every visit")


@pytest.fixture
def draft(factory):
    return factory.draft()


def test_home_and_a_draft_carry_the_headers_and_stay_cacheable_once_the_visitor_has_a_session(client, draft):
    first = client.get("/")
    assert first.status_code == 200
    assert_security_headers(first)
    # The first visit hands out the session cookie (the CSRF token): a shared cache must not keep it.
    assert "Set-Cookie" in first.headers
    assert_no_store(first)
    settle(client)
    for path in ("/", f"/drafts/{draft.slug}"):
        resp = client.get(path)
        assert resp.status_code == 200 and "Set-Cookie" not in resp.headers
        assert_security_headers(resp)
        assert_may_be_stored(resp)


def test_the_page_cache_still_serves_public_pages_with_the_headers(make_app, factory):
    app = make_app(PAGE_CACHE_SECONDS=60)
    from consult.web import cache

    cache.clear()
    with app.app_context():
        slug = factory.draft().slug
    client = app.test_client()
    settle(client)
    for _ in range(2):  # rendered, then served from the cache
        resp = client.get(f"/drafts/{slug}")
        assert resp.status_code == 200
        assert_security_headers(resp)
        assert_may_be_stored(resp)
    cache.clear()


def test_receipt_pages_and_receipt_json_are_never_stored(client, factory, draft):
    comment = factory.comment(draft, status="published")
    code = display(comment.receipt_code)
    settle(client)  # no cookie set any more: only the address makes these personal
    for path in (
        f"/receipts/{code}",
        f"/r/{comment.receipt_code}",
        f"/receipts?code={code}",
        "/receipts",
        f"/api/v1/receipts/{code}",
        "/receipts/0000-0000-00000",  # not found: still a receipt address
    ):
        resp = client.get(path)
        assert resp.status_code in (200, 302, 303, 404), path
        assert_security_headers(resp)
        assert_no_store(resp)


def test_staff_pages_intake_pages_and_staff_json_are_never_stored(login_as, factory, draft):
    factory.comment(draft, contact="13800138000")
    staff = login_as("staff")
    for path in ("/admin/", f"/admin/drafts/{draft.slug}", "/intake/", "/api/v1/admin/comments"):
        resp = staff.get(path)
        assert resp.status_code in (200, 302), path
        assert_security_headers(resp)
        assert_no_store(resp)
    # Any answer to a signed-in user, public address or not.
    resp = staff.get(f"/drafts/{draft.slug}")
    assert resp.status_code == 200
    assert_no_store(resp)


def test_staff_json_asked_with_a_token_is_never_stored(app, factory, runner):
    factory.user("staff", username="api-user")
    token = runner.invoke(args=["users", "token", "api-user"]).output.strip().splitlines()[-1]
    resp = app.test_client().get("/api/v1/admin/comments", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert_security_headers(resp)
    assert_no_store(resp)


def test_an_anonymous_visitor_asking_for_a_staff_page_is_not_stored_either(client):
    settle(client)
    for path in ("/admin/", "/api/v1/admin/comments", "/intake/"):
        resp = client.get(path)
        assert resp.status_code in (302, 401), path
        assert_security_headers(resp)
        assert_no_store(resp)


def test_error_pages_carry_the_headers(client):
    settle(client)
    resp = client.get("/drafts/no-such-draft")
    assert resp.status_code == 404
    assert_security_headers(resp)
    assert_may_be_stored(resp)
    api = client.get("/api/v1/drafts/no-such-draft")
    assert api.status_code == 404 and api.is_json
    assert_security_headers(api)


def test_static_files_carry_the_headers(client):
    resp = client.get("/static/css/site.css")
    assert resp.status_code == 200
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    resp.close()


def test_templates_have_no_inline_script_style_or_event_handler():
    """The policy allows no inline script or style: a template that needs one would break under it."""
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    offending = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",  # a script element without src: an inline script
            r"<style\b",
            r"\sstyle\s*=",
            r"\son[a-z]+\s*=",
            r"javascript:",
        ):
            offending += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offending == []


def test_a_refused_form_is_not_stored_whether_or_not_it_sets_the_session_cookie(app, draft):
    client = app.test_client()  # no session yet: the page that shows the refusal hands one out
    resp = client.post(f"/drafts/{draft.slug}/comments", data={"body": ""})
    assert resp.status_code == 400
    assert "Set-Cookie" in resp.headers
    assert_security_headers(resp)
    assert_no_store(resp)
    settle(client)
    token = csrf_token_from(client.get(f"/drafts/{draft.slug}").data)
    resp = client.post(
        f"/drafts/{draft.slug}/comments", data={"body": "", "contact": "13800138000", "csrf_token": token}
    )
    assert resp.status_code == 400 and "Set-Cookie" not in resp.headers
    assert_security_headers(resp)
    assert_no_store(resp)  # the page keeps what was typed, contact details included


HOOKS = {"add_headers", "is_personal", "vary", "save_session", "_vary_on_cookie", "refuse_nul_characters"}
HOOKS |= {"open_session", "care_mode", "chosen_language", "language"}  # the cookies and Accept-Language


def test_the_hooks_of_every_answer_look_up_no_missing_header_through_werkzeug(client, factory, monkeypatch):
    """werkzeug's get and `in` raise and catch a BadRequestKeyError for each missing header or cookie.
    Before, what every answer runs asked that way nine times for a new visitor's page (Cache-Control,
    Set-Cookie, Expires, Vary, Content-Length, Transfer-Encoding, Accept-Language and the session, care
    and language cookies); their headers are still what test_security_headers_* check."""
    draft = factory.draft()
    client.get(f"/drafts/{draft.slug}")
    raised_in = []
    real = BadRequestKeyError.__init__

    def noting(self, *args, **kwargs):
        raised_in.append({frame.name for frame in traceback.extract_stack()} & HOOKS)
        real(self, *args, **kwargs)

    monkeypatch.setattr(BadRequestKeyError, "__init__", noting)
    client.delete_cookie("session")
    resp = client.get(f"/drafts/{draft.slug}")
    assert resp.status_code == 200
    assert [hooks for hooks in raised_in if hooks] == []
    assert_security_headers(resp)
    assert resp.headers["Cache-Control"] == "no-store"  # a new visitor's first cookie
    assert resp.headers["Vary"] == "Cookie, Accept-Language"
