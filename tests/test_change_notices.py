"""A worker told of changes (consult/change_notices.py) reads the change counters again only after a
notice or a commit of its own, and always reads ``accounts``. PostgreSQL only (LISTEN/NOTIFY): these
run in the suite's PostgreSQL pass; SQLite keeps reading on every request."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from consult import change_notices, changes
from consult.changes import ACCOUNTS, COMMENTS, bump_on, generation, keep_reader_connections
from consult.db import end_read
from consult.extensions import db
from tests.conftest import TEST_DATABASE_URL, is_postgres

pytestmark = pytest.mark.skipif(not is_postgres(), reason="LISTEN/NOTIFY: runs in the PostgreSQL pass")


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not within the time")
        time.sleep(0.02)


@pytest.fixture
def told(app, monkeypatch):
    """A worker's setting (gunicorn.conf.py's post_fork), with its reads of the database counted."""
    reads = []
    real = changes._select_counters

    def counted(*args, **kwargs):
        reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(changes, "_select_counters", counted)
    end_read()
    db.session.remove()
    keep_reader_connections()
    try:
        yield reads
    finally:
        keep_reader_connections(False)  # stops the listener and waits for its connection to close


def read(app, name: str = COMMENTS) -> int:
    """One request's read (each request has its own ``g``)."""
    with app.app_context(), app.test_request_context():
        return generation(db.session, name)


def listening(app):
    with app.app_context():
        listener = change_notices.listener_for(db.engine)
    wait_for(lambda: listener.listening)
    return listener


def other_process_bumps(name: str = COMMENTS) -> None:
    """A write committed elsewhere (another worker, a command, another host)."""
    engine = create_engine(TEST_DATABASE_URL, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            bump_on(connection, name)
    finally:
        engine.dispose()


def test_the_counters_are_read_again_only_after_a_notice(app, told):
    first = read(app)
    listener = listening(app)
    read(app)  # the first read since the listener said LISTEN: kept from now on
    told.clear()
    assert [read(app) for _ in range(5)] == [first] * 5
    assert told == []  # nothing asked of the database
    epoch = listener.epoch
    other_process_bumps()
    wait_for(lambda: listener.epoch > epoch)
    assert read(app) == first + 1
    assert told == [1]
    assert read(app) == first + 1 and told == [1]


def test_a_commit_of_this_process_is_seen_at_once(app, told, factory):
    read(app)
    listening(app)
    read(app)
    before = change_notices._own_epoch
    factory.draft()  # commits, and bumps the counter
    assert change_notices._own_epoch > before  # before any notice could have come
    told.clear()
    read(app)
    assert told == [1]


def test_accounts_is_always_read_from_the_database(app, told):
    read(app)
    listening(app)
    read(app)
    told.clear()
    assert read(app, ACCOUNTS) >= 0
    assert read(app, ACCOUNTS) >= 0
    assert told == [1, 1]
    with app.app_context(), app.test_request_context():
        generation(db.session, COMMENTS)  # kept
        generation(db.session, ACCOUNTS)  # read, though the request has the others already
    assert told == [1, 1, 1]


def test_a_lost_listener_means_reading_until_it_listens_again(app, told):
    read(app)
    listener = listening(app)
    engine = create_engine(TEST_DATABASE_URL, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN %'"
                )
            ).scalar()
    finally:
        engine.dispose()
    assert killed == 1
    wait_for(lambda: not listener.listening)
    told.clear()
    read(app)
    read(app)
    assert len(told) == 2  # read on each request meanwhile
    wait_for(lambda: listener.listening)
    read(app)
    told.clear()
    read(app)
    assert told == []
