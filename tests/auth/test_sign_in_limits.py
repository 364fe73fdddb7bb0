"""Sign-in limits that strangers cannot turn against the owner (issue 14, point 3).

Per (account, address): five failures, then pauses that double. Per address: 20 failures across
accounts. Per account: a ceiling from all addresses together that the owner passes from an address or a
browser that signed in before. Admins are told, once per window, when an account reaches its ceiling.
Every step moves the injected clock; nothing sleeps.
"""

from __future__ import annotations

from sqlalchemy import select

from consult.auth import known_browsers
from consult.auth.signin import (
    ACCOUNT_CEILING,
    ACCOUNT_WINDOW,
    ADDRESS_FAILURES,
    PAIR_FAILURES,
    PAIR_PAUSE_FIRST,
    PAIR_PAUSE_MAX,
    UNDER_ATTACK,
)
from consult.extensions import db
from consult.models import AuditLog
from tests.conftest import csrf_token_from

HOME = "198.51.100.10"  # where the owner signed in before
NEW_PLACE = "198.51.100.20"  # where the owner never signed in
PAUSED = "登录失败次数过多"
OWNER_HINT = "如您是账号本人，可在以前登录过的浏览器或网络上登录。"


def _try(app, username, password, address, client=None):
    c = client or app.test_client()
    token = csrf_token_from(c.get("/login").data)
    return c.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def _attack(app, username, attempts, first=1):
    """Wrong passwords, each from its own address (none reaches a per-address limit): the failures that
    were let through to the password check, then refused (429) once the account is at its ceiling."""
    codes = [
        _try(app, username, "wrong-guess", f"203.0.{i // 250}.{i % 250 + 1}").status_code
        for i in range(first, first + attempts)
    ]
    checked = min(attempts, ACCOUNT_CEILING)
    assert codes == [400] * checked + [429] * (attempts - checked), codes


def _actions(action):
    db.session.remove()
    return db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def test_failures_from_other_addresses_do_not_lock_the_owner_out(app, factory):
    _user, password = factory.user("staff", username="erin")
    _attack(app, "erin", PAIR_FAILURES)  # what used to lock the account for 15 minutes
    # The owner, from a place she never used and without a known browser, signs in.
    assert _try(app, "erin", password, NEW_PLACE).status_code == 303


def test_the_owner_signs_in_from_a_known_address_while_the_account_is_at_its_ceiling(app, factory):
    _user, password = factory.user("staff", username="fay")
    assert _try(app, "fay", password, HOME).status_code == 303
    _attack(app, "fay", ACCOUNT_CEILING + 30)  # 50 failures from 50 other addresses
    # A place the account never signed in from is held back by the ceiling, right password or not…
    refused = _try(app, "fay", password, NEW_PLACE)
    assert refused.status_code == 429
    assert PAUSED in refused.get_data(as_text=True) and OWNER_HINT in refused.get_data(as_text=True)
    # …the owner's usual address is not (a fresh client: no known-browser cookie helps here).
    assert _try(app, "fay", password, HOME).status_code == 303


def test_stopped_attackers_are_refused_before_the_ceiling_lets_go(app, factory):
    _user, password = factory.user("staff", username="gil")
    _attack(app, "gil", ACCOUNT_CEILING)
    assert _try(app, "gil", "another-guess", "192.0.2.200").status_code == 429
    resp = _try(app, "gil", password, NEW_PLACE)
    assert resp.status_code == 429
    assert 0 < int(resp.headers["Retry-After"]) <= ACCOUNT_WINDOW.total_seconds()


def test_the_owner_signs_in_from_a_known_browser_while_the_account_is_at_its_ceiling(app, factory, clock):
    _owner, password = factory.user("staff", username="hana")
    _other, other_password = factory.user("staff", username="ivan")
    browser = app.test_client()
    assert _try(app, "hana", password, HOME, client=browser).status_code == 303
    cookie = browser.get_cookie(known_browsers.COOKIE_NAME, path=known_browsers.COOKIE_PATH)
    assert cookie is not None and cookie.http_only
    _attack(app, "hana", ACCOUNT_CEILING + 30)
    # From a place she never used (say, travelling), with the browser she signed in with before: in.
    assert _try(app, "hana", password, NEW_PLACE, client=browser).status_code == 303
    # Another new place without that browser: held back (NEW_PLACE is known now, it just signed in).
    elsewhere = "198.51.100.30"
    assert _try(app, "hana", password, elsewhere).status_code == 429
    # A browser known for another account vouches only for that one.
    ivans = app.test_client()
    assert _try(app, "ivan", other_password, "192.0.2.77", client=ivans).status_code == 303
    assert _try(app, "hana", password, elsewhere, client=ivans).status_code == 429
    # A forged cookie is ignored.
    forged = app.test_client()
    forged.set_cookie(known_browsers.COOKIE_NAME, cookie.value[:-2] + "xx", path=known_browsers.COOKIE_PATH)
    assert _try(app, "hana", password, elsewhere, client=forged).status_code == 429
    # The genuine cookie works there too…
    assert _try(app, "hana", password, elsewhere, client=browser).status_code == 303
    # …but lifts only the ceiling: the owner's own limit per address still holds.
    clock.advance(seconds=1)  # failures after the success (at the same instant they would not count)
    for _ in range(PAIR_FAILURES):
        assert _try(app, "hana", "typo", elsewhere, client=browser).status_code == 400
    assert _try(app, "hana", password, elsewhere, client=browser).status_code == 429


def test_the_known_browser_cookie_is_httponly_scoped_to_login_and_expires(make_app, factory, clock):
    app = make_app()
    app.config["SESSION_COOKIE_SECURE"] = True  # as in production
    with app.app_context():
        user, password = factory.user("staff", username="kim")
        resp = _try(app, "kim", password, HOME)
        header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("known_browser="))
        assert "HttpOnly" in header and "Secure" in header and "SameSite=Lax" in header
        assert "Path=/login" in header
        value = header.split(";")[0].split("=", 1)[1]
        assert known_browsers.recognised(value) == [user.id]
        clock.advance(days=known_browsers.KNOWN_FOR.days - 1)
        assert known_browsers.recognised(value) == [user.id]
        clock.advance(days=2)
        assert known_browsers.recognised(value) == []


def test_the_sixth_attempt_from_one_address_at_one_account_is_refused(app, factory):
    _user, password = factory.user("staff", username="lee")
    for _ in range(PAIR_FAILURES):
        assert _try(app, "lee", "wrong", NEW_PLACE).status_code == 400
    resp = _try(app, "lee", password, NEW_PLACE)
    assert resp.status_code == 429
    assert "请1分钟后再试" in resp.get_data(as_text=True)  # not a flat quarter of an hour
    assert resp.headers["Retry-After"] == str(int(PAIR_PAUSE_FIRST.total_seconds()))
    # Another account from the same address, and this account from another address, are not held back.
    factory.user("staff", username="max")
    assert _try(app, "max", "correct-horse-battery", NEW_PLACE).status_code == 303
    assert _try(app, "lee", password, HOME).status_code == 303


def test_the_pauses_double_up_to_the_cap(app, factory, clock):
    _user, password = factory.user("staff", username="ned")
    for _ in range(PAIR_FAILURES):
        assert _try(app, "ned", "wrong", NEW_PLACE).status_code == 400
    pauses = []
    for _ in range(7):
        refused = _try(app, "ned", "wrong", NEW_PLACE)
        assert refused.status_code == 429
        pause = int(refused.headers["Retry-After"])
        pauses.append(pause)
        clock.advance(seconds=pause - 1)
        assert _try(app, "ned", "wrong", NEW_PLACE).status_code == 429  # not a second early
        clock.advance(seconds=1)
        assert _try(app, "ned", "wrong", NEW_PLACE).status_code == 400  # one more guess, then a longer pause
    assert pauses == [60, 120, 240, 480, 900, 900, 900]
    assert PAIR_PAUSE_MAX.total_seconds() == 900
    clock.advance(minutes=15)
    assert _try(app, "ned", password, NEW_PLACE).status_code == 303
    # A success from that address starts its count again.
    clock.advance(seconds=1)
    for _ in range(PAIR_FAILURES):
        assert _try(app, "ned", "wrong", NEW_PLACE).status_code == 400
    assert _try(app, "ned", password, NEW_PLACE).status_code == 429


def test_the_21st_attempt_from_one_address_is_refused_whatever_the_account(app, factory, clock):
    _user, password = factory.user("staff", username="oda")
    for i in range(ADDRESS_FAILURES):
        assert _try(app, f"nobody-{i}", "guess", NEW_PLACE).status_code == 400
        clock.advance(seconds=10)
    resp = _try(app, "oda", password, NEW_PLACE)
    assert resp.status_code == 429
    # Free again when the oldest of the twenty is a quarter of an hour old (it was 200 seconds ago).
    assert int(resp.headers["Retry-After"]) == 15 * 60 - ADDRESS_FAILURES * 10
    assert _try(app, "oda", password, HOME).status_code == 303
    clock.advance(seconds=int(resp.headers["Retry-After"]))
    assert _try(app, "oda", password, NEW_PLACE).status_code == 303


def test_the_attack_is_recorded_once_per_window_and_shown_to_admins(app, factory, login_as, clock):
    victim, password = factory.user("staff", username="pat")
    admin = login_as("admin")
    assert "猜测密码" not in admin.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    _attack(app, "pat", ACCOUNT_CEILING - 1)
    assert _actions(UNDER_ATTACK) == []  # not yet at the ceiling
    _attack(app, "pat", 1, first=ACCOUNT_CEILING)  # the failure that reaches it
    _attack(app, "nobody-here", ACCOUNT_CEILING)  # no such account: nothing to tell admins about
    for i in range(10):  # the attack goes on: refused, and not recorded again
        assert _try(app, "pat", "wrong", f"192.0.2.{i + 1}").status_code == 429
    rows = _actions(UNDER_ATTACK)
    assert len(rows) == 1
    assert (rows[0].target_type, rows[0].target_id) == ("user", str(victim.id))
    assert rows[0].details == {"failures": ACCOUNT_CEILING, "addresses": ACCOUNT_CEILING}

    page = admin.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    assert "该账号正被多处猜测密码" in page
    assert "账号正被多处猜测密码" in page  # the audit label in the account's history
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "以下账号正被多处猜测密码" in listing and "正被猜测密码" in listing
    other = admin.get("/admin/users?role=contact_point").get_data(as_text=True)
    assert "不在当前筛选结果中" in other

    # A new window of the same attack: one more row.
    clock.advance(seconds=ACCOUNT_WINDOW.total_seconds() + 1)
    _attack(app, "pat", ACCOUNT_CEILING, first=100)
    assert len(_actions(UNDER_ATTACK)) == 2
    # A day after the last one, the warning is gone.
    clock.advance(hours=25)
    assert "该账号正被多处猜测密码" not in admin.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    assert _try(app, "pat", password, NEW_PLACE).status_code == 303
