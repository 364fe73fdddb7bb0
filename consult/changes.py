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

import contextlib
import os
import threading
import weakref

from flask import g, has_request_context
from sqlalchemy import Connection, event, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, UOWTransaction, scoped_session

from consult.change_notices import CHANNEL, NOTIFY, listener_for, own_change_committed
from consult.change_notices import stop_all as stop_listeners
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
# A session whose transaction bumped a counter (on PostgreSQL): its commit moves this process's epoch.
_BUMPED = "consult_counters_bumped"
TRACKED_TABLES = {name: frozenset(m.__table__.name for m in models) for name, models in TRACKED.items()}


def bump(session: Session, name: str = COMMENTS) -> None:
    """Move the counter on, inside the caller's transaction (creating it if an old database lacks it).

    On PostgreSQL the same statement says NOTIFY (``pg_notify`` in its RETURNING: no round trip of its
    own), delivered to the listening workers if and when the transaction commits."""
    postgres = session.get_bind().dialect.name == "postgresql"
    result = session.execute(_moved(name, postgres), execution_options={"synchronize_session": False})
    if _count(result, postgres) == 0:
        session.execute(insert(ChangeCounter).values(name=name, value=1))
        if postgres:
            session.execute(text(NOTIFY))
    if postgres:
        session.info[_BUMPED] = True


def bump_on(connection: Connection, name: str) -> None:
    """bump() for a write made on a connection of its own, outside the ORM (an export's progress)."""
    postgres = connection.dialect.name == "postgresql"
    if _count(connection.execute(_moved(name, postgres)), postgres) == 0:
        connection.execute(insert(ChangeCounter).values(name=name, value=1))
        if postgres:
            connection.execute(text(NOTIFY))


def _moved(name: str, postgres: bool):
    statement = update(ChangeCounter).where(ChangeCounter.name == name).values(value=ChangeCounter.value + 1)
    return statement.returning(func.pg_notify(CHANNEL, "")) if postgres else statement


def _count(result, postgres: bool) -> int:
    return len(result.all()) if postgres else result.rowcount


def generation(session: Session, name: str = COMMENTS) -> int:
    """The counter's current value (read before the data it guards); read once per request.

    In a worker told of changes (consult/change_notices.py) the values may be the ones it read last,
    unless a notice or a commit of its own came since; never for ``accounts``, which is always read:
    a signed-out account must fail on its very next request."""
    if has_request_context():
        if "generations" not in g or (name == ACCOUNTS and g.generations_reusable):
            g.generations_reusable = name != ACCOUNTS
            g.generations = _all(session, reuse=g.generations_reusable)
        return g.generations.get(name, 0)
    return _all(session).get(name, 0)


def _all(session: Session | scoped_session, reuse: bool = False) -> dict[str, int]:
    """Every counter's value (a dict not to be changed: it may be shared by requests)."""
    if isinstance(session, scoped_session):
        if not session.registry.has():
            # No session yet in this request (a kept page may need none at all): read on the pool
            # without making one just to ask it for its engine.
            return _read_all(session.session_factory.kw["db"].engine, reuse)
        session = session()
    if session.in_transaction():
        # Inside a transaction the counters must come from its own snapshot (on SQLite an older one
        # than a fresh read would give), or an entry could be stored under a newer number than its data.
        return dict(session.execute(select(ChangeCounter.name, ChangeCounter.value)).all())
    # Otherwise one autocommit statement on a pooled connection, without the ORM's BEGIN … ROLLBACK
    # around it (a tenth of the cost: this runs on every staff request, usually its only query). The
    # data is read afterwards in a transaction that starts later, so it is as new as these numbers or
    # newer: an entry may show more than its number says, never less.
    return _read_all(session.get_bind(ChangeCounter), reuse)


def _read_all(bind, reuse: bool = False) -> dict[str, int]:
    dbapi_error = bind.dialect.loaded_dbapi.Error
    if _kept.on:
        if not (reuse and bind.dialect.name == "postgresql"):
            return _read_on_kept_connection(bind, dbapi_error)
        listener = listener_for(bind)
        stamp = listener.stamp()  # before the read: a notice during it makes the next request read again
        kept = listener.kept
        if stamp is not None and kept is not None and kept[0] == stamp:
            return kept[1]
        values = _read_on_kept_connection(bind, dbapi_error)
        if stamp is not None:
            listener.kept = (stamp, values)
        return values
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

    On PostgreSQL the worker is also told of changes (consult/change_notices.py): a listener thread
    starts on the first read, and the counters are read again only after a notice.
    """
    _KeptConnections.on = on
    if not on:
        _kept.by_engine.clear()
        stop_listeners()


def _read_on_kept_connection(bind, dbapi_error) -> dict[str, int]:
    for attempt in (1, 2):
        held = _kept.by_engine.get(bind)
        if held is None or held[0] != os.getpid():
            try:
                connection = bind.raw_connection()  # made as the pool makes them (its pre-ping too)
            except dbapi_error as err:
                raise _wrapped(err, bind, dbapi_error) from err
            driver = connection.driver_connection
            connection.detach()  # the thread's own from now on: it takes no place in the pool
            held = _kept.by_engine[bind] = (os.getpid(), connection, driver)
        _pid, connection, driver = held
        try:
            return _select_counters(driver, bind.dialect.name, kept=True)
        except dbapi_error as err:
            _kept.by_engine.pop(bind, None)
            with contextlib.suppress(dbapi_error):
                connection.close()  # detached: closes the driver's connection
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


def _after_commit(session: Session) -> None:
    if session.info.pop(_BUMPED, False):
        own_change_committed()


def _after_rollback(session: Session) -> None:
    session.info.pop(_BUMPED, None)


def track_changes() -> None:
    """Register the session events once per process."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
