"""The pages and the API read the kept comment counts and count nothing (issue 15, point 1); `flask counts
check` finds and repairs a counter that differs from a fresh count."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import delete, event, update

from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.drafts.queries import public_drafts
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.models import CommentCount
from tests.comments.test_counts import assert_exact

COUNTING = re.compile(r"\bcount\s*\(", re.IGNORECASE)


@pytest.fixture
def statements(app):
    """Every SQL statement the app sends while the test runs."""
    seen: list[str] = []

    def listen(_conn, _cursor, statement, _parameters, _context, _many):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def test_pages_read_the_counters_and_count_nothing(app, factory, client, login_as, statements):
    draft = factory.draft()
    article_id = draft.current_version.texts[1].article_id
    for i in range(5):
        factory.comment(draft, f"第{i}条公开意见。", status="published", article_index=1)
    factory.comment(draft, "总体上赞成。", status="published", article_index=None)
    factory.comment(draft, "待审核。", article_index=1)
    staff = login_as("staff")
    del statements[:]
    home = client.get("/")
    page = client.get(f"/drafts/{draft.slug}")
    article = client.get(f"/drafts/{draft.slug}/articles/{article_id}")
    listing = client.get(f"/api/v1/drafts/{draft.slug}/comments?per_page=2").get_json()
    deeper = client.get(
        f"/api/v1/drafts/{draft.slug}/comments?per_page=2&before={listing['next']}"
    ).get_json()
    detail = client.get(f"/api/v1/drafts/{draft.slug}").get_json()
    drafts = client.get("/api/v1/drafts").get_json()
    reviews = [
        staff.get(f"/admin/review{path}")
        for path in ("", f"/{draft.slug}", f"/{draft.slug}/articles/{article_id}", f"/{draft.slug}/general")
    ]
    reviews.append(staff.get("/admin/"))  # the staff overview: pending and undecided per draft
    # The charts (issue 16, point 4): on the draft page above, its statistics page and the images, and the
    # staff's arrivals per day and channel (on the draft's review overview above, and its image).
    charts = [client.get(f"/drafts/{draft.slug}/statistics")]
    charts += [client.get(f"/drafts/{draft.slug}/charts/{name}.svg") for name in ("articles", "channels")]
    charts.append(staff.get(f"/admin/review/{draft.slug}/charts/arrivals.svg"))
    assert {r.status_code for r in (home, page, article, *reviews, *charts)} == {200}
    assert soup_has(page, "#chart-channels") and soup_has(reviews[1], "#chart-arrivals img")
    assert len(statements) > 20  # the listener hears the requests' statements
    counted = [s for s in statements if COUNTING.search(s) and re.search(r"\bcomment\b", s)]
    assert counted == [], counted
    assert listing["total"] == deeper["total"] == 6
    assert {a["id"]: a["comment_count"] for a in detail["articles"]}[article_id] == 5
    assert {d["slug"]: d["comment_count"] for d in drafts["drafts"]}[draft.slug] == 6
    assert public_drafts(draft.opens_at)  # the home page's listing reads the same counters


def soup_has(resp, selector: str) -> bool:
    return BeautifulSoup(resp.data, "html.parser").select_one(selector) is not None


def test_the_feedback_report_and_its_charts_count_nothing(app, factory, client, statements):
    staff, _token = factory.user("staff")
    draft = factory.draft("closed")
    ids = [
        factory.comment(draft, f"第{i}条。", status="published", channel=c).id
        for i, c in enumerate(("web", "letter"))
    ]
    end_read()
    decide(staff, CLI, ids, "adopted", "已采纳。")
    end_read()
    publish_feedback(None, CLI, draft.slug)
    end_read()
    client.get(f"/drafts/{draft.slug}/feedback")  # a first reader may summarise an old publication: not here
    del statements[:]
    report = client.get(f"/drafts/{draft.slug}/feedback")
    images = [client.get(f"/drafts/{draft.slug}/feedback/charts/{n}.svg") for n in ("articles", "channels")]
    assert {r.status_code for r in (report, *images)} == {200}
    assert soup_has(report, "#chart-articles img")
    counted = [s for s in statements if COUNTING.search(s) and re.search(r"\bcomment\b", s)]
    assert counted == [], counted


def test_counts_check_finds_and_repairs_a_tampered_counter(app, factory, runner):
    draft = factory.draft()
    factory.comment(draft, status="published", article_index=0)
    factory.comment(draft, status="pending", article_index=None)
    result = runner.invoke(args=["counts", "check"])
    assert result.exit_code == 0 and "一致" in result.output
    with write_transaction() as session:  # a restore of an older counter table, say
        session.execute(
            update(CommentCount).where(CommentCount.status == "published").values(n=CommentCount.n + 5)
        )
        session.execute(delete(CommentCount).where(CommentCount.status == "pending"))
    end_read()
    result = runner.invoke(args=["counts", "check"])
    assert result.exit_code == 1, result.output
    assert "计数6，实有1" in result.output and "计数0，实有1" in result.output
    result = runner.invoke(args=["counts", "check", "--repair"])
    assert result.exit_code == 0 and "已修复2处" in result.output
    assert runner.invoke(args=["counts", "check"]).exit_code == 0
    assert assert_exact()
