"""Work every worker's first request would otherwise repeat, done once before gunicorn forks.

With `preload_app`, the master builds the app and the workers inherit it; compiling the mappers and the
most used templates there means a fresh worker (gunicorn replaces them after `max_requests`) answers its
first requests as fast as an old one. No database work happens here (ARCHITECTURE.md habit 1).

Last, what was built so far (modules, the app, its mappers and templates: about 140,000 objects that live
as long as the process) is frozen out of the garbage collector's reach (``gc.freeze``). Otherwise every
full collection in a worker walks all of them, stopping its threads for 100-200 ms on this machine, a few
times a minute under load: the tail of every page's latency. Frozen, a full collection takes a
millisecond or two, and the workers' copy-on-write pages stay shared.
"""

from __future__ import annotations

import gc

from flask import Flask
from sqlalchemy.orm import configure_mappers

HOT_TEMPLATES = (
    "base.html",
    "public/home.html",
    "public/draft.html",
    "public/article.html",
    "public/receipt.html",
    "public/feedback.html",
    "public/search.html",
    "admin/moderation.html",
    "admin/_moderation_body.html",
    "errors/error.html",
)


def warm(app: Flask) -> None:
    """Configure the ORM mappers and compile the hot templates into the app's Jinja cache; freeze what
    was built out of the garbage collector's reach."""
    configure_mappers()
    with app.app_context():
        for name in HOT_TEMPLATES:
            app.jinja_env.get_template(name)
    gc.freeze()
