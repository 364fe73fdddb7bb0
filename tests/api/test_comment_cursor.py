"""The public comment list pages by key (issue 15, points 2 and 9): `before` and `next`, a bounded `page`,
and `total` on every page, read from the kept counts (issue 15, point 1)."""

from __future__ import annotations

from datetime import UTC, datetime

from consult.db import write_transaction
from consult.models import Comment
from consult.paging import PUBLIC_PAGE_MAX

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def published(factory, draft, n: int, article_index: int | None = 1) -> list[int]:
    return factory.published_in_ties(draft, n, ties=4, article_index=article_index, start=BASE)


def test_next_leads_through_every_comment_once_to_a_last_page_without_one(client, factory):
    draft = factory.draft()
    expected = published(factory, draft, 11)
    url = f"/api/v1/drafts/{draft.slug}/comments"
    first = client.get(f"{url}?per_page=4").get_json()
    assert first["total"] == 11 and first["page"] == 1 and first["next"]
    bodies, page = [c["id"] for c in first["comments"]], first
    with write_transaction() as session:  # taken down between two pages: the rest moves up, none skipped
        session.get(Comment, expected[3]).status = "rejected"
    while page["next"]:
        page = client.get(f"{url}?per_page=4&before={page['next']}").get_json()
        assert page["total"] == 10 and page["per_page"] == 4  # one taken down meanwhile
        bodies += [c["id"] for c in page["comments"]]
    assert bodies == expected and len(page["comments"]) == 3


def test_next_works_from_a_numbered_page_and_for_one_article(client, factory):
    draft = factory.draft()
    expected = published(factory, draft, 9, article_index=2)
    published(factory, draft, 2, article_index=0)
    article_id = draft.current_version.texts[2].article_id
    url = f"/api/v1/drafts/{draft.slug}/comments?article_id={article_id}&per_page=3"
    second = client.get(f"{url}&page=2").get_json()
    assert [c["id"] for c in second["comments"]] == expected[3:6] and second["total"] == 9
    third = client.get(f"{url}&before={second['next']}").get_json()
    assert [c["id"] for c in third["comments"]] == expected[6:] and third["next"] is None


def test_page_numbers_beyond_the_cap_say_to_use_the_cursor(client, factory):
    draft = factory.draft()
    url = f"/api/v1/drafts/{draft.slug}/comments"
    assert client.get(f"{url}?page={PUBLIC_PAGE_MAX}").status_code == 200
    for query in (f"page={PUBLIC_PAGE_MAX + 1}", "page=47000"):
        resp = client.get(f"{url}?{query}")
        body = resp.get_json()
        assert resp.status_code == 400 and body["error"]["code"] == "validation_error"
        assert "before" in body["error"]["fields"]["page"] and "next" in body["error"]["fields"]["page"]
    for forged in ("abc", "1-", "1-99999999999", "9" * 19 + "-1"):
        body = client.get(f"{url}?before={forged}").get_json()
        assert body["error"]["code"] == "validation_error" and set(body["error"]["fields"]) == {"before"}


def test_the_openapi_document_describes_before_and_next(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    listing = doc["paths"]["/api/v1/drafts/{slug}/comments"]["get"]
    params = {p["name"]: p for p in listing["parameters"] if p.get("in") == "query"}
    assert params["page"]["schema"]["maximum"] == PUBLIC_PAGE_MAX
    assert "next" in params["before"]["description"] and params["before"]["schema"]["pattern"]
    page = doc["components"]["schemas"]["CommentPage"]["properties"]
    assert "before" in page["next"]["description"] and "every page" in page["total"]["description"]
    assert "null" not in page["total"]["type"]
