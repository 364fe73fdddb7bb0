"""Groups of similar comments (同类意见): near-duplicates per draft and article, kept as they arrive.

The pure part (no database): ``normalize`` (the text as compared), ``similarity`` (shingles, MinHash,
LSH bands and the verification that keeps opposite opinions apart) and ``clustering`` (a scope's
partition under what staff split, merged or confirmed). ``events`` queues outbox rows with each comment
change, ``drain`` follows them, ``ingest`` writes the tables, ``operations`` are staff's actions and
``queries`` the reads.
"""

from __future__ import annotations

from flask import Flask


def init_groups(app: Flask) -> None:
    """Queue grouping rows with every comment change, and drain them after each commit when configured to."""
    # imported when the app is built: the package's pure modules stay free of the database
    from consult.db import AFTER_COMMIT_KEY
    from consult.groups.drain import drain_after_commit
    from consult.groups.events import track_group_changes

    track_group_changes()
    app.extensions.setdefault(AFTER_COMMIT_KEY, []).append(drain_after_commit)
