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

from consult.changes import ACCOUNTS, COMMENTS, EXPORTS, generation
from consult.clock import utcnow
from consult.drafts.queries import by_slug
from consult.extensions import db
from consult.generation_cache import GenerationCache, cache_for
from consult.i18n import locale_name
from consult.web.cache import join_csrf, placeholder_csrf, split_csrf
from consult.web.fragments import detached
from consult.web.labels import stage_badge_key
from consult.web.preferences import variant

TEMPLATE = "admin/review/comments.html"
CACHE = "review-places"
CHROME = "review-chrome"
# Random per process (as admin.py's queue mark): no title or name can hold it and cut the page elsewhere.
CHROME_CUT = f"__consult_review_list_{secrets.token_hex(16)}__"
# A page of 50 comments is about 180 KB: at most this many per worker (about 12 MB).
MAX_ENTRIES = 64
OVERVIEWS = "review-overviews"
DRAFT_ROWS = "review-draft-rows"
# A draft's overview is about 30 KB with 30 articles: per staff member and draft, a few hundred per worker.
OVERVIEWS_MAX = 256


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


def counters() -> tuple[int, int, int]:
    """The ``comments``, ``accounts`` and ``exports`` change counters, read before the data a kept page
    shows (one statement for all three)."""
    return generation(db.session, COMMENTS), generation(db.session, ACCOUNTS), generation(db.session, EXPORTS)


def kept_draft(numbers: tuple[int, ...], slug: str):
    """The draft of a staff page, read once per change counter and kept detached (read only): enough to
    key a kept page; ``attached`` (consult/web/fragments.py) brings it into the request's session to
    render. NotFound is never kept."""
    return cache_for(DRAFT_ROWS).get_or_make((*numbers, slug), detached(lambda: by_slug(slug)))


def kept_overview(numbers: tuple[int, ...], draft, render: Callable[[], str]):
    """A draft's review overview (counts per article, heat strip, arrivals, groups, export jobs) for this
    staff member.

    Kept under the change counters (``numbers``, read by the view before the draft: comments, accounts
    and export jobs, whose progress moves the ``exports`` counter), the person, the address, the variant
    and the stage badge's clock, cut at its CSRF placeholders. With a message waiting, the page is
    rendered afresh.
    """
    if session.get("_flashes"):
        return render()
    user = current_user
    person = (user.id, user.role, user.username, user.display_name)
    now = utcnow()
    clock = stage_badge_key(draft.status_at(now), draft, now)
    place = (request.script_root, request.full_path, locale_name(), *variant())
    key = (*numbers, person, draft.id, *clock, *place)

    def make() -> tuple[bytes, ...]:
        with placeholder_csrf():
            return split_csrf(render())

    cache = cache_for(OVERVIEWS)
    cache.max_entries = OVERVIEWS_MAX
    return current_app.response_class(join_csrf(cache.get_or_make(key, make)), mimetype="text/html")
