"""The public feedback JSON in bounded pieces: each place's first items in the report, the rest by key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from consult.clock import utcnow
from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.feedback.reading import FIRST_ITEMS

MANY = 45  # more than two first pages, in ties of four


@pytest.fixture
def published(factory):
    """A concluded draft: MANY published comments on 第一条 (four to a time), one general opinion."""
    staff, _password = factory.user("staff", username="items-staff")
    draft = factory.draft("closed")
    start = utcnow() - timedelta(days=20)
    many = factory.published_in_ties(draft, MANY, ties=4, article_index=0, start=start)[::-1]  # oldest first
    general = factory.comment(draft, "总体意见。", status="published", article_index=None)
    end_read()
    decide(staff, CLI, many[::2], "adopted", "已吸收。")
    end_read()
    return {"draft": draft, "many": many, "general": general}


def test_the_report_holds_at_most_a_page_of_items_per_place(client, published):
    slug = published["draft"].slug
    assert client.get(f"/api/v1/drafts/{slug}/feedback/general").status_code == 404  # not yet published
    publish_feedback(None, CLI, slug)
    report = client.get(f"/api/v1/drafts/{slug}/feedback").json
    first = report["articles"][0]
    assert first["comment_count"] == MANY and first["outcomes"]["adopted"] == (MANY + 1) // 2
    assert [i["comment_id"] for i in first["items"]] == published["many"][:FIRST_ITEMS]
    assert first["items_next"] is not None
    assert all(len(a["items"]) <= FIRST_ITEMS for a in [*report["articles"], report["general"]])
    assert report["general"]["items_next"] is None and len(report["general"]["items"]) == 1
    assert report["totals"]["comments"] == MANY + 1


def test_an_articles_items_page_by_key_through_ties_to_the_last_page(client, published):
    slug = published["draft"].slug
    publish_feedback(None, CLI, slug)
    report = client.get(f"/api/v1/drafts/{slug}/feedback").json
    article_id = report["articles"][0]["article_id"]
    url = f"/api/v1/drafts/{slug}/feedback/articles/{article_id}"
    # From the report's items_next: the rest, after its first items.
    rest = client.get(url, query_string={"after": report["articles"][0]["items_next"], "per_page": 100}).json
    assert [i["comment_id"] for i in rest["items"]] == published["many"][FIRST_ITEMS:]
    assert rest["next"] is None
    # From the start, four at a time: every comment once, in order; the last page is the remainder.
    seen, after, pages = [], None, []
    statements: list[str] = []
    offsets: list[object] = []

    def record(_conn, _cursor, statement, _parameters, context, _many):
        statements.append(" ".join(statement.lower().split()))
        compiled = getattr(getattr(context, "compiled", None), "statement", None)
        if getattr(compiled, "_offset_clause", None) is not None:  # SQLite writes OFFSET ? for any LIMIT
            offsets.append(compiled)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        while True:
            answer = client.get(url, query_string={"per_page": 4, **({"after": after} if after else {})})
            assert answer.status_code == 200, answer.json
            page = answer.json
            pages.append(len(page["items"]))
            seen += [i["comment_id"] for i in page["items"]]
            after = page["next"]
            if after is None:
                break
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen == published["many"]
    assert pages == [4] * (MANY // 4) + [MANY % 4]
    assert page["comment_count"] == MANY and page["label"] == "第一条" and page["per_page"] == 4
    assert statements and offsets == [] and not [s for s in statements if "count(" in s]


def test_item_pages_refuse_what_they_cannot_serve(client, published, factory):
    slug = published["draft"].slug
    publish_feedback(None, CLI, slug)
    general = client.get(f"/api/v1/drafts/{slug}/feedback/general").json
    assert [i["body"] for i in general["items"]] == ["总体意见。"] and general["article_id"] is None
    bad = client.get(f"/api/v1/drafts/{slug}/feedback/general", query_string={"after": "第二页"})
    assert bad.status_code == 400 and bad.json["error"]["fields"]["after"]
    other = factory.draft("closed")
    end_read()
    foreign = other.current_version.texts[0].article_id
    missing = client.get(f"/api/v1/drafts/{slug}/feedback/articles/{foreign}")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    too_many = client.get(f"/api/v1/drafts/{slug}/feedback/general", query_string={"per_page": 101})
    assert too_many.status_code == 400
