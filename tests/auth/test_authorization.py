"""Authorization in one place: every route declares who may use it, and each role gets what it should.

Walks app.url_map and asks every route, as anonymous, contact point A, contact point B, staff, admin, a
deputy and an expert. A route without a declaration fails the test. Deputies and experts may use the
public routes and their own invitations page, nothing else; what they can do as themselves (comment under
their name) is checked below the matrix.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from consult.context import CLI
from consult.extensions import limiter
from consult.invitations.operations import InvitationInput, invite

EXEMPT_ENDPOINTS = {"static"}  # Flask's own static files
ROLES = ("anonymous", "contact_point_a", "contact_point_b", "staff", "admin", "deputy", "expert")
ALLOWED = {
    "public": set(ROLES),
    "signed_in": {"contact_point_a", "contact_point_b", "staff", "admin", "deputy", "expert"},
    "intake": {"contact_point_a", "contact_point_b", "staff", "admin"},
    "staff": {"staff", "admin"},
    "admin": {"admin"},
    "commenter": {"deputy", "expert"},
}


def test_every_route_declares_who_may_use_it(app):
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT_ENDPOINTS
        and not hasattr(app.view_functions[rule.endpoint], "access_level")
    ]
    assert undeclared == []


def _sample_url(rule, ids) -> str:
    values = {}
    for arg in rule.arguments:
        is_int = isinstance(rule._converters[arg], IntegerConverter)
        values[arg] = ids.get(arg, 1) if is_int else ids.get(arg, "x")
    return rule.build(values)[1]


@pytest.fixture
def clients(make_app, factory):
    app = make_app(COMMENT_RATE_LIMIT="100000 per minute")
    with app.app_context():
        limiter.reset()
        point_a, point_b = factory.contact_point("point-a"), factory.contact_point("point-b")
        from tests.conftest import csrf_token_from

        anonymous = app.test_client()
        anonymous.csrf = csrf_token_from(anonymous.get("/").data)
        result = {"anonymous": anonymous}

        for name, role, point in [
            ("contact_point_a", "contact_point", point_a.slug),
            ("contact_point_b", "contact_point", point_b.slug),
            ("staff", "staff", None),
            ("admin", "admin", None),
            ("deputy", "deputy", None),
            ("expert", "expert", None),
        ]:
            user, password = factory.user(role, point=point)
            c = app.test_client()
            token = csrf_token_from(c.get("/login").data)
            assert (
                c.post(
                    "/login", data={"username": user.username, "password": password, "csrf_token": token}
                ).status_code
                == 303
            )
            c.csrf = csrf_token_from(c.get("/").data)
            result[name] = c
        draft = factory.draft()
        comment = factory.comment(draft)
        invited, _ = factory.user("deputy", username="invited-deputy")
        due = draft.closes_at.isoformat()
        invitation = invite(None, CLI, draft.slug, InvitationInput(invited.username, None, due))
        yield (
            app,
            result,
            {
                "slug": draft.slug,
                "comment_id": comment.id,
                "code": comment.receipt_code,
                "short_code": draft.short_code,
                "article_id": draft.current_version.texts[0].article_id,
                "invitation_id": invitation.id,
            },
        )


def test_each_role_gets_the_expected_answer_on_every_route(clients):
    app, by_role, ids = clients
    checked = 0
    # Signing out ends the session the later checks rely on: ask /logout last.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout")
    for rule in rules:
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        level = app.view_functions[rule.endpoint].access_level
        url = _sample_url(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in ROLES:
                client = by_role[role]
                headers = {"X-CSRFToken": getattr(client, "csrf", "")}
                if url.startswith("/api/"):
                    resp = client.open(url, method=method, json={}, headers=headers)
                else:
                    resp = client.open(url, method=method, data={"csrf_token": getattr(client, "csrf", "")})
                allowed = role in ALLOWED[level]
                where = f"{method} {url} as {role} ({level}) → {resp.status_code}"
                if allowed:
                    assert resp.status_code not in (401, 403), where
                    assert not (resp.status_code == 302 and "/login" in resp.headers.get("Location", "")), (
                        where
                    )
                elif role == "anonymous":
                    if url.startswith("/api/"):
                        assert resp.status_code == 401, where
                    else:
                        assert resp.status_code == 302 and "/login" in resp.headers["Location"], where
                else:
                    assert resp.status_code == 403, where
                assert resp.status_code < 500, where
                checked += 1
    assert checked > 50


def test_a_bearer_token_authenticates_without_csrf_and_a_revoked_one_does_not(make_app, factory, runner):
    app = make_app()
    with app.app_context():
        _user, _ = factory.user("staff", username="api-user")
        result = app.test_cli_runner().invoke(args=["users", "token", "api-user"])
        token = result.output.strip().splitlines()[-1]
        c = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("/api/v1/admin/comments", headers=auth).status_code == 200
        draft = factory.draft()
        comment = factory.comment(draft)
        resp = c.post(
            f"/api/v1/admin/comments/{comment.id}/moderate", json={"action": "publish"}, headers=auth
        )
        assert resp.status_code == 200 and resp.get_json()["status"] == "published"
        assert (
            c.get("/api/v1/admin/comments", headers={"Authorization": "Bearer nonsense"}).status_code == 401
        )
        from sqlalchemy import update

        from consult.clock import utcnow
        from consult.db import end_read, write_transaction
        from consult.models import ApiToken

        end_read()
        with write_transaction() as session:
            session.execute(update(ApiToken).values(revoked_at=utcnow()))
        assert c.get("/api/v1/admin/comments", headers=auth).status_code == 401


def test_a_session_write_to_the_api_needs_the_csrf_header(login_as, factory):
    staff = login_as("staff")
    draft = factory.draft()
    comment = factory.comment(draft)
    url = f"/api/v1/admin/comments/{comment.id}/moderate"
    resp = staff.post(url, json={"action": "publish"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf_failed"
    from tests.conftest import csrf_token_from

    token = csrf_token_from(staff.get("/").data)
    assert staff.post(url, json={"action": "publish"}, headers={"X-CSRFToken": token}).status_code == 200


def test_an_id_past_the_integer_columns_is_404_on_every_route(clients):
    app, by_role, ids = clients
    admin = by_role["admin"]
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS or "GET" not in rule.methods:
            continue
        int_args = [a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter)]
        if not int_args:
            continue
        values = {a: ids.get(a, "x") for a in rule.arguments if a not in int_args}
        values.update({a: 2**31 for a in int_args})
        url = "/" + "/".join(
            str(values[seg[1:-1].split(":")[-1]]) if seg.startswith("<") else seg
            for seg in rule.rule.strip("/").split("/")
        )
        assert admin.get(url).status_code == 404, url
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("role", ["deputy", "expert"])
def test_deputies_and_experts_comment_as_themselves_and_nothing_more(login_as, factory, role):
    """Signed in: the form takes no name or contact and files the comment under their channel and name;
    the JSON API with their session needs X-CSRFToken; with their token, staff and intake answer 403."""
    from sqlalchemy import select

    from consult.db import end_read
    from consult.extensions import db
    from consult.models import Comment
    from tests.conftest import csrf_token_from

    c = login_as(role)
    draft = factory.draft()
    page = c.get(f"/drafts/{draft.slug}").get_data(as_text=True)
    assert 'name="author_name"' not in page and 'name="contact"' not in page
    assert c.user.display_name in page
    token = csrf_token_from(page)
    resp = c.post(
        f"/drafts/{draft.slug}/comments", data={"csrf_token": token, "body": "以本人身份提出的意见。"}
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    refused = c.post(f"/api/v1/drafts/{draft.slug}/comments", json={"body": "没有带 CSRF 请求头。"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    ok = c.post(
        f"/api/v1/drafts/{draft.slug}/comments",
        json={"body": "带了 CSRF 请求头。"},
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 201
    end_read()
    stored = db.session.execute(select(Comment.channel, Comment.author_name, Comment.author_id)).all()
    assert stored == [(role, c.user.display_name, c.user.id)] * 2

    result = c.application.test_cli_runner().invoke(args=["users", "token", c.user.username])
    auth = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}
    assert c.get("/api/v1/admin/comments", headers=auth).status_code == 403
    assert c.post("/api/v1/intake/batches", headers=auth).status_code == 403
    assert c.get(f"/api/v1/admin/drafts/{draft.slug}/invitations", headers=auth).status_code == 403
    assert c.get("/admin/").status_code == 403 and c.get("/intake/").status_code == 403
