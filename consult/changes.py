"""Know cheaply whether comments changed: a counter bumped in the same transaction as the change.

Every ORM flush that adds, changes or deletes a comment (or what the staff queue shows with it: its
decision, drafts, article texts, contact points, intake batches) and every ORM bulk statement on those
tables bumps ``change_counter['comments']`` inside the writing transaction. A reader that takes the
counter *before* reading the data can therefore cache what it read under that number: a later change
commits a higher number, and a cache entry under an old number is never served again.
"""

from __future__ import annotations

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, UOWTransaction

from consult.models import (
    Article,
    ArticleText,
    Comment,
    ContactPoint,
    Decision,
    Draft,
    DraftVersion,
    IntakeBatch,
)
from consult.models.changes import ChangeCounter

COMMENTS = "comments"
TRACKED = (Comment, Decision, Draft, DraftVersion, Article, ArticleText, ContactPoint, IntakeBatch)
TRACKED_TABLES = frozenset(model.__table__.name for model in TRACKED)


def bump(session: Session, name: str = COMMENTS) -> None:
    """Move the counter on, inside the caller's transaction."""
    session.execute(
        update(ChangeCounter).where(ChangeCounter.name == name).values(value=ChangeCounter.value + 1),
        execution_options={"synchronize_session": False},
    )


def generation(session: Session, name: str = COMMENTS) -> int:
    """The counter's current value (read it before the data it guards)."""
    return session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == name)) or 0


def _touches_tracked(session: Session) -> bool:
    return any(isinstance(obj, TRACKED) for obj in (*session.new, *session.dirty, *session.deleted))


def _before_flush(session: Session, flush_context: UOWTransaction, instances) -> None:
    if _touches_tracked(session):
        bump(session)


def _do_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in TRACKED_TABLES:
        bump(state.session)


def track_changes() -> None:
    """Register the session events once per process."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
