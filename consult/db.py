"""One way to write: write_transaction(), and the SQLite connection settings.

SQLite allows one writer. A transaction that starts by reading and later writes takes its write lock
late, and when another writer got there first SQLite answers "database is locked" at once, whatever
the busy timeout. So writes begin with BEGIN IMMEDIATE (taking the lock up front and waiting politely
for it), and write_transaction() refuses to start inside a transaction a door already opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from consult.errors import COMMITTED, NOT_SAVED, OUTCOME_UNKNOWN, ServiceUnavailable, connection_lost
from consult.extensions import db

IMMEDIATE = "consult_begin_immediate"
AFTER_COMMIT_KEY = "consult_after_commit"


class NestedWriteError(RuntimeError):
    """write_transaction() was called while the session already held a transaction."""


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Apply WAL, busy timeout and foreign keys on every new connection, and take over BEGIN."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(IMMEDIATE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def init_db(app: Flask) -> None:
    """Bind the SQLite settings to the app's engine when the database is SQLite."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


@contextmanager
def write_transaction() -> Iterator[Session]:
    """Run a block of writes as one transaction: commit on success, roll back on any error.

    Usage::

        with write_transaction() as session:
            session.add(obj)

    A read-only transaction a door opened (to find the draft, render a form) is ended first: on
    SQLite a transaction that read and then writes takes its lock late and fails at once with
    "database is locked", so the write always begins afresh with BEGIN IMMEDIATE. Raises
    NestedWriteError only when the open transaction holds changes not yet written: those would be
    committed, or lost, by someone who did not mean to.

    A lost database connection becomes ServiceUnavailable (503): NOT_SAVED when it was lost before
    COMMIT, OUTCOME_UNKNOWN when it was lost during COMMIT (the server may have committed).
    """
    session = db.session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise NestedWriteError(
                "write_transaction() started while the session holds unsaved changes; "
                "make them inside the write transaction"
            )
        session.rollback()  # a read-only transaction: nothing is lost
    try:
        # Procure the connection now, so BEGIN IMMEDIATE is the first statement of this transaction.
        session.connection(execution_options={IMMEDIATE: True})
        yield session
        session.flush()
    except BaseException as err:
        _roll_back(session)
        if connection_lost(err):  # nothing was committed: say so (503, "not saved")
            raise ServiceUnavailable(NOT_SAVED) from err
        raise
    try:
        session.commit()
    except BaseException as err:
        _roll_back(session)
        if connection_lost(err):
            # The connection dropped during COMMIT: the server may have committed before it went. Only a
            # read can tell (a retry with the same submission key answers the first receipt if so).
            raise ServiceUnavailable(OUTCOME_UNKNOWN) from err
        raise
    g.setdefault(COMMITTED, True)  # a lost connection later in the request must not say "not saved"
    _run_after_commit()


def _roll_back(session: Session) -> None:
    """Roll back after an error; on a connection already lost the rollback's own failure says nothing new."""
    try:
        session.rollback()
    except DBAPIError as err:
        if not connection_lost(err):
            raise


def end_read() -> None:
    """End a read-only transaction now: returns the connection to the pool (long-running readers)."""
    session = db.session()
    if session.in_transaction():
        session.rollback()


def after_commit(callback: Callable[[], None]) -> None:
    """Register work to run after every successful write_transaction (e.g. draining the outbox)."""
    current_app.extensions.setdefault(AFTER_COMMIT_KEY, []).append(callback)


def _run_after_commit() -> None:
    for callback in current_app.extensions.get(AFTER_COMMIT_KEY, []):
        try:
            callback()
        except Exception:  # derived work must never undo or hide a committed write
            current_app.logger.exception("after-commit work failed; the outbox will retry it")
