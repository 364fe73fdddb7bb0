"""Comment counts kept in the writing transaction, so no page counts comments when it is viewed.

One home for the rule. ``comment_count`` holds, per draft, article (GENERAL: the draft as a whole),
status and decision outcome (UNDECIDED: none), how many comments there are. It moves by session events,
not by calls in each operation, so every way a comment is written keeps it, including ways added later:

- ``after_flush``: every comment the flush inserted, changed (draft, article, status) or deleted, and
  every decision it inserted, changed or deleted, moves one comment from its old key to its new one.
  At that point the flush's own statements ran (ids and foreign keys are known) and the attributes'
  history still says what each row was before; the upserts run on the flush's connection, so they commit
  or roll back with the change, savepoints included.
- ``do_orm_execute``: an ORM bulk INSERT of comments (the synthetic-data loader) is counted from its
  rows; a bulk DELETE of comments is counted before it runs; a bulk write of decisions is counted from
  the SELECT of what it moves that it passes (DECISION_MOVES: a group's decision fanned out); a bulk
  UPDATE that gives every comment it matches one status (a group moderated at once) is counted from a
  grouped SELECT of those comments before it runs (day_counts.status_moved_to); any other bulk UPDATE of
  a comment's draft, article or status, or a bulk write of decisions without DECISION_MOVES, is refused
  (NotCounted): do it through the ORM.
  Dropping a draft drops its rows (ON DELETE CASCADE).

Contention: an upsert (INSERT … ON CONFLICT DO UPDATE SET n = n + d, PostgreSQL and SQLite alike) per
key a flush moves, in key order. There is no per-draft row: a draft's totals are sums of its rows, so
submissions to one article wait only for each other on that article's row, and they already wait for
one another on the ``comments`` change counter (consult/changes.py), which every comment write bumps
in ``before_flush``, before these upserts run; so the counters add no waiting and, taken after that
row, no deadlock.

``check`` compares the rows with a fresh count (``flask --app consult counts check [--repair]``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Connection, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, UOWTransaction, attributes

from consult.changes import bump
from consult.comments import day_counts  # its own counter, registered with this one
from consult.comments.count_checks import Difference, compare
from consult.db import write_transaction
from consult.extensions import db
from consult.models import Comment, CommentCount, Decision
from consult.models.comments import DECISION_MOVES
from consult.models.counts import GENERAL, UNDECIDED

# (draft_id, article_id or GENERAL, status, outcome or UNDECIDED)
Key = tuple[int, int, str, str]
COUNTED = ("draft_id", "article_id", "status")


# A bulk statement would change what a counter counts without the counter knowing (one class for both).
NotCounted = day_counts.NotCounted


def key(draft_id: int, article_id: int | None, status: str, outcome: str | None) -> Key:
    """The counter row a comment belongs to."""
    return (draft_id, GENERAL if article_id is None else article_id, status, outcome or UNDECIDED)


# --- moving the counters ------------------------------------------------------------------------------


def apply(connection: Connection, deltas: Counter) -> None:
    """Add each delta to its row (created at need), in key order, inside the caller's transaction."""
    rows = [
        {"draft_id": k[0], "article_id": k[1], "status": k[2], "outcome": k[3], "n": d}
        for k, d in sorted(deltas.items())
        if d
    ]
    if not rows:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(CommentCount)
    statement = statement.on_conflict_do_update(
        index_elements=[
            CommentCount.draft_id,
            CommentCount.article_id,
            CommentCount.status,
            CommentCount.outcome,
        ],
        set_={"n": CommentCount.n + statement.excluded.n},
    )
    connection.execute(statement, rows)


_MISSING = object()


def _was(obj, attr: str):
    """An attribute's value before this flush (its history still holds it in after_flush). The counted
    columns are mapped with active_history, so setting one loads the old value first if it was not."""
    history = attributes.get_history(obj, attr, passive=attributes.PASSIVE_NO_INITIALIZE)
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(obj, attr)


def _changed(obj, attrs: Iterable[str]) -> bool:
    return any(attributes.get_history(obj, a, passive=attributes.PASSIVE_NO_INITIALIZE).added for a in attrs)


def _flush_deltas(session: Session) -> Counter:
    # comment id → (draft, article, status) before and after; None: no such comment then.
    cores: dict[int, list] = {}
    # comment id → outcome before and after ("" also for no decision).
    outcomes: dict[int, list] = {}
    for obj in session.new:
        if isinstance(obj, Comment):
            cores[obj.id] = [None, (obj.draft_id, obj.article_id, obj.status)]
            # No decision can have been made on it before: only a new one in this flush (below).
            outcomes.setdefault(obj.id, [UNDECIDED, UNDECIDED])
        elif isinstance(obj, Decision):
            outcomes.setdefault(obj.comment_id, [_MISSING, _MISSING])[1] = obj.outcome
            outcomes[obj.comment_id][0] = UNDECIDED
    for obj in session.dirty:
        if isinstance(obj, Comment) and _changed(obj, COUNTED):
            cores[obj.id] = [tuple(_was(obj, a) for a in COUNTED), (obj.draft_id, obj.article_id, obj.status)]
        elif isinstance(obj, Decision) and _changed(obj, ("outcome", "comment_id")):
            before_comment = _was(obj, "comment_id")
            if before_comment != obj.comment_id:  # a decision moved to another comment
                outcomes.setdefault(before_comment, [_MISSING, _MISSING])[:] = [
                    _was(obj, "outcome"),
                    UNDECIDED,
                ]
                outcomes.setdefault(obj.comment_id, [_MISSING, _MISSING])[:] = [UNDECIDED, obj.outcome]
            else:
                outcomes[obj.comment_id] = [_was(obj, "outcome"), obj.outcome]
    for obj in session.deleted:
        if isinstance(obj, Comment):
            cores[obj.id] = [tuple(_was(obj, a) for a in COUNTED), None]
        elif isinstance(obj, Decision):
            before = outcomes.setdefault(_was(obj, "comment_id"), [_MISSING, _MISSING])
            before[:] = [_was(obj, "outcome"), UNDECIDED]
    if not cores and not outcomes:
        return Counter()
    _fill_unchanged(session, cores, outcomes)
    deltas: Counter = Counter()
    for comment_id, (core_before, core_after) in cores.items():
        outcome_before, outcome_after = outcomes[comment_id]
        if core_before is not None:
            deltas[key(*core_before, outcome_before)] -= 1
        if core_after is not None:
            deltas[key(*core_after, outcome_after)] += 1
    return deltas


def _fill_unchanged(session: Session, cores: dict, outcomes: dict) -> None:
    """What the flush did not change: the comment of a decision, the decision of a comment (one query each,
    only for rows neither in the flush nor already loaded)."""
    for comment_id in outcomes:
        if comment_id not in cores:
            comment = session.identity_map.get(session.identity_key(Comment, comment_id))
            if comment is not None and all(a in comment.__dict__ for a in COUNTED):
                core = (comment.draft_id, comment.article_id, comment.status)
                cores[comment_id] = [core, core]
    unknown_cores = [c for c in outcomes if c not in cores]
    if unknown_cores:
        rows = session.connection().execute(
            select(Comment.id, Comment.draft_id, Comment.article_id, Comment.status).where(
                Comment.id.in_(unknown_cores)
            )
        )
        for comment_id, *core in rows:
            cores[comment_id] = [tuple(core), tuple(core)]
    unknown_outcomes = []
    for comment_id in cores:
        pair = outcomes.setdefault(comment_id, [_MISSING, _MISSING])
        if pair[0] is _MISSING or pair[1] is _MISSING:
            comment = session.identity_map.get(session.identity_key(Comment, comment_id))
            if comment is not None and "decision" in comment.__dict__:
                decision = comment.__dict__["decision"]
                known = decision.outcome if decision is not None else UNDECIDED
                pair[:] = [known if p is _MISSING else p for p in pair]
            else:
                unknown_outcomes.append(comment_id)
    if unknown_outcomes:
        found = dict(
            session.connection()
            .execute(
                select(Decision.comment_id, Decision.outcome).where(Decision.comment_id.in_(unknown_outcomes))
            )
            .all()
        )
        for comment_id in unknown_outcomes:
            known = found.get(comment_id, UNDECIDED)
            pair = outcomes[comment_id]
            pair[:] = [known if p is _MISSING else p for p in pair]


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    deltas = _flush_deltas(session)
    if deltas:
        apply(session.connection(), deltas)


def _do_orm_execute(state):
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in (Comment.__tablename__, Decision.__tablename__):
        return None
    if table.name == Decision.__tablename__:
        return _bulk_decisions(state)
    if state.is_update:
        if not _sets(state) & set(COUNTED):
            return None
        status = day_counts.status_moved_to(state, COUNTED)
        if status is None:
            raise NotCounted("a comment's draft, article or status changes through the ORM (comment_count)")
        return _bulk_status(state, status)
    deltas: Counter = Counter()
    if state.is_insert:
        rows = state.parameters
        if not rows:
            raise NotCounted("a bulk INSERT of comments passes its rows to execute(), so they can be counted")
        for row in [rows] if isinstance(rows, dict) else rows:
            deltas[key(row["draft_id"], row.get("article_id"), row.get("status", "pending"), None)] += 1
    else:
        for draft_id, article_id, status, outcome, n in _grouped(
            state.session.connection(), state.statement.whereclause
        ):
            deltas[key(draft_id, article_id, status, outcome)] -= n
    result = state.invoke_statement()
    apply(state.session.connection(), deltas)
    return result


def _bulk_status(state, status: str):
    """A bulk UPDATE giving every comment it matches ``status``: each moves from its key to the same key
    with the new status, counted before the statement runs."""
    before = _grouped(state.session.connection(), state.statement.whereclause)
    result = state.invoke_statement()
    day_counts.check_moved(result, sum(n for *_key, n in before))
    deltas: Counter = Counter()
    for draft_id, article_id, was, outcome, n in before:
        deltas[key(draft_id, article_id, was, outcome)] -= n
        deltas[key(draft_id, article_id, status, outcome)] += n
    apply(state.session.connection(), deltas)
    return result


def _bulk_decisions(state):
    """A bulk write of decisions that says what it moves (DECISION_MOVES): counted from that SELECT, run
    before the statement; any other bulk write of decisions is refused."""
    moves = state.execution_options.get(DECISION_MOVES)
    if moves is None:
        raise NotCounted("a bulk write of decisions passes DECISION_MOVES, or goes through the ORM")
    deltas: Counter = Counter()
    for draft_id, article_id, status, before, after, n in state.session.connection().execute(moves):
        deltas[key(draft_id, article_id, status, before)] -= n
        deltas[key(draft_id, article_id, status, after)] += n
    result = state.invoke_statement()
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


def track_counts() -> None:
    """Register the session events once per process."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)


# --- fresh counts and the check -----------------------------------------------------------------------


def _grouped(connection: Connection, where=None):
    query = (
        select(Comment.draft_id, Comment.article_id, Comment.status, Decision.outcome, func.count(Comment.id))
        .select_from(Comment)
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .group_by(Comment.draft_id, Comment.article_id, Comment.status, Decision.outcome)
    )
    if where is not None:
        query = query.where(where)
    return connection.execute(query).all()


def fresh(connection: Connection) -> dict[Key, int]:
    """Every key's count from the comments themselves (reads every comment: for checks, never pages)."""
    return {key(d, a, s, o): n for d, a, s, o, n in _grouped(connection) if n}


def stored(connection: Connection) -> dict[Key, int]:
    """Every key's counter (zeros left out)."""
    rows = connection.execute(
        select(
            CommentCount.draft_id,
            CommentCount.article_id,
            CommentCount.status,
            CommentCount.outcome,
            CommentCount.n,
        )
    )
    return {(d, a, s, o): n for d, a, s, o, n in rows if n}


def differences(connection: Connection) -> list[Difference]:
    """Counters that differ from a fresh count, in key order."""
    return compare(stored(connection), fresh(connection), Difference)


def check(repair: bool = False) -> list[Difference | day_counts.DayDifference]:
    """The counters (per article, and per day and channel) that differ from a fresh count; with
    ``repair``, set them to it.

    A repair first bumps the ``comments`` change counter: every comment write takes that row before it
    moves a counter, so none is half-way while the repair counts (on PostgreSQL the count then sees every
    write that committed before it, and later ones wait for the repair).
    """
    if not repair:
        connection = db.session.connection()
        found = [*differences(connection), *day_counts.differences(connection)]
        db.session.rollback()
        return found
    with write_transaction() as session:
        bump(session)
        connection = session.connection()
        found = differences(connection)
        apply(connection, Counter({d.key: d.counted - d.stored for d in found}))
        by_day = day_counts.differences(connection)
        day_counts.repair(connection, by_day)
    return [*found, *by_day]


# --- reads --------------------------------------------------------------------------------------------


def _article(article_id: int) -> int | None:
    return None if article_id == GENERAL else article_id


def published_by_article(draft_id: int) -> dict[int | None, int]:
    """Published comments of a draft per article id (None: on the draft as a whole)."""
    rows = db.session.execute(
        select(CommentCount.article_id, func.sum(CommentCount.n))
        .where(CommentCount.draft_id == draft_id, CommentCount.status == "published")
        .group_by(CommentCount.article_id)
    )
    return {_article(a): int(n) for a, n in rows if n}


def published(draft_id: int, article_id: int | None = None, *, general: bool = False) -> int:
    """Published comments of a draft, of one article, or (``general``) on the draft as a whole."""
    where = [CommentCount.draft_id == draft_id, CommentCount.status == "published"]
    if article_id is not None or general:
        where.append(CommentCount.article_id == (GENERAL if article_id is None else article_id))
    return int(db.session.scalar(select(func.sum(CommentCount.n)).where(*where)) or 0)


def tallies(draft_id: int | None = None, article_ids: Iterable[int | None] | None = None) -> dict:
    """(draft_id, article_id or None) → (published, published without a decision); of one draft, of some
    articles (None: the general opinions), or of all."""
    where = [CommentCount.status == "published"]
    if draft_id is not None:
        where.append(CommentCount.draft_id == draft_id)
    if article_ids is not None:
        where.append(CommentCount.article_id.in_([GENERAL if a is None else a for a in article_ids]))
    undecided = func.sum(CommentCount.n).filter(CommentCount.outcome == UNDECIDED)
    rows = db.session.execute(
        select(CommentCount.draft_id, CommentCount.article_id, func.sum(CommentCount.n), undecided)
        .where(*where)
        .group_by(CommentCount.draft_id, CommentCount.article_id)
    )
    return {(d, _article(a)): (int(p or 0), int(u or 0)) for d, a, p, u in rows if p}


def by_status() -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    """Per (draft, status) how many comments, and per draft how many published ones wait for a decision
    (the staff overview)."""
    rows = db.session.execute(
        select(
            CommentCount.draft_id, CommentCount.status, CommentCount.outcome, func.sum(CommentCount.n)
        ).group_by(CommentCount.draft_id, CommentCount.status, CommentCount.outcome)
    )
    counts: Counter = Counter()
    undecided: Counter = Counter()
    for draft_id, status, outcome, n in rows:
        counts[(draft_id, status)] += int(n or 0)
        if status == "published" and outcome == UNDECIDED:
            undecided[draft_id] += int(n or 0)
    return {k: n for k, n in counts.items() if n}, {k: n for k, n in undecided.items() if n}


track_counts()  # registered on import: every door imports this module through comments.queries
