"""Jobs queued in a table and run one at a time by a single writer: export jobs and theme jobs.

A job table has ``id`` and ``state`` (queued, running, done, failed). ``run_queued`` takes the writer's
lock, puts back in the queue a job a dead writer left running, then runs the queued jobs oldest first.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import select, update

from consult.db import end_read, write_transaction
from consult.extensions import db


def run_queued(
    model: Any,
    lock: Callable[[bool], AbstractContextManager[bool]],
    run_one: Callable[[int], None],
    *,
    restart: dict[str, Any],
    wait: bool = False,
    limit: int | None = None,
    before: Callable[[], Any] | None = None,
) -> int:
    """Run ``model``'s queued jobs (at most ``limit``) with ``run_one(job_id)``; how many ran.

    ``lock(wait)``: the single writer's lock (yields whether it was taken; when not, another writer holds
    the jobs and takes the new ones before it stops). ``restart``: the columns a job left running starts
    again from (its progress). ``before``: what the writer does once it holds the lock (tidying up).
    """
    end_read()
    ran = 0
    with lock(wait) as got:
        if not got:
            return 0
        # Holding the lock, a job still running is one whose writer died: queued again (looked for first,
        # so an idle worker writes nothing every round).
        if db.session.scalar(select(model.id).where(model.state == "running").limit(1)):
            end_read()
            with write_transaction() as session:
                session.execute(
                    update(model).where(model.state == "running").values(state="queued", **restart)
                )
        end_read()
        if before is not None:
            before()
        while limit is None or ran < limit:
            job_id = db.session.scalar(
                select(model.id).where(model.state == "queued").order_by(model.id).limit(1)
            )
            end_read()
            if job_id is None:
                break
            run_one(job_id)
            ran += 1
    return ran
