"""The admin pages for users, API tokens and contact points, as parsed HTML, for each role."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.auth.operations import create_token, set_user_active
from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.models import AuditLog, User
from tests.conftest import csrf_token_from


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def text_of(el) -> str:
    return " ".join(el.get_text(" ", strip=True).split())


def post(client, url: str, page: str | None = None, **data):
    """POST a form the way a browser does: with the CSRF token of the page the form is on."""
    token = csrf_token_from(client.get(page or url).data)
    return client.post(url, data={"csrf_token": token, **data})


def flashes(page: BeautifulSoup) -> list[str]:
    return [text_of(el) for el in page.select(".flash")]


def user_row(username: str) -> User:
    end_read()
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == username))
    db.session.expunge(user)
    end_read()
    return user


def sign_in(app, username: str, password: str):
    c = app.test_client()
    token = csrf_token_from(c.get("/login").data)
    resp = c.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return c, resp


def signed_in(client) -> bool:
    resp = client.get("/admin/")
    return resp.status_code == 200


@pytest.fixture
def admin(login_as):
    return login_as("admin", username="root-admin")


# --- the users list -------------------------------------------------------------------------------


def test_the_users_page_lists_role_point_state_last_sign_in_and_active_tokens(app, admin, factory):
    point = factory.contact_point("east-gate", "东门街道基层立法联系点")
    op, _ = factory.user("contact_point", username="op-east", point=point.slug)
    staff, _ = factory.user("staff", username="clerk")
    end_read()
    op_id, staff_id = op.id, staff.id
    end_read()
    create_token(None, CLI, op_id, "a")
    revoked, _token = create_token(None, CLI, op_id, "b")
    create_token(None, CLI, op_id, "c")
    from consult.auth.operations import revoke_token

    end_read()
    revoke_token(None, CLI, revoked.id)
    set_user_active(None, CLI, staff_id, False)

    page = soup(admin.get("/admin/users"))
    rows = {text_of(tr.th): tr for tr in page.select("table.accounts tbody tr")}
    assert set(rows) == {"root-admin", "op-east", "clerk"}
    cells = [text_of(td) for td in rows["op-east"].select("td")]
    assert cells == ["op-east", "联系点操作员", "东门街道基层立法联系点", "启用", "从未登录", "2"]
    assert rows["op-east"].th.a["href"] == f"/admin/users/{op_id}"
    assert "已停用" in text_of(rows["clerk"]) and "inactive" in rows["clerk"]["class"]
    admin_cells = [text_of(td) for td in rows["root-admin"].select("td")]
    assert admin_cells[1] == "管理员" and admin_cells[4] == "2026年11月27日 10:00"  # signed in by login_as
    assert list(rows)[-1] == "clerk"  # deactivated accounts last
    assert page.select_one("a.button.primary")["href"] == "/admin/users/new"


def test_the_users_page_filters_by_role_state_and_contact_point(app, admin, factory):
    factory.user("contact_point", username="op-a", point=factory.contact_point("point-a").slug)
    factory.user("contact_point", username="op-b", point=factory.contact_point("point-b").slug)
    factory.user("staff", username="clerk")
    set_user_active(None, CLI, user_row("clerk").id, False)

    def names(query: str) -> list[str]:
        return [
            text_of(tr.th) for tr in soup(admin.get("/admin/users" + query)).select("table.accounts tbody tr")
        ]

    assert names("?role=contact_point") == ["op-a", "op-b"]
    assert names("?state=inactive") == ["clerk"]
    assert "clerk" not in names("?state=active")
    assert names("?contact_point=point-b") == ["op-b"]
    page = soup(admin.get("/admin/users?role=staff&state=active"))
    assert page.select_one(".empty") is not None
    assert page.select_one("select[name=role] option[selected]")["value"] == "staff"


# --- creating a user ------------------------------------------------------------------------------


def test_creating_a_user_with_a_password_entered_twice(app, admin):
    resp = post(
        admin,
        "/admin/users/new",
        username="li-ming",
        display_name="李明",
        role="staff",
        contact_point="",
        password_mode="enter",
        password="first-password",
        password_repeat="first-password",
    )
    assert resp.status_code == 303
    user = user_row("li-ming")
    assert resp.headers["Location"] == f"/admin/users/{user.id}"
    page = soup(admin.get(resp.headers["Location"]))
    assert "已创建账号 li-ming。" in flashes(page)
    assert text_of(page.h1).startswith("李明")
    _c, login = sign_in(app, "li-ming", "first-password")
    assert login.status_code == 303
    end_read()
    row = db.session.scalar(
        select(AuditLog).where(AuditLog.action == "user.create").order_by(AuditLog.id.desc())
    )
    assert row.actor_name == "root-admin" and row.address_hash


def test_a_generated_password_is_shown_once_and_never_cached(app, admin):
    resp = post(admin, "/admin/users/new", username="wang-fang", role="staff", password_mode="generate")
    assert resp.status_code == 200
    assert "no-store" in resp.headers["Cache-Control"]
    page = soup(resp)
    password = text_of(page.select_one("code.secret"))
    assert len(password) == 19
    assert "只显示这一次" in text_of(page.select_one(".secret-box .notice"))
    user = user_row("wang-fang")
    assert page.select_one("a.button.primary")["href"] == f"/admin/users/{user.id}"
    assert password not in admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert sign_in(app, "wang-fang", password)[1].status_code == 303


def test_an_operator_needs_a_contact_point_and_the_form_keeps_what_was_typed(app, admin, factory):
    factory.contact_point("east-gate", "东门联系点")
    resp = post(
        admin,
        "/admin/users/new",
        username="op-1",
        display_name="东门操作员",
        role="contact_point",
        contact_point="",
        password_mode="enter",
        password="some-password",
        password_repeat="other-password",
    )
    assert resp.status_code == 400
    page = soup(resp)
    assert page.select_one(".form-error") is not None
    assert text_of(page.select_one("#e-contact_point")) == "联系点操作员账号必须指定所属联系点"
    assert text_of(page.select_one("#e-password_repeat")) == "两次输入的密码不一致"
    assert page.select_one("#f-password_repeat")["aria-invalid"] == "true"
    assert page.select_one("#f-username")["value"] == "op-1"
    assert page.select_one("#f-display_name")["value"] == "东门操作员"
    assert page.select_one("#f-role option[selected]")["value"] == "contact_point"
    assert not page.select_one("#f-password").has_attr("value")  # a password is never echoed back
    assert "some-password" not in resp.get_data(as_text=True)
    end_read()
    assert db.session.scalar(select(User).where(User.username == "op-1")) is None


def test_a_short_password_and_a_taken_username_are_refused(app, admin):
    resp = post(
        admin, "/admin/users/new", username="x-1", role="staff", password="short", password_repeat="short"
    )
    assert resp.status_code == 400
    assert text_of(soup(resp).select_one("#e-password")) == "密码至少需要10个字符"
    resp = post(
        admin,
        "/admin/users/new",
        username="root-admin",
        role="staff",
        password="long-enough-pw",
        password_repeat="long-enough-pw",
    )
    assert resp.status_code == 409
    assert text_of(soup(resp).select_one("#e-username")) == "该用户名已被使用"


def test_the_new_user_form_can_be_prefilled_for_a_contact_point(app, admin, factory):
    factory.contact_point("east-gate", "东门联系点")
    page = soup(admin.get("/admin/users/new?role=contact_point&contact_point=east-gate"))
    assert page.select_one("#f-role option[selected]")["value"] == "contact_point"
    assert page.select_one("#f-contact_point option[selected]")["value"] == "east-gate"
    assert page.select_one("form input[name=csrf_token]") is not None
    assert [i["value"] for i in page.select("input[name=password_mode]")] == ["enter", "generate"]


# --- editing a user -------------------------------------------------------------------------------


def test_editing_name_role_and_contact_point(app, admin, factory):
    factory.contact_point("east-gate", "东门联系点")
    factory.user("staff", username="clerk")
    uid = user_row("clerk").id
    url = f"/admin/users/{uid}"
    resp = post(admin, url, display_name="张三", role="contact_point", contact_point="east-gate")
    assert resp.status_code == 303 and resp.headers["Location"] == url
    page = soup(admin.get(url))
    assert "已保存账号信息。" in flashes(page)
    facts = text_of(page.select_one("dl.account-facts"))
    assert "联系点操作员" in facts and "东门联系点" in facts
    assert page.select_one("#f-display_name")["value"] == "张三"
    resp = post(admin, url, display_name="张三", role="contact_point", contact_point="")
    assert resp.status_code == 400
    page = soup(resp)
    assert text_of(page.select_one("#e-contact_point")) == "联系点操作员账号必须指定所属联系点"
    assert page.select_one("#f-role option[selected]")["value"] == "contact_point"


def test_an_admin_cannot_demote_or_deactivate_themselves(app, admin):
    me = user_row("root-admin")
    url = f"/admin/users/{me.id}"
    page = soup(admin.get(url))
    assert page.select_one("#f-role").has_attr("disabled")
    assert page.select_one("input[type=hidden][name=role]")["value"] == "admin"
    assert page.select_one(f"a[href='/admin/users/{me.id}/deactivate']") is None
    assert "不能停用自己的账号" in text_of(page.select_one("#security-heading").parent)
    # Even a hand-made request is refused, with a clear message.
    resp = post(admin, url, display_name="", role="staff")
    assert resp.status_code == 403
    assert "不能更改自己账号的角色" in text_of(soup(resp).select_one(".form-error"))
    resp = post(admin, f"{url}/deactivate", page=url, confirm="1")
    assert resp.status_code == 303
    assert "不能停用自己的账号，请由另一位管理员操作。" in flashes(soup(admin.get(url)))
    me = user_row("root-admin")
    assert me.role == "admin" and me.active
    assert signed_in(admin)


def test_deactivating_asks_first_and_ends_the_users_session_at_once(app, admin, login_as):
    staff = login_as("staff", username="clerk")
    assert signed_in(staff)
    uid = user_row("clerk").id
    url = f"/admin/users/{uid}/deactivate"
    page = soup(admin.get(url))
    form = page.select_one("main form")
    assert form["method"] == "post" and form.select_one("input[name=confirm]")["value"] == "1"
    assert page.select_one("main a.button")["href"] == f"/admin/users/{uid}"
    # A POST without the confirmation only asks again.
    resp = post(admin, url)
    assert resp.status_code == 200 and soup(resp).select_one("input[name=confirm]") is not None
    assert user_row("clerk").active
    resp = post(admin, url, confirm="1")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/admin/users/{uid}"
    assert not user_row("clerk").active
    resp = staff.get("/admin/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert sign_in(app, "clerk", "correct-horse-battery")[1].status_code == 400
    page = soup(admin.get(f"/admin/users/{uid}"))
    assert "已停用账号 clerk。" in flashes(page)
    assert page.select_one(f"a[href='/admin/users/{uid}/reactivate']") is not None
    assert page.select_one("form.token-form") is None  # no new tokens for a deactivated account
    # Reactivating (after confirmation) lets the user sign in again.
    resp = post(admin, f"/admin/users/{uid}/reactivate", confirm="1")
    assert resp.status_code == 303 and user_row("clerk").active
    assert sign_in(app, "clerk", "correct-horse-battery")[1].status_code == 303
    resp = post(admin, f"/admin/users/{uid}/reactivate", confirm="1")
    assert "该账号已是启用状态。" in flashes(soup(admin.get(resp.headers["Location"])))


@pytest.mark.parametrize(
    ("action", "title", "button"),
    [
        ("deactivate", "停用账号 clerk", "确认停用"),
        ("reactivate", "重新启用账号 clerk", "确认启用"),
        ("sign-out", "让 clerk 退出所有登录", "确认退出所有登录"),
    ],
)
def test_each_account_action_asks_first_naming_the_account(admin, login_as, action, title, button):
    """The three confirmations share one definition: each still names the account and its own button."""
    login_as("staff", username="clerk")
    uid = user_row("clerk").id
    page = soup(admin.get(f"/admin/users/{uid}/{action}"))
    assert text_of(page.h1) == title
    assert button in text_of(page.select_one("main form"))
    assert "%(" not in page.get_text()


def test_signing_a_user_out_everywhere(app, admin, login_as):
    staff = login_as("staff", username="clerk")
    uid = user_row("clerk").id
    url = f"/admin/users/{uid}/sign-out"
    assert "退出所有登录" in text_of(soup(admin.get(url)).h1)
    assert signed_in(staff)
    resp = post(admin, url, confirm="1")
    assert resp.status_code == 303
    assert not signed_in(staff)
    assert sign_in(app, "clerk", "correct-horse-battery")[1].status_code == 303  # the password still works
    assert "账号 clerk 已在所有设备上退出登录。" in flashes(soup(admin.get(resp.headers["Location"])))


def test_resetting_a_password_entered_twice_ends_the_users_sessions(app, admin, login_as):
    staff = login_as("staff", username="clerk")
    uid = user_row("clerk").id
    url = f"/admin/users/{uid}/password"
    page = soup(admin.get(url))
    assert "重置 clerk 的密码" in text_of(page.h1) and "立即失效" in text_of(page.select_one(".notice"))
    resp = post(
        admin, url, password_mode="enter", password="new-password-1", password_repeat="new-password-2"
    )
    assert resp.status_code == 400
    assert text_of(soup(resp).select_one("#e-password_repeat")) == "两次输入的密码不一致"
    assert signed_in(staff)
    resp = post(
        admin, url, password_mode="enter", password="new-password-1", password_repeat="new-password-1"
    )
    assert resp.status_code == 303 and resp.headers["Location"] == f"/admin/users/{uid}"
    assert not signed_in(staff)
    assert sign_in(app, "clerk", "correct-horse-battery")[1].status_code == 400
    assert sign_in(app, "clerk", "new-password-1")[1].status_code == 303


def test_a_generated_password_reset_is_shown_once(app, admin, factory):
    factory.user("staff", username="clerk")
    uid = user_row("clerk").id
    resp = post(admin, f"/admin/users/{uid}/password", password_mode="generate")
    assert resp.status_code == 200 and "no-store" in resp.headers["Cache-Control"]
    password = text_of(soup(resp).select_one("code.secret"))
    assert sign_in(app, "clerk", password)[1].status_code == 303


def test_an_admin_who_resets_their_own_password_stays_signed_in_here(app, admin):
    me = user_row("root-admin")
    url = f"/admin/users/{me.id}/password"
    resp = post(
        admin, url, password_mode="enter", password="my-new-password", password_repeat="my-new-password"
    )
    assert resp.status_code == 303
    assert signed_in(admin)


def test_unknown_users_and_tokens_are_404(app, admin):
    for url in ("/admin/users/999999", "/admin/users/999999/deactivate", "/admin/tokens/999999/revoke"):
        assert admin.get(url).status_code == 404, url
    assert post(admin, "/admin/users/999999", page="/admin/users", role="staff").status_code == 404
    assert post(admin, "/admin/users/999999/tokens", page="/admin/users", name="x").status_code == 404


# --- tokens ---------------------------------------------------------------------------------------


def test_a_token_is_shown_once_works_as_bearer_and_stops_at_once_when_revoked(app, admin, factory):
    factory.user("staff", username="script-owner")
    uid = user_row("script-owner").id
    user_url = f"/admin/users/{uid}"
    resp = post(admin, f"{user_url}/tokens", page=user_url, name="导入脚本")
    assert resp.status_code == 200 and "no-store" in resp.headers["Cache-Control"]
    page = soup(resp)
    token = text_of(page.select_one("code.secret"))
    assert token.startswith("cst_")
    assert "只显示这一次" in text_of(page.select_one(".notice"))
    assert token not in admin.get(user_url).get_data(as_text=True)

    bearer = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    assert api.get("/api/v1/admin/comments", headers=bearer).status_code == 200

    page = soup(admin.get(user_url))
    rows = page.select("#tokens table.tokens tbody tr")
    assert len(rows) == 1
    cells = [text_of(td) for td in rows[0].select("td")]
    assert text_of(rows[0].th) == "导入脚本"
    assert cells[0] == "2026年11月27日 10:00" and cells[1] == "2026年11月27日 10:00" and cells[2] == "有效"
    revoke_url = rows[0].select_one("a")["href"]
    confirm = soup(admin.get(revoke_url))
    assert "撤销令牌“导入脚本”" in text_of(confirm.h1)
    assert post(admin, revoke_url).status_code == 200  # not confirmed: asks again
    assert api.get("/api/v1/admin/comments", headers=bearer).status_code == 200
    resp = post(admin, revoke_url, confirm="1")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{user_url}#tokens"

    answer = api.get("/api/v1/admin/comments", headers=bearer)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "unauthorized"
    page = soup(admin.get(user_url))
    assert "已撤销令牌“导入脚本”。" in flashes(page)
    row = page.select_one("#tokens table.tokens tbody tr")
    assert "撤销" in text_of(row.select("td")[2]) and row.select_one("a") is None
    resp = post(admin, revoke_url, page=user_url, confirm="1")
    assert "该令牌已被撤销。" in flashes(soup(admin.get(resp.headers["Location"])))


def test_a_token_needs_a_name_and_the_users_list_counts_active_tokens(app, admin, factory):
    factory.user("staff", username="script-owner")
    uid = user_row("script-owner").id
    user_url = f"/admin/users/{uid}"
    resp = post(admin, f"{user_url}/tokens", page=user_url, name="  ")
    assert resp.status_code == 400
    page = soup(resp)
    assert text_of(page.select_one("form.token-form .form-error")).startswith("请填写令牌名称")
    assert page.select_one("#e-name") is not None
    assert page.select_one("#f-display_name")["value"] == "script-owner"  # the edit form is untouched
    post(admin, f"{user_url}/tokens", page=user_url, name="甲")
    rows = {text_of(tr.th): tr for tr in soup(admin.get("/admin/users")).select("table.accounts tbody tr")}
    assert text_of(rows["script-owner"].select("td")[-1]) == "1"


def test_a_deactivated_users_token_stops_working(app, admin, factory):
    factory.user("staff", username="script-owner")
    uid = user_row("script-owner").id
    token = text_of(
        soup(post(admin, f"/admin/users/{uid}/tokens", page=f"/admin/users/{uid}", name="t")).select_one(
            "code.secret"
        )
    )
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/admin/comments", headers=bearer).status_code == 200
    post(admin, f"/admin/users/{uid}/deactivate", confirm="1")
    assert api.get("/api/v1/admin/comments", headers=bearer).status_code == 401


# --- contact points -------------------------------------------------------------------------------


def test_the_contact_points_page_lists_operators_and_comments(app, admin, factory):
    east = factory.contact_point("east-gate", "东门街道基层立法联系点")
    factory.contact_point("west-gate", "西门街道基层立法联系点")
    end_read()
    east_id = east.id
    end_read()
    factory.user("contact_point", username="op-1", point="east-gate")
    factory.user("contact_point", username="op-2", point="east-gate")
    set_user_active(None, CLI, user_row("op-2").id, False)
    draft = factory.draft()
    for _i in range(3):
        factory.comment(draft, channel="contact_point", contact_point_id=east_id)
    factory.comment(draft)
    page = soup(admin.get("/admin/contact-points"))
    rows = {
        text_of(tr.th): [text_of(td) for td in tr.select("td")] for tr in page.select("table.points tbody tr")
    }
    assert rows == {
        "东门街道基层立法联系点": ["east-gate", "", "基层立法联系点", "1", "3"],
        "西门街道基层立法联系点": ["west-gate", "", "基层立法联系点", "0", "0"],
    }
    link = page.select_one("table.points tbody tr th a")["href"]
    assert link == f"/admin/contact-points/{east_id}"
    assert page.select_one("table.points tbody tr td.num a")["href"] == "/admin/users?contact_point=east-gate"
    assert page.select_one("nav.subnav a[aria-current=page]").get_text(strip=True) == "基层立法联系点"


def test_registering_a_contact_point_and_its_errors(app, admin):
    url = "/admin/contact-points"
    resp = post(admin, url, slug="Bad Slug", name="", district="东城区")
    assert resp.status_code == 400
    page = soup(resp)
    assert page.select_one("#e-slug") is not None and page.select_one("#e-name") is not None
    assert (
        page.select_one("#f-slug")["value"] == "Bad Slug"
        and page.select_one("#f-district")["value"] == "东城区"
    )
    resp = post(admin, url, slug="north-gate", name="北门街道基层立法联系点", district="东城区")
    assert resp.status_code == 303 and resp.headers["Location"] == url
    page = soup(admin.get(url))
    assert "已登记联系点“北门街道基层立法联系点”。" in flashes(page)
    assert [text_of(td) for td in page.select("table.points tbody tr td")][:2] == ["north-gate", "东城区"]
    resp = post(admin, url, slug="north-gate", name="重复", district="")
    assert resp.status_code == 409 and text_of(soup(resp).select_one("#e-slug")) == "该标识已被使用"


def test_editing_a_contact_point(app, admin, factory):
    point = factory.contact_point("east-gate", "东门联系点")
    end_read()
    url = f"/admin/contact-points/{point.id}"
    end_read()
    factory.user("contact_point", username="op-1", point="east-gate")
    page = soup(admin.get(url))
    assert text_of(page.h1) == "东门联系点"
    assert [a.get_text(strip=True) for a in page.select("ul.operators a")] == ["op-1"]
    new_op = page.select_one("a[href*='/admin/users/new']")["href"]
    assert "role=contact_point" in new_op and "contact_point=east-gate" in new_op
    resp = post(admin, url, name="", district="东城区")
    assert resp.status_code == 400
    page = soup(resp)
    assert page.select_one("#e-name") is not None and page.select_one("#f-district")["value"] == "东城区"
    resp = post(admin, url, name="东门街道联系点", district="东城区")
    assert resp.status_code == 303 and resp.headers["Location"] == url
    page = soup(admin.get(url))
    assert text_of(page.h1) == "东门街道联系点" and "已保存联系点信息。" in flashes(page)
    assert "east-gate" in text_of(page.select_one("dl.facts"))
    assert admin.get("/admin/contact-points/999999").status_code == 404
    assert post(admin, "/admin/contact-points/999999", page=url, name="x").status_code == 404


# --- who may use these pages ----------------------------------------------------------------------

PAGES = [
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{uid}"),
    ("POST", "/admin/users/{uid}"),
    ("GET", "/admin/users/{uid}/deactivate"),
    ("POST", "/admin/users/{uid}/deactivate"),
    ("POST", "/admin/users/{uid}/reactivate"),
    ("POST", "/admin/users/{uid}/sign-out"),
    ("GET", "/admin/users/{uid}/password"),
    ("POST", "/admin/users/{uid}/password"),
    ("POST", "/admin/users/{uid}/tokens"),
    ("POST", "/admin/tokens/{tid}/revoke"),
    ("GET", "/admin/contact-points"),
    ("POST", "/admin/contact-points"),
    ("GET", "/admin/contact-points/{pid}"),
    ("POST", "/admin/contact-points/{pid}"),
]


@pytest.fixture
def target(factory):
    """A victim account with a token, and a contact point: what a refused request must not touch."""
    point = factory.contact_point("victim-point", "受害联系点")
    factory.user("staff", username="victim")
    end_read()
    uid, pid = user_row("victim").id, point.id
    end_read()
    record, _token = create_token(None, CLI, uid, "t")
    end_read()
    return {"uid": uid, "pid": pid, "tid": record.id}


@pytest.mark.parametrize("role", ["staff", "contact_point"])
def test_staff_and_contact_points_get_403_on_every_account_page(app, login_as, target, role):
    client = login_as(role)
    token = csrf_token_from(client.get("/").data)
    for method, pattern in PAGES:
        url = pattern.format(**target)
        data = {
            "csrf_token": token,
            "confirm": "1",
            "role": "staff",
            "name": "x",
            "slug": "new-point",
            "username": "intruder",
            "password_mode": "generate",
        }
        resp = client.open(url, method=method, data=data if method == "POST" else None)
        assert resp.status_code == 403, f"{method} {url} as {role}: {resp.status_code}"
    victim = user_row("victim")
    assert victim.active and victim.display_name == "victim"
    end_read()
    assert db.session.scalar(select(User).where(User.username == "intruder")) is None


def test_anonymous_visitors_are_sent_to_login(app, target):
    client = app.test_client()
    token = csrf_token_from(client.get("/").data)
    for method, pattern in PAGES:
        url = pattern.format(**target)
        data = {"csrf_token": token, "confirm": "1", "name": "x"} if method == "POST" else None
        resp = client.open(url, method=method, data=data)
        assert resp.status_code == 302, f"{method} {url}: {resp.status_code}"
        assert resp.headers["Location"].startswith("/login?next="), url
    assert user_row("victim").active


def test_the_staff_section_nav_offers_accounts_to_admins(app, admin):
    page = soup(admin.get("/admin/users"))
    assert "/admin/users" in [a["href"] for a in page.select(".site-nav a")]
    assert page.select_one("nav.subnav a[aria-current=page]").get_text(strip=True) == "账号"
