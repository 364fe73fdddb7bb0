"""Search: one interface (base.py), two backends (whoosh, postgres), fed by the outbox (drain.py)."""

from __future__ import annotations

from flask import Flask


def init_search(app: Flask) -> None:
    """Queue outbox rows with every change, and drain them after each commit when configured to."""
    # the package is imported by every backend and the drain: wire them only when the app is built
    from consult.db import AFTER_COMMIT_KEY
    from consult.search.drain import drain_after_commit
    from consult.search.events import track_search_changes

    track_search_changes()
    app.extensions.setdefault(AFTER_COMMIT_KEY, []).append(drain_after_commit)
