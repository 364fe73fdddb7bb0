"""The review page's list of comments, rendered once per change and reused by every staff member.

A review page shows data only (the place, its comments with their decisions, notes and assignments, the
staff to assign to) plus the visitor's CSRF token: the same HTML for everyone who asks for the same
address until something it shows changes. It is kept like the moderation queue's list
(consult/web/admin.py): under the ``comments`` and ``accounts`` change counters (consult/changes.py;
internal notes and assignments move the first, names the second), read before the data, rendered with
the CSRF placeholder and filled per request. The site's chrome around it (title, navigation, who is
signed in) is kept per person and place, as the queue's is; a page with messages to show is rendered
around the kept list afresh. A form shown again after a refusal is rendered afresh, with the visitor's
input.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import current_app, render_template, request, session
from flask_login import current_user
from markupsafe import Markup

from consult.changes import ACCOUNTS, COMMENTS, generation
from consult.extensions import db
from consult.generation_cache import GenerationCache, cache_for
from consult.i18n import locale_name
from consult.web.cache import join_csrf, placeholder_csrf, split_csrf
from consult.web.preferences import variant

TEMPLATE = "admin/review/comments.html"
CACHE = "review-places"
CHROME = "review-chrome"
# Random per process (as admin.py's queue mark): no title or name can hold it and cut the page elsewhere.
CHROME_CUT = f"__consult_review_list_{secrets.token_hex(16)}__"
# A page of 50 comments is about 180 KB: at most this many per worker (about 12 MB).
MAX_ENTRIES = 64


def _cache() -> GenerationCache:
    cache = cache_for(CACHE)
    cache.max_entries = MAX_ENTRIES
    return cache


def kept_place(render: Callable[[], tuple[str, str, str]]) -> tuple[str, str, tuple[bytes, ...]]:
    """(place label, draft title, the list's HTML cut at its CSRF placeholders) for this address.

    The counters are read first, so an entry never carries a newer number than the data it shows.
    """
    key = (
        generation(db.session, COMMENTS),
        generation(db.session, ACCOUNTS),
        locale_name(),
        request.script_root,
        request.full_path,
    )

    def make() -> tuple[str, str, tuple[bytes, ...]]:
        with placeholder_csrf():
            label, title, html = render()
        return label, title, split_csrf(html)

    return _cache().get_or_make(key, make)


def review_page(label: str, title: str, pieces: tuple[bytes, ...]):
    """The whole page around the kept list, with this visitor's CSRF token in every form."""
    if session.get("_flashes"):
        body = Markup(join_csrf(pieces).decode())
        return render_template(TEMPLATE, place_label=label, draft_title=title, body=body)
    user = current_user
    person = (user.id, user.role, user.username, user.display_name)
    # The header's care-mode link comes back to this address; care mode changes the page (preferences.py).
    key = (person, label, title, locale_name(), request.script_root, request.full_path, *variant())
    head, tail = cache_for(CHROME).get_or_make(key, lambda: _chrome(label, title))
    return current_app.response_class(join_csrf(head, pieces, tail), mimetype="text/html")


def _chrome(label: str, title: str) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    # base.html depends on the person (the key), the title and the messages (never kept) and nothing else.
    with placeholder_csrf():
        page = render_template(TEMPLATE, place_label=label, draft_title=title, body=Markup(CHROME_CUT))
    head, tail = page.split(CHROME_CUT)
    return split_csrf(head), split_csrf(tail)
