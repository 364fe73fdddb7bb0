"""Public comment lists page by key (issue 15, points 2 and 9): links people follow without JavaScript.

The draft page's general comments and the article page link 更早的意见, 较新的意见, 最新 and 最早 by
cursor; a page number still works up to PUBLIC_PAGE_MAX and reads as the newest page beyond it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bs4 import BeautifulSoup

from consult.db import write_transaction
from consult.models import Comment
from consult.paging import PUBLIC_PAGE_MAX

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def soup(resp) -> BeautifulSoup:
    assert resp.status_code == 200, resp.status_code
    return BeautifulSoup(resp.data, "html.parser")


def published(factory, draft, n: int, article_index: int | None) -> list[int]:
    """n published comments, three at a time sharing a time; their ids newest first."""
    return factory.published_in_ties(draft, n, ties=3, article_index=article_index, start=BASE)


def shown(page: BeautifulSoup, section: str) -> list[int]:
    return [int(li["id"].removeprefix("comment-")) for li in page.select(f"{section} li.comment")]


def link(page: BeautifulSoup, text: str):
    found = [a for a in page.select(".pagination a") if a.get_text() == text]
    return found[0]["href"] if found else None


def test_the_article_page_walks_to_the_oldest_comment_by_links_alone(client, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[2].article_id
    expected = published(factory, draft, 47, article_index=2)
    url = f"/drafts/{draft.slug}/articles/{article_id}"
    page = soup(client.get(url))
    assert link(page, "最新") is None and link(page, "较新的意见") is None
    seen, visited = shown(page, "#comments"), [page]
    while (older := link(page, "更早的意见")) is not None:
        assert older.startswith(url + "?before=") and older.endswith("#comments")
        page = soup(client.get(older))
        visited.append(page)
        seen += shown(page, "#comments")
    assert seen == expected and [len(shown(p, "#comments")) for p in visited] == [20, 20, 7]
    last = visited[-1]
    assert link(last, "最新") == url + "#comments" and link(last, "最早") is None
    # 较新的意见 leads back one page at a time.
    assert shown(soup(client.get(link(last, "较新的意见"))), "#comments") == expected[20:40]
    # 最早: the oldest twenty, one seek away from the first page.
    oldest = soup(client.get(link(visited[0], "最早")))
    assert shown(oldest, "#comments") == expected[-20:] and link(oldest, "更早的意见") is None
    assert "已公开的意见（47条）" in last.select_one("#comments-h").get_text()


def test_the_draft_page_pages_general_comments_by_key_past_a_take_down(client, factory):
    draft = factory.draft()
    expected = published(factory, draft, 25, article_index=None)
    factory.comment(draft, body="条文意见", status="published", article_index=0)
    page = soup(client.get(f"/drafts/{draft.slug}"))
    assert shown(page, "#general") == expected[:20]
    older = link(page, "更早的意见")
    assert older.startswith(f"/drafts/{draft.slug}?before=") and older.endswith("#general-comments")
    with write_transaction() as session:  # taken down while the reader is on page 1
        session.get(Comment, expected[3]).status = "rejected"
    second = soup(client.get(older))
    assert shown(second, "#general") == expected[20:]
    assert "已公开的整体意见（24条）" in second.select_one("#general-comments").get_text()


def test_page_numbers_stop_at_the_cap(client, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[0].article_id
    expected = published(factory, draft, 3, article_index=0)
    url = f"/drafts/{draft.slug}/articles/{article_id}"
    # Beyond the cap a page number is no new OFFSET: it reads as the newest page.
    assert shown(soup(client.get(f"{url}?page={PUBLIC_PAGE_MAX + 1}")), "#comments") == expected
    within = soup(client.get(f"{url}?page={PUBLIC_PAGE_MAX}"))
    assert shown(within, "#comments") == [] and link(within, "最新") == url + "#comments"
    assert "这里没有更多意见了" in within.select_one("#comments").get_text()
    for forged in ("before=abc", "after=1-", "before=99999999999999999999-1"):
        assert shown(soup(client.get(f"{url}?{forged}")), "#comments") == expected
