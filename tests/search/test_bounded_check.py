"""`search check` reads the index and the database in bounded batches (issue 15, point 6).

It held every document of the database and every key of the index at once (1.2 GB at 950,000
comments). These tests prove the bound without timing anything: with the batches made small, each read
returns a batch at most and the differences are still found (and repaired) across batch boundaries;
and the peak memory of a check (tracemalloc) stays about the same when the corpus is ten times larger.
"""

from __future__ import annotations

import tracemalloc

import pytest
from sqlalchemy import event

from consult.db import end_read, write_transaction
from consult.demo.synthetic import add_synthetic_comments
from consult.extensions import db
from consult.models import Comment
from consult.search import maintenance, postgres_backend, whoosh_listing
from consult.search.base import Doc
from consult.search.maintenance import check, reindex
from consult.search.service import backend
from tests.conftest import is_postgres


@pytest.fixture
def app(make_app):
    # The PostgreSQL pass runs these with the postgres backend, the SQLite pass with Whoosh.
    app = make_app(SEARCH_DRAIN_INLINE=False, SEARCH_BACKEND="postgres" if is_postgres() else "whoosh")
    with app.app_context():
        yield app
        db.session.remove()


def seeded(factory, n: int):
    """A draft with ``n`` published comments, indexed; returns the draft."""
    draft = factory.draft()
    end_read()
    add_synthetic_comments(n, status="published", draft_slug=draft.slug)
    end_read()
    reindex()
    return draft


def comment_ids(draft) -> list[int]:
    ids = list(
        db.session.scalars(db.select(Comment.id).where(Comment.draft_id == draft.id).order_by(Comment.id))
    )
    end_read()
    return ids


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 3 on both sides; records what each database read and each index read returned."""
    monkeypatch.setattr(maintenance, "CHECK_BATCH", 3)
    monkeypatch.setattr(whoosh_listing, "WINDOW", 3)
    monkeypatch.setattr(postgres_backend, "STREAM_BATCH", 3)
    reads = {"database": [], "index": []}

    def recording(read, name):
        def wrapper(*args, **kwargs):
            docs = list(read(*args, **kwargs))
            reads[name].append(len(docs))
            return iter(docs)

        return wrapper

    monkeypatch.setattr(maintenance, "comment_docs", recording(maintenance.comment_docs, "database"))
    monkeypatch.setattr(maintenance, "article_docs", recording(maintenance.article_docs, "database"))
    window = whoosh_listing._window

    def recorded_window(*args, **kwargs):
        rows, last = window(*args, **kwargs)
        reads["index"].append(len(rows))
        return rows, last

    monkeypatch.setattr(whoosh_listing, "_window", recorded_window)

    def streamed(conn, cursor, statement, parameters, context, executemany):
        if "SELECT id, fingerprint FROM" in statement:
            # a server-side cursor fetching 3 rows at a time, never the whole table at once
            reads["index"].append(context.execution_options.get("yield_per"))

    event.listen(db.engine, "before_cursor_execute", streamed)
    yield reads
    event.remove(db.engine, "before_cursor_execute", streamed)


def test_check_reads_both_sides_in_batches_and_still_finds_every_difference(app, factory, small_batches):
    draft = seeded(factory, 14)
    ids = comment_ids(draft)
    engine = backend()
    lost, changed, gone, last = ids[4], ids[8], ids[10], ids[-1]
    engine.remove([f"comment:{lost}", f"comment:{last}"])  # lost: inside a batch, and the very last
    ghost = ids[-1] + 7  # extra: after the database's last id
    engine.index(
        [
            Doc(kind="comment", id=ghost, draft_id=draft.id, text="幽灵意见", public=True),
            Doc(kind="article", id=999_999, draft_id=draft.id, text="幽灵条文", public=True),
        ]
    )
    with write_transaction() as session:  # behind the index's back (no outbox row)
        table = Comment.__table__
        session.execute(table.update().where(Comment.id == changed).values(body="直接改掉的内容。"))
        session.execute(table.delete().where(Comment.id == gone))  # extra: between the database's ids

    diff = check()

    assert diff.missing == sorted([f"comment:{lost}", f"comment:{last}"])
    assert diff.extra == sorted(["article:999999", f"comment:{gone}", f"comment:{ghost}"])
    assert diff.stale == [f"comment:{changed}"]
    database, index = small_batches["database"], small_batches["index"]
    assert max(database) <= 3 and len(database) >= 14 // 3  # keyset batches, never the corpus
    if is_postgres():
        assert index == [3, 3]  # one streamed query per kind, 3 rows per fetch
    else:
        assert max(index) <= 3 and len(index) >= 14 // 3  # windows of 3 ids
    diff = check(repair=True)
    assert not diff.clean  # it reports what it repaired
    assert check().clean


def peak_of_check() -> int:
    """Bytes allocated at the peak of one `search check` (Python objects, tracemalloc)."""
    end_read()
    tracemalloc.start()
    try:
        assert check().clean
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_memory_of_a_check_does_not_grow_with_the_corpus(app, factory, monkeypatch):
    """200 comments, then 2,000 more: the peak stays within 3x (it was about 10x holding everything)."""
    monkeypatch.setattr(maintenance, "CHECK_BATCH", 100)
    monkeypatch.setattr(whoosh_listing, "WINDOW", 100)
    monkeypatch.setattr(postgres_backend, "STREAM_BATCH", 100)
    draft = seeded(factory, 200)
    peak_of_check()  # the first check opens the searcher and warms caches: not the corpus
    small = peak_of_check()
    end_read()
    add_synthetic_comments(2000, status="published", draft_slug=draft.slug)
    end_read()
    reindex()
    peak_of_check()
    large = peak_of_check()
    print(f"peak of a check: {small:,} bytes at 200 comments, {large:,} at 2,200")
    assert large < 3 * small, (small, large)
