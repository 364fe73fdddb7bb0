"""Outbox rows for the search index, written in the same transaction as the change that needs them.

Session events see every ORM change: a comment added, changed or deleted queues ``search.index`` for it;
a change to a draft, its versions or article texts queues one for the draft. Core bulk statements (the
intake import) queue their own rows (see ``queue``). The drain (consult/search/drain.py) reads the
database again, so a row only says "look at this again", and draining it twice does no harm.

A draft's row says how far to look. A comment's document takes only two things from its draft
(``COMMENT_FIELDS``: whether it is published and whether it shows comments, which decide the comment's
``public`` flag; its title and summary are looked up when a hit is shown, never indexed), so an edit
that changes neither (the title, the summary, a new version's text) queues the draft with
``{"articles_only": true}``: its articles are indexed again, its comments are not touched. Any other
draft row (those fields changed, a new or deleted draft, a row queued by ``queue``) also re-indexes the
draft's comments, a bounded batch per drain round (drain.py).
"""

from __future__ import annotations

from sqlalchemy import JSON, ColumnElement, event, insert, inspect, literal, select
from sqlalchemy.orm import Session

from consult.clock import utcnow
from consult.models import ArticleText, Comment, Draft, DraftVersion, OutboxEvent
from consult.models.types import UTCDateTime

PENDING = "search_pending"  # Session.info flag: this transaction queued search work
# What a comment's document takes from its draft (consult/search/documents.py, ``comment_visibility``).
COMMENT_FIELDS = ("published_at", "show_comments")
ARTICLES_ONLY = {"articles_only": True}  # a draft row whose comments' documents cannot have changed


def queue(session: Session, target_type: str, target_id: int, payload: dict | None = None) -> None:
    """Queue one target explicitly (for Core statements the session events cannot see)."""
    session.add(
        OutboxEvent(kind="search.index", target_type=target_type, target_id=target_id, payload=payload or {})
    )
    session.info[PENDING] = True


def queue_comments_of_batch(session: Session, batch_id: int) -> None:
    """One row per comment of an intake batch (one INSERT … SELECT), so a drain can take them in
    bounded slices instead of indexing a whole 100,000-row batch in one go after the request."""
    queue_comments(session, Comment.batch_id == batch_id)


def queue_comments(session: Session, where: ColumnElement[bool]) -> None:
    """One row per comment matching ``where`` (one INSERT … SELECT), for a Core or bulk statement that
    the session events cannot see (an intake batch, a group of comments moderated at once)."""
    session.execute(
        insert(OutboxEvent).from_select(
            ["kind", "target_type", "target_id", "payload", "created_at", "attempts"],
            select(
                literal("search.index"),
                literal("comment"),
                Comment.id,
                literal({}, JSON),
                literal(utcnow(), UTCDateTime),
                literal(0),
            ).where(where),
        )
    )
    session.info[PENDING] = True


def _targets(session: Session) -> dict[tuple[str, int], bool]:
    """Each target of this flush → whether only its articles need indexing (drafts; False otherwise)."""
    targets: dict[tuple[str, int], bool] = {}

    def add(key: tuple[str, int], articles_only: bool) -> None:
        targets[key] = targets.get(key, True) and articles_only

    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Comment) and obj.id is not None:
            add(("comment", obj.id), False)
        elif isinstance(obj, Draft) and obj.id is not None:
            add(("draft", obj.id), not _touches_comments(session, obj))
        elif isinstance(obj, (DraftVersion, ArticleText)):
            draft_id = obj.draft_id if isinstance(obj, DraftVersion) else _draft_of_text(session, obj)
            if draft_id is not None:
                add(("draft", draft_id), True)
    return targets


def _touches_comments(session: Session, draft: Draft) -> bool:
    """Whether this flush changes what the draft's comments' documents take from it."""
    if draft in session.new or draft in session.deleted:
        return True
    attrs = inspect(draft).attrs
    return any(attrs[name].history.has_changes() for name in COMMENT_FIELDS)


def _draft_of_text(session: Session, text: ArticleText) -> int | None:
    version = text.__dict__.get("version")
    if version is not None:
        return version.draft_id
    # A Core read on the flushing connection: no ORM load (and no autoflush) inside the flush event.
    query = select(DraftVersion.draft_id).where(DraftVersion.id == text.version_id)
    return session.connection().scalar(query)


def _after_flush(session: Session, flush_context) -> None:
    for (target_type, target_id), articles_only in _targets(session).items():
        queue(session, target_type, target_id, dict(ARTICLES_ONLY) if articles_only else None)


def track_search_changes() -> None:
    """Register the session event once per process."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
