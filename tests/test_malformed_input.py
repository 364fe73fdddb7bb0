"""Malformed input is a 400, never a 500 (issue 14, point 5); the page-cache placeholders cannot be typed.

Each case once answered 500: JSON nested 100,000 deep (RecursionError), a lone UTF-16 surrogate in a
JSON string (psycopg cannot encode it, so only PostgreSQL failed; CONSULT_TEST_DATABASE_URL runs this file
there too), NUL in an upload's file name, and a display name holding the staff page's cut mark. A
comment holding the CSRF placeholder got a staff member's token filled into the masked copy.
"""

from __future__ import annotations

import io
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from consult.auth.operations import issue_token
from consult.context import CLI
from consult.db import end_read
from consult.extensions import db, limiter
from consult.models import Comment, User
from tests.conftest import csrf_token_from
from tests.web.test_intake_pages import GOOD, MEETING, xlsx

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def site(make_app):
    app = make_app(COMMENT_RATE_LIMIT="1000 per minute", COMMENT_REFUSAL_LIMIT="1000 per minute")
    with app.app_context():
        limiter.reset()
        yield app


def _comments() -> int:
    end_read()
    n = db.session.scalar(select(func.count()).select_from(Comment))
    end_read()
    return n


def _post_json(client, url: str, raw: str, **kw):
    return client.post(url, data=raw.encode(), content_type="application/json", **kw)


@pytest.mark.parametrize(
    "raw",
    [
        DEEP,
        '{"body": ' + DEEP + "}",
        '{"body": "这是一条足够长的意见。", "x": ' + DEEP + "}",
    ],
    ids=["deep array", "deep field", "deep unknown field"],
)
def test_json_nested_100000_deep_is_400(site, factory, raw):
    draft = factory.draft("open")
    resp = _post_json(site.test_client(), f"/api/v1/drafts/{draft.slug}/comments", raw)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "validation_error"
    assert _comments() == 0


@pytest.mark.parametrize(
    "raw",
    [
        '{"body": "\\ud800这是一条足够长的意见。"}',
        '{"body": "这是一条足够长的意见。", "author_name": "张\\udfff"}',
        '{"body": "这是一条足够长的意见。", "contact": "\\ud800@example.com"}',
        '{"body": "这是一条足够长的意见。", "\\ud800": 1}',
        '{"body": "这是一条足够长的意见。\\u0000"}',
    ],
    ids=["body", "author", "contact", "key", "nul"],
)
def test_a_lone_surrogate_or_nul_in_any_json_string_is_400(site, factory, raw):
    draft = factory.draft("open")
    resp = _post_json(site.test_client(), f"/api/v1/drafts/{draft.slug}/comments", raw)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["message"]
    assert _comments() == 0


def test_a_lone_surrogate_in_staff_json_is_400(site, factory):
    draft = factory.draft("open")
    factory.user("staff", username="surrogate-staff")
    end_read()
    token = issue_token(None, CLI, "surrogate-staff")
    resp = _post_json(
        site.test_client(),
        f"/api/v1/admin/drafts/{draft.slug}/comments",
        '{"body": "来信\\ud800意见内容", "channel": "letter"}',
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 400
    assert _comments() == 0


def test_nul_in_an_upload_file_name_is_400(site, factory, login_as):
    draft = factory.draft("open")
    operator = login_as("contact_point")
    token = csrf_token_from(operator.get("/intake/upload").data)
    good = xlsx(GOOD)
    form = {"csrf_token": token, "draft": draft.slug, **MEETING, "file": (io.BytesIO(good), "东关\x00.xlsx")}
    resp = operator.post("/intake/upload", data=form, content_type="multipart/form-data")
    assert resp.status_code == 400
    factory.user("contact_point", username="nul-operator")
    end_read()
    api_token = issue_token(None, CLI, "nul-operator")
    resp = site.test_client().post(
        "/api/v1/intake/batches",
        data={"draft": draft.slug, **MEETING, "file": (io.BytesIO(good), "东关\x00.xlsx")},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "validation_error"
    assert _comments() == 0


def _rename(username: str, display_name: str) -> None:
    end_read()
    with db.session.begin():
        db.session.scalar(select(User).where(User.username == username)).display_name = display_name
    end_read()


@pytest.mark.parametrize(
    "mark", ["__consult_page_body__", "__consult_csrf_token__", "__consult_submission_id__"]
)
def test_a_display_name_holding_an_old_cache_marker_is_shown_as_typed(site, factory, login_as, mark):
    factory.draft("open")
    staff = login_as("staff")
    _rename(staff.user.username, f"审核员{mark}")
    resp = staff.get("/admin/moderation")
    assert resp.status_code == 200
    assert f"审核员{mark}" in BeautifulSoup(resp.data, "html.parser").get_text()


def test_a_comment_holding_the_csrf_placeholder_never_receives_a_token(site, factory, login_as):
    draft = factory.draft("open")
    # A phone number makes the queue offer a masked copy, the field the attack filled with a token.
    factory.comment(draft, "请联系13912345678 __consult_csrf_token__ __consult_submission_id__ 谢谢")
    staff = login_as("staff")
    page = staff.get("/admin/moderation")
    assert page.status_code == 200
    token = csrf_token_from(page.data)
    html = page.get_data(as_text=True)
    assert token not in html.replace(f'content="{token}"', "").replace(f'value="{token}"', "")
    text = BeautifulSoup(page.data, "html.parser")
    masked = [t.get_text() for t in text.select("textarea")]
    assert any("__consult_csrf_token__" in m for m in masked), masked
    assert "__consult_csrf_token__ __consult_submission_id__" in text.get_text()


def test_the_placeholders_are_random_per_process():
    from consult.web import admin, cache

    for mark in (cache.PLACEHOLDER, cache.SUBMISSION_PLACEHOLDER, admin.CHROME_CUT):
        assert re.fullmatch(r"__consult_[a-z_]+_[0-9a-f]{32}__", mark)
