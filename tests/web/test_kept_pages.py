"""Whole public pages kept under the change counter (consult/web/fragments.kept_page, issue 15 point 3).

With the page cache off, an anonymous visitor's second request for the draft, article or home page
renders no template at all; what the page shows still follows every change at once: a new comment (the
counter), the clock (days left, the consultation closing), the visitor's own token, signed-in chrome,
a message waiting, the language and care mode. Made-up addresses cannot push the fragments out.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import template_rendered

from consult.extensions import db
from consult.ratelimits import limiter
from consult.web import cache, fragments
from tests.conftest import csrf_token_from


@pytest.fixture
def site(make_app):
    app = make_app(COMMENT_RATE_LIMIT="1000 per minute")
    with app.app_context():
        limiter.reset()
        yield app


@pytest.fixture
def rendered(site):
    """The names of the templates rendered while the test runs."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, site)
    yield names
    template_rendered.disconnect(record, site)


def soup(resp) -> BeautifulSoup:
    assert resp.status_code == 200, resp.status_code
    return BeautifulSoup(resp.data, "html.parser")


def own_parts_out(html: bytes) -> str:
    """The page without its CSRF token and submission ids (each visitor's own)."""
    text = html.decode().replace(csrf_token_from(html), "TOKEN")
    for field in BeautifulSoup(text, "html.parser").select("input[name=submission_id]"):
        text = text.replace(field["value"], "SUBMISSION")
    return text


def pages(draft) -> list[str]:
    first = draft.current_version.texts[0].article_id
    return [f"/drafts/{draft.slug}", f"/drafts/{draft.slug}/articles/{first}", "/"]


def test_a_second_visit_renders_no_template(site, factory, rendered, monkeypatch):
    """Nor does it make a database session: the change counter is read on a pooled connection."""
    draft = factory.draft()
    factory.comment(draft, body="第一条的公开意见", status="published", article_index=0)
    sessions = []
    make = db.session.registry.createfunc
    monkeypatch.setattr(db.session.registry, "createfunc", lambda: sessions.append(1) or make())
    for path in pages(draft):
        first = site.test_client().get(path)
        assert first.status_code == 200 and rendered, path
        rendered.clear()
        sessions.clear()
        again = site.test_client().get(path)
        assert again.status_code == 200 and rendered == [], (path, rendered)
        assert sessions == [], path
        assert own_parts_out(again.data) == own_parts_out(first.data)  # but for the visitor's own parts


def test_each_visitor_gets_a_token_of_their_own_and_can_comment_with_it(site, factory):
    draft = factory.draft()
    path = f"/drafts/{draft.slug}"
    site.test_client().get(path)  # the page is kept
    first, second = site.test_client(), site.test_client()
    answers = [first.get(path).data.decode(), second.get(path).data.decode()]
    tokens = [csrf_token_from(a) for a in answers]
    assert tokens[0] != tokens[1]
    ids = []
    for answer, token in zip(answers, tokens, strict=True):
        assert cache.PLACEHOLDER not in answer and cache.SUBMISSION_PLACEHOLDER not in answer
        form = BeautifulSoup(answer, "html.parser").select_one("form.comment-form")
        assert form.select_one("input[name=csrf_token]")["value"] == token
        ids.append(form.select_one("input[name=submission_id]")["value"])
    assert ids[0] != ids[1]
    resp = second.post(
        f"/drafts/{draft.slug}/comments",
        data={"csrf_token": tokens[1], "submission_id": ids[1], "body": "保存页面后提交的意见内容。"},
    )
    assert resp.status_code in (200, 303), resp.data[:400]
    # Nothing kept holds a visitor's token or submission id: a kept page holds the placeholders.
    with site.test_request_context():
        kept = [str(value) for value in fragments.entries()]
    assert any(cache.PLACEHOLDER in text for text in kept)
    assert not any(t in text for text in kept for t in (*tokens, *ids))


def test_a_new_comment_shows_on_the_next_request(site, factory):
    draft = factory.draft()
    client = site.test_client()
    for path in pages(draft):
        client.get(path)
    factory.comment(draft, body="刚刚公开的第一条意见", status="published", article_index=0)
    draft_page, article_page, home = (soup(client.get(p)) for p in pages(draft))
    assert "刚刚公开的第一条意见" in draft_page.get_text()
    assert "已公开意见1条" in draft_page.select_one(".draft-header").get_text()
    assert "刚刚公开的第一条意见" in article_page.select_one("#comments").get_text()
    assert "1" in home.get_text()


def test_the_days_left_and_the_close_follow_the_clock(site, factory, clock, rendered):
    draft = factory.draft()  # closes in 27 days
    client = site.test_client()
    draft_path, article_path, _home = pages(draft)
    for path in (draft_path, article_path):
        assert "剩余27天" in soup(client.get(path)).select_one(".badge").get_text()
    rendered.clear()
    clock.advance(hours=1)  # the same day left: still the kept page
    assert "剩余27天" in soup(client.get(draft_path)).select_one(".badge").get_text()
    assert rendered == []
    clock.advance(days=1)  # nothing changed in the database, but the clock moved a day
    for path in (draft_path, article_path):
        assert "剩余26天" in soup(client.get(path)).select_one(".badge").get_text()
    home = soup(client.get("/")).get_text()
    assert "剩余26天" in home
    clock.advance(days=27)  # closed: no comment form any more
    for path in (draft_path, article_path):
        page = soup(client.get(path))
        assert "已截止" in page.select_one(".badge").get_text()
        assert page.select_one("form.comment-form textarea") is None


def test_the_home_page_sorts_its_drafts_again_only_when_the_clock_moves_one(
    site, factory, clock, monkeypatch
):
    """Between two moments the clock moves a draft (Draft.clock_moves_at), the home page's drafts are
    not sorted into stages again; at such a moment they are, and the page shows it."""
    factory.draft()  # open, 27 days left
    upcoming = factory.draft("upcoming", title="即将征求意见的示例条例（草案）")  # opens in 3 days
    sorted_ = []
    real = fragments.public_drafts_by_stage
    monkeypatch.setattr(fragments, "public_drafts_by_stage", lambda *a: sorted_.append(1) or real(*a))

    def home():
        return soup(site.test_client().get("/"))  # a new visitor each time

    assert "剩余27天" in home().get_text()
    clock.advance(hours=20)
    home(), home()
    assert len(sorted_) == 1  # nothing the clock shows moved
    clock.advance(hours=4)  # a day gone: 26 days left
    assert "剩余26天" in home().get_text()
    assert len(sorted_) == 2
    assert "即将征求意见的示例条例" in home().select_one("section.stage-upcoming").get_text()
    clock.advance(days=2)  # the upcoming one opens now, to the second
    assert clock() == upcoming.opens_at
    assert "即将征求意见的示例条例" in home().select_one("section.stage-open").get_text()
    assert len(sorted_) == 3


def test_a_signed_in_visitor_and_a_waiting_message_get_their_own_page(site, factory):
    draft = factory.draft()
    path = f"/drafts/{draft.slug}"
    anonymous = site.test_client()
    anonymous.get(path)
    assert "工作台" not in anonymous.get(path).data.decode()
    staff_user, password = factory.user("staff")
    staff = site.test_client()
    login = staff.get("/login")
    staff.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(login.data),
            "username": staff_user.username,
            "password": password,
        },
    )
    assert "工作台" in staff.get(path).data.decode()
    assert "工作台" not in site.test_client().get(path).data.decode()  # the kept page is not theirs
    with anonymous.session_transaction() as session:
        session["_flashes"] = [("message", "您的意见已收到。")]
    assert "您的意见已收到。" in anonymous.get(path).data.decode()
    assert "您的意见已收到。" not in anonymous.get(path).data.decode()  # shown once
    assert "您的意见已收到。" not in site.test_client().get(path).data.decode()


def test_language_and_care_mode_each_have_their_page(site, factory):
    draft = factory.draft()
    path = f"/drafts/{draft.slug}"
    plain, english, care = site.test_client(), site.test_client(), site.test_client()
    english.set_cookie("consult_lang", "en")
    care.set_cookie("consult_care", "on")
    for _ in range(2):
        assert soup(plain.get(path)).html["lang"] == "zh-CN"
        assert soup(english.get(path)).html["lang"] == "en"
        assert soup(care.get(path)).html.get("data-mode") == "care"
        assert soup(plain.get(path)).html.get("data-mode") is None


def test_made_up_addresses_push_out_only_other_pages(site, factory):
    draft = factory.draft()
    path = f"/drafts/{draft.slug}"
    client = site.test_client()
    client.get(path)
    with site.test_request_context():
        blocks_before = fragments.stats()[fragments.ARTICLE_BLOCKS]
        fragment_misses = fragments.stats()[fragments.BY_GENERATION][1]
    for n in range(600):
        assert client.get(f"{path}?x={n}").status_code == 200
    with site.test_request_context():
        stats = fragments.stats()
        assert stats[fragments.ARTICLE_BLOCKS][1] == blocks_before[1]  # no block rendered again
        assert stats[fragments.BY_GENERATION][1] == fragment_misses  # nor any other fragment
        assert len(fragments._cache(fragments.PAGES)._values) <= fragments.PAGES_MAX
