"""The search worker holds a batch, never the backlog (issue 15, point 6)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from consult.db import end_read, write_transaction
from consult.demo.synthetic import add_synthetic_comments
from consult.extensions import db
from consult.models import Comment, OutboxEvent
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
