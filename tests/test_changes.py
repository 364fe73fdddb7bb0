"""The change counter moves with every write that affects what staff listings show, and only then."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert, select

from consult import changes
from consult.changes import generation, keep_reader_connections
from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import AuditLog, Comment, Decision


def now_generation() -> int:
    end_read()
    value = generation(db.session)
    end_read()
    return value


def test_orm_writes_to_tracked_tables_move_the_counter(factory):
    draft = factory.draft()
    before = now_generation()
    comment = factory.comment(draft)
    assert now_generation() > before
    before = now_generation()
    with write_transaction() as session:
        session.get(Comment, comment.id).status = "published"
    assert now_generation() == before + 1
    with write_transaction() as session:
        session.add(Decision(comment_id=comment.id, outcome="adopted", reason="", decided_at=utcnow()))
    assert now_generation() == before + 2


def test_bulk_inserts_move_it_and_reads_or_untracked_writes_do_not(factory):
    draft = factory.draft()
    version_id = draft.current_version.id
    before = now_generation()
    db.session.scalars(select(Comment)).all()  # a read
    end_read()
    with write_transaction() as session:
        session.add(AuditLog(action="test.thing", details={}))  # a table no listing cache shows
    assert now_generation() == before
    with write_transaction() as session:
        session.execute(
            insert(Comment),
            [{"draft_id": draft.id, "version_id": version_id, "body": "批量", "receipt_code": "9" * 13}],
        )
    assert now_generation() == before + 1


def test_a_failed_write_leaves_the_counter_alone(factory):
    draft = factory.draft()
    version_id = draft.current_version.id
    before = now_generation()
    try:
        with write_transaction() as session:
            session.add(Comment(draft_id=draft.id, version_id=version_id, body="x", receipt_code="8" * 13))
            session.flush()
            raise RuntimeError("the operation failed after flushing")
    except RuntimeError:
        pass
    assert now_generation() == before


def _in_transaction(dbapi_connection) -> bool:
    """Whether the driver's connection has a transaction open (psycopg or sqlite3)."""
    status = getattr(getattr(dbapi_connection, "info", None), "transaction_status", None)
    if status is not None:  # psycopg
        from psycopg.pq import TransactionStatus  # only where the driver is psycopg

        return status != TransactionStatus.IDLE
    return dbapi_connection.in_transaction


def test_the_counters_are_read_without_a_transaction_for_the_pool_to_roll_back(app):
    """Read on every staff request: on PostgreSQL a statement outside autocommit opens a transaction,
    so BEGIN and the pool's ROLLBACK on return went to the server beside the SELECT (three round trips
    where one does)."""
    end_read()
    left_open = []

    def on_reset(dbapi_connection, _record, _state):  # before the pool rolls back what is open
        left_open.append(_in_transaction(dbapi_connection))

    event.listen(db.engine.pool, "reset", on_reset)
    try:
        assert generation(db.session) >= 0
    finally:
        event.remove(db.engine.pool, "reset", on_reset)
    assert left_open == [False]


@pytest.fixture
def kept_readers():
    """What a gunicorn worker turns on after the fork (gunicorn.conf.py's post_fork)."""
    keep_reader_connections()
    try:
        yield
    finally:
        keep_reader_connections(False)


def test_a_worker_reads_the_counters_on_a_connection_its_thread_keeps(app, factory, kept_readers):
    """Before: every read took a connection from the pool (its checkout and return, and on PostgreSQL
    the pre-ping's round trip)."""
    end_read()
    db.session.remove()
    before = changes._all(db.session).get(changes.COMMENTS, 0)
    factory.draft()
    db.session.remove()
    checkouts = []

    def on_checkout(*_args):
        checkouts.append(1)

    event.listen(db.engine.pool, "checkout", on_checkout)
    try:
        reads = [changes._all(db.session) for _ in range(5)]
    finally:
        event.remove(db.engine.pool, "checkout", on_checkout)
    assert checkouts == []
    assert all(read[changes.COMMENTS] > before for read in reads)  # the write is seen: no old snapshot
    factory.draft()
    db.session.remove()
    assert changes._all(db.session)[changes.COMMENTS] > reads[-1][changes.COMMENTS]


def test_a_lost_kept_connection_is_replaced_and_the_read_made_again(app, factory, kept_readers):
    end_read()
    db.session.remove()
    first = changes._all(db.session)
    _pid, kept, driver = changes._kept.by_engine[db.engine]
    driver.close()  # as a database restart leaves it
    assert changes._all(db.session) == first
    assert changes._kept.by_engine[db.engine][1] is not kept
