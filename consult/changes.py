"""Know cheaply whether data changed: counters bumped in the same transaction as the change.

Every ORM flush that adds, changes or deletes a row of a tracked table, and every ORM bulk statement
on one, bumps its counter inside the writing transaction: ``comments`` (comments and what the staff
queue and review pages show with them: decisions, drafts, article texts, contact points, intake
batches, internal notes and assignments) and
``accounts`` (users, API tokens, contact points). A reader that takes the counters *before* reading
the data can cache what it read under those numbers: a later change commits a higher number, and an
entry under an old number is never served again. One query per request reads all counters.
"""

from __future__ import annotations

import os
import threading
import weakref

from flask import g, has_request_context
from sqlalchemy import Connection, event, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, UOWTransaction, scoped_session

from consult.models import (
    ApiToken,
    Article,
    ArticleText,
    Assignment,
    Comment,
    ContactPoint,
    Decision,
    Draft,
    DraftVersion,
    ExportJob,
    IntakeBatch,
    ReviewNote,
    User,
)
from consult.models.changes import ChangeCounter

COMMENTS = "comments"
ACCOUNTS = "accounts"
EXPORTS = "exports"  # export jobs: queued, their progress, done (the staff review overview lists them)
TRACKED = {
    COMMENTS: (
        Comment,
        Decision,
        Draft,
        DraftVersion,
        Article,
        ArticleText,
        ContactPoint,
        IntakeBatch,
        ReviewNote,
        Assignment,
    ),
    ACCOUNTS: (User, ApiToken, ContactPoint),
    EXPORTS: (ExportJob,),
}
TRACKED_TABLES = {name: frozenset(m.__table__.name for m in models) for name, models in TRACKED.items()}


def bump(session: Session, name: str = COMMENTS) -> None:
    """Move the counter on, inside the caller's transaction (creating it if an old database lacks it)."""
    result = session.execute(
        update(ChangeCounter).where(ChangeCounter.name == name).values(value=ChangeCounter.value + 1),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount == 0:
        session.execute(insert(ChangeCounter).values(name=name, value=1))


def bump_on(connection: Connection, name: str) -> None:
    """bump() for a write made on a connection of its own, outside the ORM (an export's progress)."""
    result = connection.execute(
        update(ChangeCounter).where(ChangeCounter.name == name).values(value=ChangeCounter.value + 1)
    )
    if result.rowcount == 0:
        connection.execute(insert(ChangeCounter).values(name=name, value=1))


def generation(session: Session, name: str = COMMENTS) -> int:
    """The counter's current value (read before the data it guards); read once per request."""
    if has_request_context():
        if "generations" not in g:
            g.generations = _all(session)
        return g.generations.get(name, 0)
    return _all(session).get(name, 0)


def _all(session: Session | scoped_session) -> dict[str, int]:
    if isinstance(session, scoped_session):
        if not session.registry.has():
            # No session yet in this request (a kept page may need none at all): read on the pool
            # without making one just to ask it for its engine.
            return _read_all(session.session_factory.kw["db"].engine)
        session = session()
    if session.in_transaction():
        # Inside a transaction the counters must come from its own snapshot (on SQLite an older one
        # than a fresh read would give), or an entry could be stored under a newer number than its data.
        return dict(session.execute(select(ChangeCounter.name, ChangeCounter.value)).all())
    # Otherwise one autocommit statement on a pooled connection, without the ORM's BEGIN … ROLLBACK
    # around it (a tenth of the cost: this runs on every staff request, usually its only query). The
    # data is read afterwards in a transaction that starts later, so it is as new as these numbers or
    # newer: an entry may show more than its number says, never less.
    return _read_all(session.get_bind(ChangeCounter))


def _read_all(bind) -> dict[str, int]:
    dbapi_error = bind.dialect.loaded_dbapi.Error
    if _kept.on:
        return _read_on_kept_connection(bind, dbapi_error)
    try:
        connection = bind.raw_connection()
        try:
            return _select_counters(connection.driver_connection, bind.dialect.name)
        finally:
            connection.close()  # back to the pool (which rolls back whatever the driver began)
    except dbapi_error as err:
        raise _wrapped(err, bind, dbapi_error) from err


def _select_counters(driver, dialect: str, kept: bool = False) -> dict[str, int]:
    # On PostgreSQL the driver opens a transaction for a statement: BEGIN, the SELECT and the pool's
    # ROLLBACK on return, three round trips to the server on every staff request. In autocommit the
    # SELECT goes alone (SQLAlchemy's pre-ping toggles it the same way). A kept connection stays in it.
    toggle = dialect == "postgresql" and not driver.autocommit
    if toggle:
        driver.autocommit = True
    cursor = driver.cursor()
    try:
        cursor.execute(_READ_ALL)
        return {name: int(value) for name, value in cursor.fetchall()}
    finally:
        cursor.close()
        if toggle and not kept and not driver.closed:
            driver.autocommit = False


def _wrapped(err: Exception, bind, dbapi_error) -> DBAPIError:
    # A raw connection bypasses SQLAlchemy's wrapping of the driver's errors: wrap them here, so a
    # refused or lost database is the 503 of consult/errors.py like on any other read, not a 500.
    return DBAPIError.instance(_READ_ALL, None, err, dbapi_error, dialect=bind.dialect)


class _KeptConnections(threading.local):
    """Per thread: the connection each engine's counters are read on, once ``keep_reader_connections``
    turned keeping on (a gunicorn worker, whose threads live as long as it does)."""

    on = False  # the class attribute, for every thread: set by keep_reader_connections

    def __init__(self) -> None:
        self.by_engine: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_kept = _KeptConnections()


def keep_reader_connections(on: bool = True) -> None:
    """Read the counters on a connection each thread keeps, not one taken from the pool per request.

    Taking one costs the pool's checkout and return and, on PostgreSQL, its pre-ping: a round trip to
    the server before the SELECT, on every request of every page (the counters are often a kept page's
    only query). A kept connection is asked directly; if it was lost (a database restart), it is thrown
    away and the read is made once more on a fresh one from the pool, so a restart is still a 503 only
    while the database is down. Called in each gunicorn worker after the fork (gunicorn.conf.py):
    the threads of a development server or of the tests come and go, and would leave connections
    behind.
    """
    _KeptConnections.on = on
    if not on:
        _kept.by_engine.clear()


def _read_on_kept_connection(bind, dbapi_error) -> dict[str, int]:
    for attempt in (1, 2):
        held = _kept.by_engine.get(bind)
        if held is None or held[0] != os.getpid():
            try:
                held = _kept.by_engine[bind] = (os.getpid(), bind.raw_connection())
            except dbapi_error as err:
                raise _wrapped(err, bind, dbapi_error) from err
        connection = held[1]
        try:
            return _select_counters(connection.driver_connection, bind.dialect.name, kept=True)
        except dbapi_error as err:
            _kept.by_engine.pop(bind, None)
            connection.invalidate()  # closed, and never handed out again
            if attempt == 2:
                raise _wrapped(err, bind, dbapi_error) from err
    raise AssertionError("unreachable")


_READ_ALL = f"SELECT name, value FROM {ChangeCounter.__tablename__}"


def _before_flush(session: Session, flush_context: UOWTransaction, instances) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    for name, models in TRACKED.items():
        if any(isinstance(obj, models) for obj in changed):
            bump(session, name)


def _do_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None:
        return
    for name, tables in TRACKED_TABLES.items():
        if table.name in tables:
            bump(state.session, name)


def track_changes() -> None:
    """Register the session events once per process."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
