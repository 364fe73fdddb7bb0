"""The search worker holds a batch, never the backlog (issue 15, point 6)."""

from __future__ import annotations

import tracemalloc

import pytest
from sqlalchemy import event, select

from consult.db import end_read, write_transaction
from consult.demo.synthetic import add_synthetic_comments
from consult.extensions import db
from consult.models import Comment, OutboxEvent
from consult.search.base import Doc
from consult.search.drain import pending_count
from consult.search.events import queue
from tests.conftest import is_postgres


@pytest.fixture
def app(make_app):
    # The PostgreSQL pass runs these with the postgres backend, the SQLite pass with Whoosh.
    app = make_app(SEARCH_DRAIN_INLINE=False, SEARCH_BACKEND="postgres" if is_postgres() else "whoosh")
    with app.app_context():
        yield app
        db.session.remove()


def backlog(draft, n: int) -> None:
    """``n`` new comments on ``draft`` (their draft row queued) and one row per comment besides."""
    end_read()
    add_synthetic_comments(n, status="published", draft_slug=draft.slug)
    end_read()
    ids = list(db.session.scalars(select(Comment.id).where(Comment.draft_id == draft.id)))
    end_read()
    with write_transaction() as session:
        for n in ids:
            queue(session, "comment", n)
    end_read()


def test_counting_the_backlog_loads_none_of_its_rows(app, factory):
    """It loaded every pending row as an object (a million after a large import) to count them."""
    backlog(factory.draft(), 40)
    loaded = []

    def on_load(target, context):
        loaded.append(target.id)

    event.listen(OutboxEvent, "load", on_load)
    try:
        assert pending_count() >= 40
    finally:
        event.remove(OutboxEvent, "load", on_load)
    assert loaded == []


def test_a_whoosh_write_that_merges_segments_holds_no_more_than_its_pool(tmp_path, monkeypatch):
    """Each commit merges small segments (Whoosh's MERGE_SMALL); the merge's postings went through an
    in-memory pool of up to 128 MB, so a drain's peak grew with the index (7x here before). With the
    pool made 1 MB, a merging commit holds about what a plain one does."""
    from consult.search import whoosh_writing
    from consult.search.whoosh_backend import WhooshBackend

    monkeypatch.setattr(whoosh_writing, "WRITE_POOL_MB", 1)
    engine = WhooshBackend(str(tmp_path / "index"))
    peaks = []
    try:
        for batch in range(24):  # a merge every ten commits or so
            docs = [
                Doc(
                    kind="comment",
                    id=batch * 50 + n + 1,
                    draft_id=1,
                    text=f"建议进一步明确第{n}条的适用范围和执行标准，便于基层落实。（示例意见 {batch}-{n}）",
                    public=True,
                )
                for n in range(50)
            ]
            tracemalloc.start()
            try:
                engine.index(docs)
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
    finally:
        engine.close()
    assert max(peaks) < 2 * peaks[1], peaks
