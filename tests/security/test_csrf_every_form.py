"""CSRF on every form (issue 14): a signed-in POST without the token is refused with 400 and changes nothing.

The routes come from the URL map, so a new POST route that forgets the check fails here. The JSON API
(/api/v1) takes bearer tokens, or a session cookie with the X-CSRFToken header: every one of its writes
sent with the session cookie alone is refused too.
"""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import inspect, select

from consult.db import end_read
from consult.extensions import db, limiter
from tests.conftest import csrf_token_from
from tests.security.crawl import SKIP_ENDPOINTS
from tests.web.test_intake_pages import GOOD, MEETING, token_of, xlsx

# Everything any of the forms asks for, filled in as a person would: a missing token must be the only
# thing wrong with the request, so the refusal is the token check's and no other.
FORM = {
    "action": "publish",
    "ids": "1",
    "comment_ids": "1",
    "reason": "理由",
    "body": "这是一条足够长的测试意见。",
    "channel": "letter",
    "outcome": "adopted",
    "assignee": "1",
    "username": "csrf-newcomer",
    "password": "correct-horse-battery-2",
    "password_repeat": "correct-horse-battery-2",
    "display_name": "新名字",
    "role": "staff",
    "name": "新名称",
    "slug": "csrf-new-slug",
    "title": "新条例（草案）",
    "summary": "说明",
    "text": "新条例（草案）\n\n第一条　为了测试，制定本条例。\n",
    "publish": "1",
    "revision_note": "修订说明",
    "score": "5",
    "comment": "满意",
    "receipt_code": "",
    **MEETING,
}
WHO = {"public": ("anonymous", "admin"), "signed_in": ("admin",), "intake": ("contact_point",)}
WHO |= {"staff": ("staff",), "admin": ("admin",)}


def snapshot() -> dict[str, list]:
    """Every row of every table (what a refused request must leave as it was)."""
    end_read()
    present = set(inspect(db.engine).get_table_names())  # the migrated tables, whatever the models say
    rows = {
        table.name: sorted(map(repr, db.session.execute(select(table)).all()))
        for table in db.metadata.sorted_tables
        if table.name in present
    }
    end_read()
    return rows


@pytest.fixture
def app(make_app):
    """The app the factory and login_as use too (it replaces conftest's)."""
    app = make_app(COMMENT_RATE_LIMIT="100000 per minute", COMMENT_REFUSAL_LIMIT="100000 per minute")
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()


@pytest.fixture
def site(app, factory, login_as):
    point = factory.contact_point("csrf-point")
    clients = {
        "anonymous": app.test_client(),
        "contact_point": login_as("contact_point", point=point.slug),
        "staff": login_as("staff"),
        "admin": login_as("admin"),
    }
    draft = factory.draft("open")
    closed = factory.draft("closed")
    comment = factory.comment(draft, status="published")
    factory.comment(closed, status="published")
    # An upload waiting for confirmation, so its cancel and confirm forms have a real token.
    operator = clients["contact_point"]
    token = csrf_token_from(operator.get("/intake/upload").data)
    resp = operator.post(
        "/intake/upload",
        data={
            "csrf_token": token,
            "draft": draft.slug,
            **MEETING,
            "file": (io.BytesIO(xlsx(GOOD)), "a.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.status_code
    upload = token_of(BeautifulSoup(resp.data, "html.parser"))
    # A moderation to undo, an API token to revoke.
    staff_token = csrf_token_from(clients["staff"].get("/admin/").data)
    resp = clients["staff"].post(
        f"/admin/comments/{comment.id}/moderate",
        data={"csrf_token": staff_token, "action": "reject", "reason": "理由"},
    )
    assert resp.status_code in (302, 303), resp.status_code
    admin_token = csrf_token_from(clients["admin"].get("/admin/").data)
    victim, _password = factory.user("staff", username="csrf-victim")
    resp = clients["admin"].post(
        f"/admin/users/{victim.id}/tokens", data={"csrf_token": admin_token, "name": "令牌"}
    )
    assert resp.status_code in (200, 302, 303), resp.status_code
    end_read()
    from consult.models import ApiToken, AuditLog

    ids = {
        "slug": draft.slug,
        "comment_id": comment.id,
        "article_id": draft.current_version.texts[0].article_id,
        "code": comment.receipt_code,
        "point_id": point.id,
        "user_id": victim.id,
        "token_id": db.session.scalar(select(ApiToken.id)),
        "entry_id": db.session.scalar(select(AuditLog.id).where(AuditLog.action == "comment.reject")),
        "stage": "close-now",
        "token": upload,
        "group_id": 1,  # refused before it is looked up
        "theme_id": 1,  # likewise
        "invitation_id": 1,  # likewise
    }
    end_read()
    yield app, clients, ids


# Posts without a CSRF token by design, each with why (and checked below: a wrong link changes nothing).
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: the mail program posts "List-Unsubscribe=One-Click" with no page and
    # no cookie; the token in the path is the proof, and a forged request could only do what the link does.
    "subscriptions.unsubscribe_now",
}


def _post_routes(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and rule.endpoint not in SKIP_ENDPOINTS
        and rule.endpoint not in CSRF_EXEMPT
        and not rule.rule.startswith("/api/")
    ]


def test_the_posts_exempt_by_design_change_nothing_without_their_link(site):
    app, clients, ids = site
    exempt = [r for r in app.url_map.iter_rules() if r.endpoint in CSRF_EXEMPT]
    assert len(exempt) == len(CSRF_EXEMPT)
    for rule in exempt:
        url = rule.build({a: ids[a] for a in rule.arguments})[1]
        before = snapshot()
        resp = clients["anonymous"].post(url, data=FORM)
        assert resp.status_code == 404, (url, resp.status_code)
        assert snapshot() == before, url


def test_every_form_post_without_its_token_is_400_and_changes_nothing(site):
    app, clients, ids = site
    covered: list[str] = []
    problems: list[str] = []
    # Signing out first would end the session the later checks rely on: ask /logout last.
    for rule in sorted(_post_routes(app), key=lambda r: (r.endpoint == "auth.logout", r.rule)):
        url = rule.build({a: ids[a] for a in rule.arguments})[1]
        level = app.view_functions[rule.endpoint].access_level
        for role in WHO[level]:
            before = snapshot()
            multipart = rule.endpoint == "intake.upload"
            data = dict(FORM, draft=ids["slug"])
            if multipart:
                data["file"] = (io.BytesIO(xlsx(GOOD)), "b.xlsx")
            resp = clients[role].post(
                url, data=data, content_type="multipart/form-data" if multipart else None
            )
            text = resp.get_data(as_text=True)
            if resp.status_code != 400 or "页面已过期" not in text:
                problems.append(f"POST {url} as {role}: {resp.status_code}, not the CSRF refusal")
            elif snapshot() != before:
                problems.append(f"POST {url} as {role}: refused, but the database changed")
            covered.append(f"{rule.rule} ({role})")
    assert problems == [], "\n".join(problems) + "\ncovered:\n" + "\n".join(covered)
    # Still signed in: the refused sign-out ended nothing.
    assert clients["admin"].get("/admin/").status_code == 200
    assert len(covered) >= len(_post_routes(app)), covered


def test_with_its_token_the_same_post_does_change_something(site):
    """The control: the snapshot sees a change that the token lets through."""
    _app, clients, ids = site
    staff = clients["staff"]
    before = snapshot()
    token = csrf_token_from(staff.get("/admin/").data)
    resp = staff.post(
        f"/admin/review/{ids['slug']}/comments/{ids['comment_id']}/notes",
        data={"csrf_token": token, "body": "备注"},
    )
    assert resp.status_code in (302, 303), resp.status_code
    assert snapshot() != before


def test_every_api_write_with_the_session_cookie_alone_is_refused(site):
    app, clients, ids = site
    covered, problems = [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            url = rule.build({a: ids[a] for a in rule.arguments})[1]
            level = app.view_functions[rule.endpoint].access_level
            if level == "public":
                continue  # anonymous writes (a comment, a rating) carry no session to ride on
            client = clients["contact_point" if level == "intake" else "admin"]
            before = snapshot()
            resp = client.open(
                url, method=method, json={"action": "publish", "body": "这是一条足够长的意见。"}
            )
            body = resp.get_json(silent=True) or {}
            if resp.status_code != 400 or body.get("error", {}).get("code") != "csrf_failed":
                problems.append(f"{method} {url}: {resp.status_code} {body}")
            elif snapshot() != before:
                problems.append(f"{method} {url}: refused, but the database changed")
            covered.append(f"{method} {rule.rule}")
    assert problems == [], "\n".join(problems)
    assert len(covered) >= 9, covered


def test_a_page_view_skips_flask_wtfs_hook_and_a_write_still_goes_through_it(client, factory, monkeypatch):
    """Flask-WTF looked the view up and formatted its name (is it exempt?) on every GET before seeing
    that a GET is never checked; the hook now runs for the methods it checks only."""
    from flask_wtf.csrf import CSRFProtect

    asked = []
    real = CSRFProtect._is_exempt
    monkeypatch.setattr(CSRFProtect, "_is_exempt", lambda self: asked.append(1) or real(self))
    draft = factory.draft()
    assert client.get(f"/drafts/{draft.slug}").status_code == 200
    assert asked == []
    refused = client.post("/login", data={"username": "x", "password": "y"})
    assert refused.status_code == 400 and asked == [1]
