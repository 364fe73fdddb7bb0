"""A signed-in account is reused between requests only while no account changed; a change counts at once."""

from __future__ import annotations

from bs4 import BeautifulSoup

from consult.auth.operations import end_sessions, set_user_active, update_user
from consult.context import CLI
from consult.db import end_read
from tests.conftest import csrf_token_from

QUEUE = "/admin/moderation"
API = "/api/v1/admin/comments"


def copy_of(app, client):
    """A second browser holding the same session cookie (as a thief would)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_a_copied_cookie_fails_at_once_after_sign_out_even_with_the_account_cached(app, login_as):
    staff = login_as("staff")
    thief = copy_of(app, staff)
    for _ in range(2):  # the second request is served from the account cache
        assert thief.get(QUEUE).status_code == 200
        assert thief.get(API).status_code == 200
    token = csrf_token_from(staff.get(QUEUE).data)
    assert staff.post("/logout", data={"csrf_token": token}).status_code == 303
    resp = thief.get(QUEUE)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert thief.get(API).status_code == 401


def test_deactivating_or_ending_sessions_elsewhere_stops_the_cookie_on_the_next_request(app, login_as):
    first, second = login_as("staff"), login_as("staff")
    for client in (first, second):
        assert client.get(QUEUE).status_code == 200
        assert client.get(QUEUE).status_code == 200
    end_read()
    set_user_active(None, CLI, first.user.id, False)  # another worker's write, straight in the database
    assert first.get(QUEUE).status_code == 302
    assert first.get(API).status_code == 401
    assert second.get(QUEUE).status_code == 200  # other accounts keep working
    end_sessions(None, CLI, second.user.id)
    assert second.get(QUEUE).status_code == 302


def test_a_role_change_counts_on_the_next_request_and_a_contact_point_never_sees_the_queue(
    app, login_as, factory
):
    staff = login_as("staff")
    point = factory.contact_point()
    assert staff.get(QUEUE).status_code == 200  # queue, chrome and account all cached now
    assert staff.get(API).status_code == 200
    operator = login_as("contact_point", point=point.slug)
    assert operator.get(QUEUE).status_code == 403
    assert operator.get(API).status_code == 403
    end_read()
    update_user(None, CLI, staff.user.id, "改任联系点", "contact_point", point.slug)
    assert staff.get(QUEUE).status_code == 403
    assert staff.get(API).status_code == 403
    assert "审核" not in [a.get_text() for a in _nav(staff.get("/intake/"))]


def _nav(resp):
    return BeautifulSoup(resp.data, "html.parser").select(".site-nav a")


def test_the_session_cookie_serializer_is_built_once_per_set_of_keys(make_app):
    app = make_app()
    interface = app.session_interface
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)
    old = app.secret_key
    app.secret_key = "a-new-secret-key-of-enough-length-0123456789"
    assert interface.get_signing_serializer(app) is not None
    assert interface.get_signing_serializer(app).secret_keys[-1] == app.secret_key.encode()
    app.secret_key = old


def test_a_cookie_signed_with_a_retired_key_still_opens(make_app, factory):
    draft_app = make_app()
    client = draft_app.test_client()
    with client.session_transaction() as sess:
        sess["probe"] = "kept"
    cookie = client.get_cookie("session").value
    rotated = make_app(
        SECRET_KEY="a-new-secret-key-of-enough-length-0123456789",
        SECRET_KEY_FALLBACKS=[draft_app.secret_key],
    )
    other = rotated.test_client()
    other.set_cookie("session", cookie)
    with other.session_transaction() as sess:
        assert sess.get("probe") == "kept"
