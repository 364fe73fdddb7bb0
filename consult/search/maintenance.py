"""Rebuilding the index from the database, and comparing the two (`search reindex`, `search check`).

`search check` also says how many withdrawn documents still have an old copy in a Whoosh segment
waiting for its rewrite (whoosh_withdrawal.py); ``--repair`` rewrites them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import OutboxEvent
from consult.search.base import fingerprint
from consult.search.documents import all_docs
from consult.search.drain import catch_up, rewrites_pending, writer_lock
from consult.search.service import backend


def reindex() -> int:
    """Rebuild the whole index from the database (built aside and swapped in); returns the documents.

    The pending rows seen *before* the rebuild reads the database are covered by it and marked done;
    rows committed meanwhile stay pending for the next drain (draining twice does no harm).
    """
    end_read()
    with writer_lock(wait=True):
        covered = list(
            db.session.scalars(
                select(OutboxEvent.id).where(
                    OutboxEvent.processed_at.is_(None),
                    OutboxEvent.kind.in_(("search.index", "search.remove")),
                )
            )
        )
        end_read()
        count = backend().rebuild(all_docs())
        end_read()
        for start in range(0, len(covered), 1000):
            with write_transaction() as session:
                session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(covered[start : start + 1000]))
                    .values(processed_at=utcnow())
                )
    return count


@dataclass
class Differences:
    """Keys the index lacks, holds without reason, or holds in an old state."""

    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    # withdrawn documents whose old copy still waits for a segment rewrite: not a difference from the
    # database (no search finds it), but its text is still in a file of the index
    rewrites_pending: int = 0

    @property
    def clean(self) -> bool:
        """Whether the index matches the database."""
        return not (self.missing or self.extra or self.stale)


def check(repair: bool = False) -> Differences:
    """Compare the index with the database; with ``repair``, index what is missing or stale and
    remove what should not be there."""
    end_read()
    expected = {doc.key: doc for doc in all_docs()}
    end_read()
    engine = backend()
    found = engine.keys()
    diff = Differences(
        missing=sorted(k for k in expected if k not in found),
        extra=sorted(k for k in found if k not in expected),
        stale=sorted(k for k in expected if k in found and found[k] != fingerprint(expected[k])),
    )
    if repair and not diff.clean:
        with writer_lock(wait=True):
            engine.index(expected[k] for k in (*diff.missing, *diff.stale))
            if diff.extra:
                engine.remove(diff.extra)
    if repair:
        catch_up()  # the rewrites, one segment per lock hold, with a drain between them
    diff.rewrites_pending = rewrites_pending()
    return diff
