"""The public search page and JSON, and q= in the staff views, over a real index."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import Draft
from tests.conftest import is_postgres


@pytest.fixture
def app(make_app):
    # The PostgreSQL pass runs these with the postgres backend, the SQLite pass with Whoosh.
    app = make_app(SEARCH_DRAIN_INLINE=True, SEARCH_BACKEND="postgres" if is_postgres() else "whoosh")
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def corpus(factory):
    draft = factory.draft()
    published = factory.comment(
        draft, body="建议书房开放时间延长到晚上十点。", status="published", contact="13912345678"
    )
    pending = factory.comment(draft, body="开放时间应当包括节假日。")
    rejected = factory.comment(draft, body="开放时间的意见，已被拒绝。", status="rejected")
    markup = factory.comment(draft, body="罚款<5000元 & 以上 <script>alert(1)</script>", status="published")
    return draft, published, pending, rejected, markup


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def test_the_public_finds_articles_and_published_comments_only(client, corpus):
    _draft, _published, _pending, _rejected, _markup = corpus
    resp = client.get("/search?q=开放时间")
    assert resp.status_code == 200
    page = soup(resp)
    hits = page.select("li.search-hit")
    assert len(hits) == 1 and "晚上十点" in hits[0].get_text()
    assert hits[0].select_one("mark").get_text() in ("开放时间", "开放", "时间")
    assert page.select_one(".result-count").get_text() == "找到1条结果"  # a count, not "约"
    body = resp.get_data(as_text=True)
    assert "节假日" not in body and "已被拒绝" not in body
    # Contact details are never indexed.
    assert soup(client.get("/search?q=13912345678")).select("li.search-hit") == []
    # Articles are found too, with a link to the article.
    article_hits = soup(client.get("/search?q=行政区域")).select("li.search-hit-article")
    assert article_hits and "第二条" in article_hits[0].get_text()


def test_snippets_are_escaped_and_junk_queries_answer(client, corpus):
    resp = client.get("/search?q=罚款")
    snippet = soup(resp).select_one(".snippet")
    assert "<script>" not in str(snippet) and "&lt;script&gt;" in str(snippet)
    for junk in [
        '"',
        "((",
        "AND OR NOT",
        "*",
        "?",
        "\\",
        "开放 -",
        "x" * 500,
        "'; DROP TABLE comment; --",
        "\u200b",
    ]:
        assert client.get("/search", query_string={"q": junk}).status_code == 200, junk
        assert client.get("/api/v1/search", query_string={"q": junk}).status_code == 200, junk


def test_empty_and_nothing_found_help_the_reader(client, corpus):
    draft = corpus[0]
    page = soup(client.get("/search"))
    assert page.select_one("input[name=q]") is not None and page.select_one(".hint")
    page = soup(client.get(f"/search?q=不存在的词语组合&draft={draft.slug}"))
    assert "没有找到" in page.select_one(".empty").get_text()
    assert page.select_one(".empty a")["href"].startswith("/search?q=")


def test_the_draft_filter_and_the_search_box_on_the_draft_page(client, factory, corpus):
    draft = corpus[0]
    other = factory.draft(slug="other-draft")
    factory.comment(other, body="另一部草案的开放时间意见。", status="published")
    assert len(soup(client.get("/search?q=开放时间")).select("li.search-hit")) == 2
    assert len(soup(client.get(f"/search?q=开放时间&draft={draft.slug}")).select("li.search-hit")) == 1
    form = soup(client.get(f"/drafts/{draft.slug}")).select_one("form.draft-search")
    assert form["action"] == "/search" and form.select_one("input[name=draft]")["value"] == draft.slug


def test_a_comment_hidden_since_indexing_is_not_shown(client, app, corpus):
    """The database is checked before a public snippet shows (the index may lag behind)."""
    draft, _published, *_ = corpus
    app.config["SEARCH_DRAIN_INLINE"] = False
    end_read()
    with write_transaction() as session:
        session.get(Draft, draft.id).show_comments = False
    assert soup(client.get("/search?q=晚上十点")).select("li.search-hit") == []


def test_the_count_says_about_only_when_it_is_an_estimate(client, factory, monkeypatch):
    from consult.search import postgres_backend, postgres_totals, whoosh_backend

    draft = factory.draft()
    for n in range(25):
        factory.comment(draft, body=f"开放时间第{n}条意见，建议延长。", status="published")
    assert soup(client.get("/search?q=开放时间")).select_one(".result-count").get_text() == "找到25条结果"
    body = client.get("/api/v1/search?q=开放时间").get_json()
    assert body["total"] == 25 and body["estimated"] is False
    # With fewer candidates ranked (a page of 20) than there are matches, the total is an estimate.
    monkeypatch.setattr(whoosh_backend, "CANDIDATES", 3)
    monkeypatch.setattr(postgres_backend, "CANDIDATES", 3)
    # PostgreSQL counts exactly up to FIRST_COUNT matches and samples only beyond: bring it below 25.
    monkeypatch.setattr(postgres_totals, "FIRST_COUNT", 8)
    text = soup(client.get("/search?q=开放时间&per_page=1")).select_one(".result-count").get_text()
    assert text.startswith("找到约")
    assert client.get("/api/v1/search?q=开放时间&per_page=1").get_json()["estimated"] is True


def test_the_json_answer(client, corpus):
    draft, published, *_ = corpus
    body = client.get("/api/v1/search?q=开放时间").get_json()
    assert body["total"] == 1 and body["estimated"] is False
    (hit,) = body["results"]
    assert (hit["kind"], hit["draft"], hit["id"]) == ("comment", draft.slug, published.id)
    assert "<mark>" in hit["snippet"]
    resp = client.get("/api/v1/search")
    assert resp.status_code == 400 and resp.get_json()["error"]["fields"]["q"]


def test_staff_search_every_comment_with_the_admin_filters(app, login_as, corpus):
    _draft, published, pending, rejected, _markup = corpus
    staff = login_as("staff")
    body = staff.get("/api/v1/admin/comments?q=开放时间").get_json()
    assert {c["id"] for c in body["comments"]} == {published.id, pending.id, rejected.id}
    body = staff.get("/api/v1/admin/comments?q=开放时间&status=pending").get_json()
    assert [c["id"] for c in body["comments"]] == [pending.id] and body["total"] == 1
    page = soup(staff.get("/admin/moderation?q=节假日"))
    assert [int(li["data-id"]) for li in page.select("li.queue-item")] == [pending.id]


def test_results_that_match_only_some_words_say_so(client, corpus):
    """When nothing holds every word, the loose fallback answers, and the page and JSON say it is partial."""
    page = soup(client.get("/search?q=开放时间 火星基地"))
    assert page.select("li.search-hit")  # comments and articles about 开放时间
    assert "只包含其中部分词语" in page.select_one(".partial-results").get_text()
    assert client.get("/api/v1/search?q=开放时间 火星基地").get_json()["partial"] is True
    page = soup(client.get("/search?q=开放时间"))
    assert page.select_one(".partial-results") is None
    assert client.get("/api/v1/search?q=开放时间").get_json()["partial"] is False
