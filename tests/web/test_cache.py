"""The public page cache: fast for anonymous visitors, each with their own CSRF token, fresh for staff."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from consult.web import cache
from tests.conftest import csrf_token_from


@pytest.fixture
def cached(make_app):
    cache.clear()
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        yield app
    cache.clear()


def count_text(resp) -> str:
    return BeautifulSoup(resp.data, "html.parser").select_one(".draft-header .meta").get_text()


def test_anonymous_pages_are_cached_until_the_ttl(cached, factory, monkeypatch):
    draft = factory.draft()
    c = cached.test_client()
    assert "已公开意见0条" in count_text(c.get(f"/drafts/{draft.slug}"))
    factory.comment(draft, status="published")
    assert "已公开意见0条" in count_text(c.get(f"/drafts/{draft.slug}"))  # served from the cache
    later = cache.time.monotonic() + 61
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert "已公开意见1条" in count_text(c.get(f"/drafts/{draft.slug}"))


def test_each_visitor_gets_their_own_working_csrf_token_from_a_cached_page(cached, factory):
    draft = factory.draft()
    first, second = cached.test_client(), cached.test_client()
    token_1 = csrf_token_from(first.get(f"/drafts/{draft.slug}").data)
    token_2 = csrf_token_from(second.get(f"/drafts/{draft.slug}").data)
    assert cache.PLACEHOLDER not in token_1 + token_2
    assert token_1 != token_2
    form_token = BeautifulSoup(second.get(f"/drafts/{draft.slug}").data, "html.parser").select_one(
        "form.comment-form input[name=csrf_token]"
    )["value"]
    resp = second.post(
        f"/drafts/{draft.slug}/comments",
        data={"csrf_token": form_token, "body": "缓存页面上的表单也能提交。"},
    )
    assert resp.status_code == 303


def test_signed_in_staff_always_see_fresh_pages(cached, factory, login_as):
    draft = factory.draft()
    staff = login_as("staff")
    assert "已公开意见0条" in count_text(staff.get(f"/drafts/{draft.slug}"))
    factory.comment(draft, status="published")
    assert "已公开意见1条" in count_text(staff.get(f"/drafts/{draft.slug}"))


def test_an_expired_page_is_served_stale_while_another_thread_renders_it(cached, factory, monkeypatch):
    draft = factory.draft()
    c = cached.test_client()
    c.get(f"/drafts/{draft.slug}")
    factory.comment(draft, status="published")
    later = cache.time.monotonic() + 61
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    key = next(iter(cache._pages))
    cache._rendering[key] = cache.threading.Event()  # another thread is rendering this page right now
    assert "已公开意见0条" in count_text(c.get(f"/drafts/{draft.slug}"))
    cache._rendering.pop(key)
    assert "已公开意见1条" in count_text(c.get(f"/drafts/{draft.slug}"))


def test_a_failed_render_does_not_leave_the_page_marked_busy(cached, factory):
    c = cached.test_client()
    assert c.get("/drafts/no-such-draft").status_code == 404
    assert cache._rendering == {}
    assert c.get("/drafts/no-such-draft").status_code == 404
