"""Links in text read outside a request (mail, SMS): built with url_for against the public address.

A mail is composed by a worker, a CLI command, or after a commit inside someone else's request; none
of these knows the address readers use. public_links() pushes a request context for that address, so
``url_for(endpoint, _external=True)`` builds the link from the route itself: a renamed route changes
every mail and SMS with it instead of leaving them pointing nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, url_for


def base_url() -> str:
    """The site's public address for links: SERVER_NAME when configured, else PUBLIC_BASE_URL."""
    cfg = current_app.config
    if cfg.get("SERVER_NAME"):
        root = (cfg.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{cfg.get('PREFERRED_URL_SCHEME') or 'http'}://{cfg['SERVER_NAME']}{root}"
    return (cfg.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


@contextmanager
def public_links(base: str | None = None) -> Iterator[None]:
    """Within it, url_for(..., _external=True) answers links on `base` (default: base_url()).

    A request context of its own, also inside a real request: the reader's address is not the
    address of whoever happened to trigger the sending.
    """
    with current_app.test_request_context(base_url=base or base_url()):
        yield


def external_url(endpoint: str, base: str | None = None, **values) -> str:
    """One absolute link to a route of the app on the public address (or on `base`)."""
    with public_links(base):
        return url_for(endpoint, _external=True, **values)
