"""Sign-in and sign-out through the HTML form, for each role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.auth.session import SESSION_RENEW_AFTER_SECONDS
from consult.auth.signing import KeptKeySigner
from consult.extensions import db
from consult.models import AuditLog
from tests.conftest import csrf_token_from


@pytest.mark.parametrize("role", ["admin", "staff", "contact_point"])
def test_each_role_signs_in_through_the_form(login_as, role):
    client = login_as(role)
    page = client.get("/").get_data(as_text=True)
    assert client.user.username in page
    assert "退出" in page


def test_a_wrong_password_is_refused_with_a_chinese_message_and_audited(app, factory):
    _user, _ = factory.user("staff", username="bob")
    c = app.test_client()
    token = csrf_token_from(c.get("/login").data)
    resp = c.post("/login", data={"username": "bob", "password": "wrong-password", "csrf_token": token})
    assert resp.status_code == 400
    assert "用户名或密码不正确" in resp.get_data(as_text=True)
    db.session.remove()
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-1] == "auth.login_failed"


def test_next_is_followed_only_within_the_site(app, factory):
    user, password = factory.user("staff")
    c = app.test_client()
    token = csrf_token_from(c.get("/login").data)
    resp = c.post(
        "/login?next=https://evil.example/",
        data={"username": user.username, "password": password, "csrf_token": token},
    )
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/admin/"  # the staff landing page, not the other site


def test_sign_out_invalidates_a_copied_session_cookie(app, login_as):
    client = login_as("staff")
    cookie = client.get_cookie("session").value
    token = csrf_token_from(client.get("/").data)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    page = thief.get("/").get_data(as_text=True)
    assert client.user.username not in page
    assert "工作人员登录" in page


def test_the_staff_session_expires_after_the_idle_timeout(make_app, factory):
    app = make_app(SESSION_IDLE_MINUTES=30)
    with app.app_context():
        user, password = factory.user("staff")
        c = app.test_client()
        token = csrf_token_from(c.get("/login").data)
        resp = c.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60


def _session_cookie(resp) -> str | None:
    return next((h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session=")), None)


def test_the_staff_cookie_is_renewed_once_a_minute_not_signed_again_on_every_request(
    make_app, factory, monkeypatch
):
    app = make_app(SESSION_IDLE_MINUTES=30)
    with app.app_context():
        user, password = factory.user("staff")
        c = app.test_client()
        token = csrf_token_from(c.get("/login").data)
        assert _session_cookie(
            c.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
        )
        c.get("/admin/")  # the first page with a form puts the CSRF token in the session
        # Within the minute: the page is served without a new cookie (nothing to sign, nothing to send).
        resp = c.get("/admin/")
        assert resp.status_code == 200 and _session_cookie(resp) is None
        assert "Cookie" in resp.headers["Vary"]
        # A minute later, by the signer's clock (the one the cookie's timestamp and max age use): renewed,
        # with a new expiry, once.
        real = KeptKeySigner.get_timestamp
        monkeypatch.setattr(
            KeptKeySigner, "get_timestamp", lambda self: real(self) + SESSION_RENEW_AFTER_SECONDS
        )
        resp = c.get("/admin/")
        assert resp.status_code == 200
        renewed = _session_cookie(resp)
        assert renewed and "Expires=" in renewed and "HttpOnly" in renewed
        assert _session_cookie(c.get("/admin/")) is None
        # The idle timeout still ends the session: 30 minutes after the last renewal it is refused.
        monkeypatch.setattr(
            KeptKeySigner,
            "get_timestamp",
            lambda self: real(self) + SESSION_RENEW_AFTER_SECONDS + 30 * 60 + 1,
        )
        resp = c.get("/admin/")
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def _try(app, username, password, address="203.0.113.50"):
    c = app.test_client()
    token = csrf_token_from(c.get("/login").data)
    return c.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_sign_in_is_throttled_per_account_and_address_across_workers(make_app, factory, clock):
    worker_1, worker_2 = make_app(), make_app()  # two apps on one database, like two gunicorn workers
    with worker_1.app_context():
        _user, password = factory.user("staff", username="carol")
    for i in range(5):
        app = worker_1 if i % 2 else worker_2
        with app.app_context():
            assert _try(app, "carol", "wrong-password", address="203.0.113.9").status_code == 400
    with worker_2.app_context():
        resp = _try(worker_2, "carol", password, address="203.0.113.9")
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.get_data(as_text=True)
    # Five failures from one address do not lock the account: from another address carol signs in.
    with worker_1.app_context():
        assert _try(worker_1, "carol", password, address="198.51.100.7").status_code == 303
    clock.advance(minutes=1)  # the first pause is a minute, not a quarter of an hour
    with worker_1.app_context():
        assert _try(worker_1, "carol", password, address="203.0.113.9").status_code == 303


def test_sign_in_is_throttled_per_address(app, factory):
    _user, password = factory.user("staff", username="dave")
    for i in range(20):
        assert _try(app, f"nobody-{i}", "guess", address="203.0.113.99").status_code == 400
    assert _try(app, "dave", password, address="203.0.113.99").status_code == 429
    assert _try(app, "dave", password, address="203.0.113.100").status_code == 303


def test_staff_land_on_the_workspace_after_sign_in(app, factory):
    user, password = factory.user("staff")
    resp = _try(app, user.username, password)
    assert resp.headers["Location"] == "/admin/"


@pytest.mark.parametrize("spread", ["one address", "many addresses"])
def test_simultaneous_guesses_cannot_overshoot_the_limit(app, factory, monkeypatch, spread):
    """Guesses that arrive together are counted before any password is checked (one at a time):
    from one address the per-(account, address) limit holds, from many the per-account ceiling."""
    import threading
    import time

    from consult.auth import signin
    from consult.context import RequestContext
    from consult.errors import RateLimited

    user, _password = factory.user("staff")
    real_verify = signin.verify_password

    def slow_verify(stored, given):  # a real argon2 check takes this long or longer
        time.sleep(0.2)
        return real_verify(stored, given)

    monkeypatch.setattr(signin, "verify_password", slow_verify)
    limit = signin.PAIR_FAILURES if spread == "one address" else signin.ACCOUNT_CEILING
    guesses = limit + 7
    outcomes: list[str] = []
    start = threading.Barrier(guesses)

    def guess(n: int) -> None:
        with app.app_context():
            address = "address-0" if spread == "one address" else f"address-{n}"
            ctx = RequestContext(address_hash=address, user_agent="test")
            start.wait()
            try:
                signin.authenticate(ctx, user.username, "wrong password")
            except RateLimited:
                outcomes.append("throttled")
            except signin.Unauthenticated:
                outcomes.append("checked")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("checked") == limit
    assert outcomes.count("throttled") == guesses - limit
    # Admins are told once, however many guesses found the account at its ceiling together.
    told = db.session.scalars(select(AuditLog).where(AuditLog.action == signin.UNDER_ATTACK)).all()
    assert len(told) == (1 if spread == "many addresses" else 0)


def test_a_refused_sign_in_titles_itself_as_an_error(client):
    from bs4 import BeautifulSoup

    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/login").data)
    resp = client.post("/login", data={"username": "nobody", "password": "wrong", "csrf_token": token})
    page = BeautifulSoup(resp.data, "html.parser")
    assert resp.status_code >= 400 and page.title.get_text().startswith("错误：")
