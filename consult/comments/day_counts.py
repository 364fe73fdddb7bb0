"""Comments per draft, local day of arrival, channel and status, kept in the writing transaction.

The charts' second counter (the first, per article, status and outcome, is consult/comments/counts.py):
``comment_day_count`` answers the public figure per channel (published comments, summed over the days)
and the staff's arrivals per day and channel (every status) by reading a few rows per draft and day,
where a grouped statement over the draft's comments took 1.5 s at a million comments.

It moves by the same session events and in the same way as ``comment_count``:

- ``after_flush``: each comment the flush inserted, deleted, or changed in one of COUNTED (draft,
  channel, status, submitted_at) leaves its old key and joins its new one. Channel and submitted_at are
  mapped with active_history (consult/models/comments.py), so their old values are known when set.
- ``do_orm_execute``: a bulk INSERT of comments is counted from its rows (a row without submitted_at is
  given the time now, so the count and the row agree); a bulk DELETE is counted before it runs; a bulk
  UPDATE that sets the status of every row it matches to one value (a group moderated at once) is counted
  from a grouped SELECT of those rows before it runs (``status_moved_to``); any other bulk UPDATE of a
  counted column is refused (NotCounted).

The day is the calendar day of submitted_at in the configured zone (TIMEZONE), worked out in Python when
the comment is written. Contention: every comment write already takes the ``comments`` change counter
row (consult/changes.py, before_flush), so the per-draft-and-day rows add no waiting and no deadlock.

``differences`` compares the rows with a fresh count; ``flask --app consult counts check --repair``
repairs both counters.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Date, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, UOWTransaction, attributes

from consult.clock import local_zone, utcnow
from consult.comments.count_checks import Difference, compare
from consult.extensions import db
from consult.models import Comment
from consult.models.counts import CommentDayCount
from consult.models.enums import CHANNELS

# (draft_id, local day, channel, status)
Key = tuple[int, date, str, str]
COUNTED = ("draft_id", "channel", "status", "submitted_at")
SQLITE_LOCAL_DAY = "consult_local_day"  # a function given to each SQLite connection that counts afresh


class NotCounted(RuntimeError):
    """A bulk statement would change what a comment counter counts without the counter knowing."""


def status_moved_to(state, counted: tuple[str, ...]) -> str | None:
    """The one status a bulk UPDATE of comments gives every row it matches, when the status is all it sets
    of ``counted`` (a plain value, not per-row executemany parameters); None for any other UPDATE.

    Such an UPDATE is counted from a grouped SELECT of its rows run just before it, in its transaction: its
    caller takes the ``comments`` change counter first (consult/changes.py), as every comment write does,
    so on PostgreSQL no other write moves those rows in between. ``check_moved`` refuses the statement if
    it changed another number of rows than were counted.
    """
    statement = state.statement
    values = {getattr(k, "key", k): v for k, v in (statement._values or {}).items()}
    if state.parameters or getattr(statement, "_ordered_values", None):
        return None
    if set(values) & set(counted) != {"status"}:
        return None
    value = getattr(values["status"], "value", None)
    return value if isinstance(value, str) else None


def check_moved(result, counted: int) -> None:
    """Refuse (NotCounted, so the transaction rolls back) an UPDATE that moved other rows than counted."""
    if result.rowcount != counted:
        raise NotCounted(f"a bulk status change updated {result.rowcount} comments, {counted} were counted")


def local_day(when: datetime) -> date:
    """The calendar day people read ``when`` (aware, or naive UTC) as."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(local_zone()).date()


def key(draft_id: int, submitted_at: datetime, channel: str | None, status: str | None) -> Key:
    """The counter row a comment belongs to (channel and status as the columns' defaults fill them)."""
    return (draft_id, local_day(submitted_at), channel or "web", status or "pending")


def apply(connection: Connection, deltas: Counter) -> None:
    """Add each delta to its row (created at need), in key order, inside the caller's transaction."""
    rows = [
        {"draft_id": k[0], "day": k[1], "channel": k[2], "status": k[3], "n": d}
        for k, d in sorted(deltas.items())
        if d
    ]
    if not rows:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(CommentDayCount)
    statement = statement.on_conflict_do_update(
        index_elements=[
            CommentDayCount.draft_id,
            CommentDayCount.day,
            CommentDayCount.channel,
            CommentDayCount.status,
        ],
        set_={"n": CommentDayCount.n + statement.excluded.n},
    )
    connection.execute(statement, rows)


def _was(obj, attr: str):
    """An attribute's value before this flush (see consult/comments/counts.py)."""
    history = attributes.get_history(obj, attr, passive=attributes.PASSIVE_NO_INITIALIZE)
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(obj, attr)


def _now(obj) -> Key:
    return key(obj.draft_id, obj.submitted_at, obj.channel, obj.status)


def _before(obj) -> Key:
    return key(*(_was(obj, a) for a in ("draft_id", "submitted_at", "channel", "status")))


def flush_deltas(session: Session) -> Counter:
    """How the flush that just ran moves the counters."""
    deltas: Counter = Counter()
    for obj in session.new:
        if isinstance(obj, Comment):
            deltas[_now(obj)] += 1
    for obj in session.dirty:
        if isinstance(obj, Comment) and any(
            attributes.get_history(obj, a, passive=attributes.PASSIVE_NO_INITIALIZE).added for a in COUNTED
        ):
            deltas[_before(obj)] -= 1
            deltas[_now(obj)] += 1
    for obj in session.deleted:
        if isinstance(obj, Comment):
            deltas[_before(obj)] -= 1
    return deltas


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    deltas = flush_deltas(session)
    if deltas:
        apply(session.connection(), deltas)


def _do_orm_execute(state):
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    if table is None or table.name != Comment.__tablename__:
        return None
    if state.is_update:
        if not _sets(state) & set(COUNTED):
            return None
        status = status_moved_to(state, COUNTED)
        if status is None:
            raise NotCounted("a comment's draft, channel, status or time changes through the ORM")
        before = grouped(state.session.connection(), state.statement.whereclause)
        result = state.invoke_statement()
        check_moved(result, sum(before.values()))
        moved: Counter = Counter()
        for (draft_id, day, channel, was), n in before.items():
            moved[(draft_id, day, channel, was)] -= n
            moved[(draft_id, day, channel, status)] += n
        apply(state.session.connection(), moved)
        return result
    deltas: Counter = Counter()
    params = now = None
    if state.is_insert:
        rows = state.parameters
        if not rows:
            raise NotCounted("a bulk INSERT of comments passes its rows to execute(), so they can be counted")
        rows = [rows] if isinstance(rows, dict) else rows
        if any(not row.get("submitted_at") for row in rows):
            now = utcnow()  # what the column's default would give, here for the count and the row alike
            params = [{} if row.get("submitted_at") else {"submitted_at": now} for row in rows]
            if isinstance(state.parameters, dict):
                params = params[0]
        for row in rows:
            when = row.get("submitted_at") or now
            deltas[key(row["draft_id"], when, row.get("channel"), row.get("status"))] += 1
    else:
        for k, n in grouped(state.session.connection(), state.statement.whereclause).items():
            deltas[k] -= n
    result = state.invoke_statement(params=params) if params else state.invoke_statement()
    apply(state.session.connection(), deltas)
    return result


def _sets(state) -> set[str]:
    """The columns an UPDATE statement (or its executemany rows) sets."""
    statement = state.statement
    names = {getattr(k, "key", k) for k in (statement._values or {})}
    names |= {getattr(k, "key", k) for k, _v in (getattr(statement, "_ordered_values", None) or ())}
    parameters = state.parameters
    for row in [parameters] if isinstance(parameters, dict) else parameters or []:
        names |= set(row)
    return names


def track_day_counts() -> None:
    """Register the session events once per process."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)


# --- fresh counts and the check -----------------------------------------------------------------------


def _sqlite_local_day(stored: str | None) -> str | None:
    # SQLite keeps UTC as naive text ("2026-12-06 10:23:30.000000").
    return None if stored is None else local_day(datetime.fromisoformat(stored)).isoformat()


def _day_column(connection: Connection):
    """The local day of submitted_at in SQL: exact on both (PostgreSQL's time zones; on SQLite, Python's)."""
    if connection.dialect.name == "postgresql":
        return func.date(func.timezone(local_zone().key, Comment.submitted_at))
    raw = connection.connection.driver_connection
    raw.create_function(SQLITE_LOCAL_DAY, 1, _sqlite_local_day, deterministic=True)
    return getattr(func, SQLITE_LOCAL_DAY)(Comment.submitted_at, type_=Date)


def grouped(connection: Connection, where=None) -> dict[Key, int]:
    """Every key's count from the comments themselves (reads every comment matched: checks, never pages)."""
    day = _day_column(connection)
    query = select(Comment.draft_id, day, Comment.channel, Comment.status, func.count(Comment.id)).group_by(
        Comment.draft_id, day, Comment.channel, Comment.status
    )
    if where is not None:
        query = query.where(where)
    found: Counter = Counter()
    for draft_id, when, channel, status, n in connection.execute(query):
        if isinstance(when, str):  # SQLite without the type's processing
            when = date.fromisoformat(when)
        found[(draft_id, when, channel, status)] += int(n)
    return {k: n for k, n in found.items() if n}


def stored(connection: Connection) -> dict[Key, int]:
    """Every key's counter (zeros left out)."""
    rows = connection.execute(
        select(
            CommentDayCount.draft_id,
            CommentDayCount.day,
            CommentDayCount.channel,
            CommentDayCount.status,
            CommentDayCount.n,
        )
    )
    return {(d, day, c, s): n for d, day, c, s, n in rows if n}


class DayDifference(Difference):
    """A counter per day and channel that does not say what the comments do."""


def differences(connection: Connection) -> list[DayDifference]:
    """Counters that differ from a fresh count, in key order."""
    return compare(stored(connection), grouped(connection), DayDifference)


def repair(connection: Connection, found: list[DayDifference]) -> None:
    """Set each differing counter to its fresh count (the caller holds the comments change counter)."""
    apply(connection, Counter({d.key: d.counted - d.stored for d in found}))


# --- reads --------------------------------------------------------------------------------------------


def published_by_channel(draft_id: int) -> dict[str, int]:
    """Published comments of a draft per channel, in the channels' fixed order (zeros included)."""
    rows = db.session.execute(
        select(CommentDayCount.channel, func.sum(CommentDayCount.n))
        .where(CommentDayCount.draft_id == draft_id, CommentDayCount.status == "published")
        .group_by(CommentDayCount.channel)
    )
    found = {channel: int(n or 0) for channel, n in rows}
    return {channel: found.get(channel, 0) for channel in CHANNELS}


def by_day_and_channel(draft_id: int) -> dict[date, Counter]:
    """Every comment of a draft (any status) per local day of arrival and channel."""
    rows = db.session.execute(
        select(CommentDayCount.day, CommentDayCount.channel, func.sum(CommentDayCount.n))
        .where(CommentDayCount.draft_id == draft_id)
        .group_by(CommentDayCount.day, CommentDayCount.channel)
    )
    found: dict[date, Counter] = {}
    for day, channel, n in rows:
        if n:
            found.setdefault(day, Counter())[channel] += int(n)
    return found


track_day_counts()  # registered on import, with consult/comments/counts.py (which imports this module)
