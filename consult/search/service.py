"""The configured search backend, one per app (SEARCH_BACKEND: whoosh by default, or postgres)."""

from __future__ import annotations

from flask import current_app

from consult.search.base import SearchBackend

KEY = "consult.search_backend"


def backend() -> SearchBackend:
    """The app's backend, opened once."""
    found = current_app.extensions.get(KEY)
    if found is None:
        if current_app.config["SEARCH_BACKEND"] == "postgres":
            # only the configured backend is imported (Whoosh or psycopg's full-text path)
            from consult.extensions import db
            from consult.search.postgres_backend import PostgresBackend

            found = PostgresBackend(db.engine)
        else:
            # only the configured backend is imported
            from consult.search.whoosh_backend import WhooshBackend

            found = WhooshBackend(current_app.config["SEARCH_INDEX_DIR"])
        current_app.extensions[KEY] = found
    return found
