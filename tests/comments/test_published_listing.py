"""Published comments read by key (issue 15, points 2 and 9): ties, take-downs between pages, both ends.

The listing is newest first by (submitted_at, id); a page starts just older (``before``) or just newer
(``after``) than a position, so no page is an OFFSET and none needs a count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from consult.comments.queries import published_comments, published_total
from consult.db import write_transaction
from consult.extensions import db
from consult.models import Comment
from consult.paging import OLDEST, decode_cursor

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def published(factory, draft, n: int, *, ties: int = 3, article_index: int | None = None) -> list[int]:
    """n published comments, `ties` at a time sharing one submitted_at; their ids newest first."""
    return factory.published_in_ties(draft, n, ties=ties, article_index=article_index, start=BASE)


def ids(page) -> list[int]:
    return [c.id for c in page.items]


def take_down(*comment_ids: int) -> None:
    with write_transaction() as session:
        for comment_id in comment_ids:
            session.get(Comment, comment_id).status = "rejected"


def walk_older(draft, per_page: int, **where) -> list[list[int]]:
    """Every page from the newest, following `older` to the end."""
    page = published_comments(draft.id, per_page=per_page, **where)
    pages = [ids(page)]
    while page.older:
        page = published_comments(draft.id, per_page=per_page, before=decode_cursor(page.older), **where)
        pages.append(ids(page))
    return pages


@pytest.mark.parametrize(
    "where", [{"general": True}, {"article": True}, {}], ids=["general", "article", "all"]
)
def test_following_older_cursors_with_ties_reaches_the_last_page_once_each(app, factory, where):
    draft = factory.draft()
    article_index = 1 if where.get("article") else None
    expected = published(factory, draft, 23, ties=3, article_index=article_index)
    factory.comment(draft, body="待审核", status="pending", article_index=article_index)
    kwargs = {"article_id": draft.current_version.texts[1].article_id} if where.get("article") else where
    pages = walk_older(draft, 4, **kwargs)
    assert [len(p) for p in pages] == [4, 4, 4, 4, 4, 3]  # the last page reached by cursor
    assert [i for p in pages for i in p] == expected  # none repeated, none skipped, ties by id


def test_a_comment_taken_down_between_two_pages_neither_repeats_nor_hides_another(app, factory):
    draft = factory.draft()
    expected = published(factory, draft, 15, ties=2)
    first = published_comments(draft.id, general=True, per_page=5)
    assert ids(first) == expected[:5]
    # One shown on page 1 and the very one the cursor points at are taken down before page 2 is read.
    take_down(expected[2], expected[4])
    second = published_comments(draft.id, general=True, per_page=5, before=decode_cursor(first.older))
    assert ids(second) == expected[5:10]
    # A newer one published meanwhile does not push page 2 along either.
    factory.comment(
        draft,
        body="新公开的意见",
        status="published",
        article_index=None,
        submitted_at=BASE + timedelta(days=1),
    )
    third = published_comments(draft.id, general=True, per_page=5, before=decode_cursor(second.older))
    assert ids(third) == expected[10:15] and third.older is None


def test_newer_cursors_lead_back_to_the_newest_page(app, factory):
    draft = factory.draft()
    expected = published(factory, draft, 12, ties=4)
    first = published_comments(draft.id, general=True, per_page=4)
    assert first.first and first.newer is None
    second = published_comments(draft.id, general=True, per_page=4, before=decode_cursor(first.older))
    third = published_comments(draft.id, general=True, per_page=4, before=decode_cursor(second.older))
    assert ids(third) == expected[8:] and third.older is None and not third.first
    back = published_comments(draft.id, general=True, per_page=4, after=decode_cursor(third.newer))
    assert ids(back) == expected[4:8] and back.older == second.older and back.newer
    newest = published_comments(draft.id, general=True, per_page=4, after=decode_cursor(back.newer))
    assert ids(newest) == expected[:4] and newest.first and newest.newer is None


def test_the_oldest_page_is_one_seek_from_the_start(app, factory):
    draft = factory.draft()
    expected = published(factory, draft, 10, ties=3)
    oldest = published_comments(draft.id, general=True, per_page=4, after=decode_cursor(OLDEST))
    assert ids(oldest) == expected[-4:] and oldest.older is None and oldest.newer


def test_a_page_by_number_links_both_ways(app, factory):
    draft = factory.draft()
    expected = published(factory, draft, 10, ties=2)
    second = published_comments(draft.id, general=True, per_page=4, page=2)
    assert ids(second) == expected[4:8] and second.page == 2 and not second.first
    newer = published_comments(draft.id, general=True, per_page=4, after=decode_cursor(second.newer))
    older = published_comments(draft.id, general=True, per_page=4, before=decode_cursor(second.older))
    assert ids(newer) == expected[:4] and ids(older) == expected[8:]


def test_pages_read_by_cursor_neither_count_nor_skip_rows(app, factory):
    """The last page costs what the first does: a seek, no OFFSET and no count of the whole listing."""
    draft = factory.draft()
    expected = published(factory, draft, 9, ties=3)
    statements: list[tuple[str, object]] = []

    def seen(_conn, _cursor, statement, parameters, *_args):
        statements.append((statement.upper(), parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        last = published_comments(
            draft.id, general=True, per_page=4, before=(BASE + timedelta(minutes=1), expected[5])
        )
        oldest = published_comments(draft.id, general=True, per_page=4, after=decode_cursor(OLDEST))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert ids(last) == expected[6:] and ids(oldest) == expected[5:]
    assert statements and not [s for s, _ in statements if "COUNT(" in s]
    # SQLite's dialect writes "LIMIT ? OFFSET ?" for any LIMIT: there, the offset must be 0.
    assert all(list(p)[-1] == 0 for s, p in statements if "OFFSET" in s)
    assert published_total(draft.id, general=True) == 9
