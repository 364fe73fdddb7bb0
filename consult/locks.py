"""One process at a time: a lock for the outbox drainers (the search writer, the mail sender).

An advisory lock on PostgreSQL holds across machines; otherwise a file lock (flock) serves the one
machine that SQLite or an embedded index lives on.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

from sqlalchemy import text

from consult.extensions import db


@contextlib.contextmanager
def single_process(advisory: bool, key: int, lock_path: str, wait: bool = False) -> Iterator[bool]:
    """Hold the lock while the block runs; yields whether it was taken (always True when waiting).

    ``advisory``: a PostgreSQL advisory lock on ``key``; else a flock on the file ``lock_path``.
    """
    if advisory:
        with db.engine.connect() as conn:
            sql = "SELECT pg_advisory_lock(:k)" if wait else "SELECT pg_try_advisory_lock(:k)"
            got = conn.execute(text(sql), {"k": key}).scalar() is not False
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    os.makedirs(os.path.dirname(lock_path) or ".", exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
