"""GET /healthz: the proxy's and the monitor's health check (public, no personal data, never cached).

200 JSON when the database answers, with the work still queued in the outbox: the search lag (search
rows not yet indexed) and, for mail and SMS, how many notices wait and how old the oldest is. 503 with
"database": "unreachable" when the database cannot be queried.

The counts are the only reads, one grouped query over the outbox's pending rows (the index on
(processed_at, id) keeps it to the rows not yet processed); they are read here rather than in a
domain package because they span three of them (search, mail, SMS) and nothing else needs them.
``search_rewrites_pending``: withdrawn documents whose old copy is still in a Whoosh segment waiting
for its rewrite (a small file in the index folder is read; 0 on PostgreSQL).
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from consult.auth.access import public
from consult.clock import utcnow
from consult.db import end_read
from consult.extensions import db
from consult.models import OutboxEvent
from consult.search.drain import rewrites_pending

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

SEARCH_KINDS = ("search.index", "search.remove")
QUEUES = {"mail": "mail.feedback", "sms": "sms.feedback"}
NEVER_STORED = {"Cache-Control": "no-store"}


@bp.get("/healthz")
@public
def show_health():
    """The database's state and the outbox's queues, as JSON."""
    try:
        rows = db.session.execute(
            select(OutboxEvent.kind, func.count(OutboxEvent.id), func.min(OutboxEvent.created_at))
            .where(OutboxEvent.processed_at.is_(None))
            .group_by(OutboxEvent.kind)
        ).all()
    except SQLAlchemyError as err:
        log.warning("health check: database unreachable: %s", type(err).__name__)
        return jsonify(status="error", database="unreachable"), 503, NEVER_STORED
    finally:
        end_read()
    pending = {kind: (count, oldest) for kind, count, oldest in rows}
    now = utcnow()

    def queue(kind: str) -> dict[str, int | None]:
        count, oldest = pending.get(kind, (0, None))
        age = None if oldest is None else max(0, int((now - oldest).total_seconds()))
        return {"waiting": count, "oldest_age_seconds": age}

    return (
        jsonify(
            status="ok",
            database="ok",
            search_lag=sum(pending.get(kind, (0, None))[0] for kind in SEARCH_KINDS),
            search_rewrites_pending=rewrites_pending(),
            **{name: queue(kind) for name, kind in QUEUES.items()},
        ),
        200,
        NEVER_STORED,
    )
