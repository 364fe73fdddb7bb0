"""Care mode and the page cache: a care-mode visit never gets the standard copy of a page, nor the reverse.

The page cache (consult/web/cache.py) and the shared fragments (consult/web/fragments.py) key their
entries by consult.web.preferences.variant(); a shared proxy is told by `Vary: Cookie`.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from consult.web import cache, fragments
from consult.web.preferences import CARE_COOKIE, variant


@pytest.fixture
def cached(make_app):
    cache.clear()
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        fragments.clear()
        yield app
    cache.clear()


def mode(resp) -> str:
    page = BeautifulSoup(resp.data, "html.parser")
    form = page.select_one("form.comment-form")
    folded = form is not None and form.select_one("details.optional-fields") is not None
    block = page.select_one(".article .article-actions .button")
    marks = (page.html.get("data-mode") or "std", "folded" if folded else "open")
    return marks + ((block.get_text(strip=True),) if block is not None else ())


def test_care_and_standard_visits_in_turn_each_get_their_own_page(cached, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[0].article_id
    standard, care = cached.test_client(), cached.test_client()
    care.set_cookie(CARE_COOKIE, "on")
    for path in ("/", f"/drafts/{draft.slug}", f"/drafts/{draft.slug}/articles/{article_id}", "/receipts"):
        for _round in range(2):  # the second round is served from the cache
            first, second = mode(standard.get(path)), mode(care.get(path))
            assert first[0] == "std" and second[0] == "care", path
        # And the other way round: care first, then standard.
        assert mode(care.get(path))[0] == "care" and mode(standard.get(path))[0] == "std", path


def test_the_draft_page_s_shared_fragments_follow_the_mode(cached, factory):
    draft = factory.draft()
    path = f"/drafts/{draft.slug}"
    standard, care = cached.test_client(), cached.test_client()
    care.set_cookie(CARE_COOKIE, "on")
    assert mode(standard.get(path)) == ("std", "open", "对本条发表意见")
    cache.clear()  # the whole page renders again: only the fragments are kept now
    assert mode(care.get(path)) == ("care", "folded", "我要提意见")
    cache.clear()
    assert mode(standard.get(path)) == ("std", "open", "对本条发表意见")


def test_a_turned_on_preference_is_seen_at_once(cached, factory):
    draft = factory.draft()
    path = f"/drafts/{draft.slug}"
    visitor = cached.test_client()
    assert mode(visitor.get(path))[0] == "std"
    assert visitor.get(f"/preferences?care=on&next={path}").headers["Location"] == path
    assert mode(visitor.get(path))[0] == "care"
    visitor.get(f"/preferences?care=off&next={path}")
    assert mode(visitor.get(path))[0] == "std"


def test_the_variant_names_the_mode_and_the_language(cached):
    with cached.test_request_context("/"):
        assert variant() == ("std", "zh")
    with cached.test_request_context("/", headers={"Cookie": f"{CARE_COOKIE}=on"}):
        assert variant() == ("care", "zh")
    with cached.test_request_context("/", headers={"Cookie": f"{CARE_COOKIE}=yes"}):
        assert variant()[0] == "std"  # only "on" turns it on


def test_cached_answers_say_they_vary_by_cookie(cached, factory):
    draft = factory.draft()
    visitor = cached.test_client()
    for _round in range(2):
        resp = visitor.get(f"/drafts/{draft.slug}")
        assert "Cookie" in resp.headers["Vary"]
