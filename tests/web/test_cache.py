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


def submission_ids(resp) -> list[str]:
    soup = BeautifulSoup(resp.data, "html.parser")
    return [field["value"] for field in soup.select("input[name=submission_id]")]


def test_a_cached_page_is_kept_encoded_and_cut_at_its_placeholders(cached, factory):
    draft = factory.draft()
    c = cached.test_client()
    first = c.get(f"/drafts/{draft.slug}")
    (parts,) = [entry for _, entry in cache._pages.values()]
    assert PLACEHOLDERS & {part for part in parts if isinstance(part, str)} == PLACEHOLDERS
    assert all(isinstance(part, bytes) or part in PLACEHOLDERS for part in parts)
    second = c.get(f"/drafts/{draft.slug}")  # served from the cut copy
    assert first.mimetype == second.mimetype == "text/html"
    for resp in (first, second):
        assert cache.PLACEHOLDER.encode() not in resp.data
        assert cache.SUBMISSION_PLACEHOLDER.encode() not in resp.data
    # One fresh submission id per page served, the same in every form of that page.
    ids_1, ids_2 = submission_ids(first), submission_ids(second)
    assert ids_1 and len(set(ids_1)) == 1 and len(set(ids_2)) == 1 and ids_1[0] != ids_2[0]


PLACEHOLDERS = {cache.PLACEHOLDER, cache.SUBMISSION_PLACEHOLDER}
