"""A small per-process cache of public pages, so a popular draft costs little to serve.

Pages are cached for PAGE_CACHE_SECONDS (a newly published comment shows within that time), only for
anonymous visitors without pending flash messages. The CSRF token differs per visitor: pages are
rendered with a placeholder that is replaced by the visitor's own token on the way out.

When an entry expires, one thread renders it again while the others keep serving the stale copy; when
there is no copy yet, the others wait for that one render (no stampede of identical renders when a
popular page is first asked for, or expires, under load).
"""

from __future__ import annotations

import functools
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app, g, request, session
from flask_login import current_user

from consult.auth.signing import csrf_token as csrf_token_now
from consult.web.preferences import variant

# The placeholders end in a random part drawn when the process starts, so no one can type them: a
# comment holding a fixed "__consult_csrf_token__" once got a staff member's CSRF token filled into the
# masked copy offered in the moderation queue, and was published with it. They never reach a visitor:
# every page that holds them is filled before it is sent.
PLACEHOLDER = f"__consult_csrf_token_{secrets.token_hex(16)}__"
# The comment form's one-time submission id: fresh for every page served, cached or not.
SUBMISSION_PLACEHOLDER = f"__consult_submission_id_{secrets.token_hex(16)}__"
MAX_ENTRIES = 512
_CUTS = re.compile(f"({re.escape(PLACEHOLDER)}|{re.escape(SUBMISSION_PLACEHOLDER)})")

_lock = threading.Lock()
# A page is kept encoded and cut where its placeholders stand (see cut_page): serving it is a join.
_pages: OrderedDict[tuple, tuple[float, tuple[bytes | str, ...]]] = OrderedDict()
_rendering: dict[tuple, threading.Event] = {}
WAIT_FOR_RENDER_SECONDS = 10


class SharedFragmentError(RuntimeError):
    """A fragment every visitor is served (consult/web/fragments.py) asked for a per-visitor value."""


def _refuse_in_fragment(what: str) -> None:
    if g.get("rendering_fragment"):
        raise SharedFragmentError(f"{what} asked for while rendering a shared fragment")


def csrf_token() -> str:
    """The template's csrf_token(): a placeholder while a cacheable page renders (never in a fragment)."""
    _refuse_in_fragment("a CSRF token")
    if g.get("rendering_cacheable"):
        return PLACEHOLDER
    return csrf_token_now()


def submission_id() -> str:
    """The template's submission_id(): a new one-time id per page served (a placeholder while caching)."""
    _refuse_in_fragment("a submission id")
    if g.get("rendering_cacheable"):
        return SUBMISSION_PLACEHOLDER
    return secrets.token_urlsafe(16)


def clear() -> None:
    """Forget every cached page (tests)."""
    with _lock:
        _pages.clear()


def _cacheable() -> bool:
    return (
        current_app.config["PAGE_CACHE_SECONDS"] > 0
        and request.method == "GET"
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def cached_page(view: Callable) -> Callable:
    """Serve a GET view's HTML from the cache when the visitor is anonymous."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        # One copy per variant (care mode, language): consult/web/preferences.py.
        key = (current_app.name, id(current_app), request.full_path, *variant())
        now = time.monotonic()
        with _lock:
            hit = _pages.get(key)
            fresh = hit is not None and hit[0] >= now
            busy = _rendering.get(key)
            render = not fresh and busy is None
            if render:
                _rendering[key] = threading.Event()
        if fresh or (busy is not None and hit is not None):
            return serve_page(hit[1])  # fresh, or stale while another thread renders it anew
        if busy is not None and busy.wait(WAIT_FOR_RENDER_SECONDS):
            with _lock:
                hit = _pages.get(key)
            if hit is not None:
                return serve_page(hit[1])
        if not render:  # the other render failed or took too long: render this one ourselves
            return view(*args, **kwargs)
        try:
            g.rendering_cacheable = True
            result = view(*args, **kwargs)
            body, status = result if isinstance(result, tuple) else (result, 200)
            if status == 200 and isinstance(body, str):
                body = cut_page(body)
                with _lock:
                    _pages[key] = (time.monotonic() + current_app.config["PAGE_CACHE_SECONDS"], body)
                    _pages.move_to_end(key)
                    while len(_pages) > MAX_ENTRIES:
                        _pages.popitem(last=False)
        finally:
            g.rendering_cacheable = False
            with _lock:
                done = _rendering.pop(key, None)
            if done is not None:
                done.set()  # waiting threads read the new copy (or render themselves after a failure)
        if isinstance(body, tuple):
            return serve_page(body)
        return (_fill(body), status) if status != 200 else _fill(body)

    return wrapper


def _fill(body):
    return fill_csrf(body) if isinstance(body, str) else body


def cut_page(html: str) -> tuple[bytes | str, ...]:
    """A rendering for the cache, encoded once and cut where a placeholder stands.

    Text comes back as bytes; each placeholder stays in as the placeholder string, to be filled per visitor.
    """
    return tuple(
        part if part in (PLACEHOLDER, SUBMISSION_PLACEHOLDER) else part.encode() for part in _CUTS.split(html)
    )


def serve_page(parts: tuple[bytes | str, ...]) -> bytes:
    """A cut page (cut_page) with this visitor's CSRF token and one fresh submission id in its cuts.

    A join instead of a search and replace over the whole page, and no encoding of it, on every request.
    """
    token = submission = b""
    pieces = []
    for part in parts:
        if isinstance(part, bytes):
            pieces.append(part)
        elif part == PLACEHOLDER:
            token = token or csrf_token_now().encode()
            pieces.append(token)
        else:
            submission = submission or secrets.token_urlsafe(16).encode()
            pieces.append(submission)
    return b"".join(pieces)


def fill_csrf(body: str) -> str:
    """Put this visitor's CSRF token (and a fresh submission id) where a cached rendering has placeholders."""
    if PLACEHOLDER in body:
        body = body.replace(PLACEHOLDER, csrf_token_now())
    if SUBMISSION_PLACEHOLDER in body:
        body = body.replace(SUBMISSION_PLACEHOLDER, secrets.token_urlsafe(16))
    return body


def split_csrf(html: str) -> tuple[bytes, ...]:
    """A rendering for a shared cache, encoded once and cut where the placeholder stands."""
    return tuple(part.encode() for part in html.split(PLACEHOLDER))


def join_csrf(*pieces: tuple[bytes, ...]) -> bytes:
    """The pieces (from split_csrf) one after another, with this visitor's token in every cut.

    A join per piece instead of a search and replace over the whole page on every request.
    """
    token = csrf_token_now().encode() if any(len(piece) > 1 for piece in pieces) else b""
    return b"".join([token.join(piece) for piece in pieces])


@contextmanager
def placeholder_csrf() -> Iterator[None]:
    """Render with the placeholder instead of this visitor's token (for a shared cached copy)."""
    outer = g.get("rendering_cacheable", False)
    g.rendering_cacheable = True
    try:
        yield
    finally:
        g.rendering_cacheable = outer  # still placeholders when the whole page is rendered for the cache
