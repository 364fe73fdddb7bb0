"""Rendered pieces of the public draft and article pages, shared by every visitor and reused.

A page that misses the page cache (consult/web/cache.py: expired, a signed-in visitor, or the cache off)
no longer renders every article and comment again. Two layers, both per process and bounded
(consult/generation_cache.py):

- **By change counter.** The draft page's contents and articles, its list of general opinions and an
  article page's comment list are kept under the ``comments`` change counter (consult/changes.py),
  read before the data: while no comment, decision, draft or article text changed in any worker, they
  are served without a query. Any such change commits a higher number, and the old entries are never
  served again.
- **By content.** When the counter moved, the draft page reads its articles' latest comments again (one
  statement) but renders only the articles whose block would differ: each block is kept under
  everything it shows (its text, the draft's stage, its count, and each shown comment's id, name, text,
  date, channel and published decision). One new comment on article 3 renders article 3's block again,
  and the others come from the cache.

- **The page itself.** For an anonymous visitor with no message waiting, the whole draft, article or
  home page is a fragment too, put together from the ones above and kept under the change counter, the
  page's address and what the clock shows on it (the stage, the days left): a Russian doll. Its CSRF
  token and submission id are placeholders, filled per visitor as it is served (``kept_page``). After a
  change, the page is put together again from the inner fragments, which mostly still hold.

Nothing personal goes into a fragment: no CSRF token, submission id, signed-in name or message. A
fragment that asks for a CSRF token or a submission id while it renders is refused (``cache.py``), so
a token can never be shared with another visitor. Forms, errors and the visitor's chrome are rendered
per request around the fragments.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import g, render_template, request, session
from flask_login import current_user
from markupsafe import Markup

from consult.changes import generation
from consult.drafts.queries import public_draft, public_draft_rows, public_drafts_by_stage
from consult.extensions import db
from consult.feedback.sms import enabled as sms_enabled
from consult.generation_cache import GenerationCache, cache_for
from consult.i18n import _
from consult.web.cache import cut_page, fill_csrf, placeholder_csrf, serve_page
from consult.web.preferences import care_mode, here, variant

# The caches' names (consult.generation_cache.cache_for: one per app).
BY_GENERATION = "public-fragments"
ARTICLE_BLOCKS = "public-article-blocks"
PAGES = "public-pages"
# Every public page in each variant, with its listing pages: a made-up address only pushes out pages.
PAGES_MAX = 512
# Articles of every public draft, several versions of each while the counter moves: room for them all.
ARTICLE_BLOCKS_MAX = 8192

T = TypeVar("T")


NAMES = (BY_GENERATION, ARTICLE_BLOCKS, PAGES)


def _cache(name: str) -> GenerationCache:
    cache = cache_for(name)
    if name == ARTICLE_BLOCKS and cache.max_entries < ARTICLE_BLOCKS_MAX:
        cache.max_entries = ARTICLE_BLOCKS_MAX
    if name == PAGES:
        cache.max_entries = PAGES_MAX
    return cache


def scope() -> tuple[Hashable, ...]:
    """What every fragment's HTML depends on besides its data: care mode, the language, the URL prefix.

    Asked by every kept part of a page: worked out once a request."""
    held = request._get_current_object()
    try:
        return held.consult_scope
    except AttributeError:
        found = held.consult_scope = (*variant(), held.script_root)
        return found


@contextmanager
def shared_rendering() -> Iterator[None]:
    """Render something every visitor will be served (cache.csrf_token refuses to run inside)."""
    outer = g.get("rendering_fragment", False)
    g.rendering_fragment = True
    try:
        yield
    finally:
        g.rendering_fragment = outer


def render_shared(template: str, **context) -> Markup:
    """A template rendered as a fragment: no per-visitor value may be asked for while it renders."""
    with shared_rendering():
        return Markup(render_template(template, **context))


def fix_generation() -> None:
    """Read the change counter now, before the view reads any data (the first thing a view does)."""
    g.fragments_generation = generation(db.session)


def by_generation(key: tuple, make: Callable[[], T]) -> T:
    """``make()``'s fragment, kept while the ``comments`` change counter stays where the view found it.

    Only when the view read the counter first (``fix_generation``), so an entry is never kept under a
    newer number than what it shows; otherwise (a refused form shown again) it is rendered afresh.
    """
    number = g.get("fragments_generation")
    if number is None:
        return make()
    return _cache(BY_GENERATION).get_or_make((number, *key, *scope()), make)


def detached(read: Callable[[], T]) -> Callable[[], T]:
    """``read``, whose row comes back out of the request's session: to keep across requests, read only.

    ``attached`` brings a kept row into a later request's session to render it. The one way rows are
    kept: the public pages' drafts here, the staff review pages' (consult/web/review_cache.py).
    """

    def make() -> T:
        row = read()
        db.session.expunge(row)
        return row

    return make


def attached(row: T) -> T:
    """A kept row (``detached``) merged into this request's session without a query, so its
    relationships load there as usual."""
    return row if row in db.session else db.session.merge(row, load=False)


def public_draft_kept(slug: str):
    """The published draft a page shows, read once per change counter and kept detached (read only).

    Enough to key a kept page by (its id, its stage and days left) without touching the request's
    session; ``attached`` brings it into the session when the page must be rendered. A change to any
    draft moves the counter. Unknown and unpublished slugs are NotFound every time (nothing is kept).
    Without the counter read first, it is the session's own row.
    """
    if g.get("fragments_generation") is None:
        return public_draft(slug)
    return by_generation(("draft-row", slug), detached(lambda: public_draft(slug)))


def public_draft_read(slug: str):
    """The published draft a page shows, read once per change counter and copied into this request."""
    return attached(public_draft_kept(slug))


def _page_keepable() -> bool:
    """Whether this request may be served a kept page: a plain GET by an anonymous visitor with no
    message waiting, in a view that read the change counter first."""
    return (
        request.method == "GET"
        and g.get("fragments_generation") is not None
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def kept_page(key: tuple, render: Callable[[], tuple[str, int]]):
    """The whole page ``render()`` answers, kept under the change counter, ``key`` and its address.

    ``key`` holds what the page shows that neither the counter nor the address decides (what the clock
    moves: consult/web/labels.stage_badge_key). The page is kept cut where its CSRF token and submission
    id stand, and filled for each visitor (consult/web/cache.serve_page). Pages for a signed-in visitor,
    with a message, or refused (not 200) are rendered every time. Their own cache (``PAGES``): a flood
    of made-up addresses pushes out only other pages, never the fragments they are made of.
    """
    if not _page_keepable():
        return render()

    def make():
        with placeholder_csrf():
            page, status = render()
        return cut_page(page) if status == 200 else None

    # The comment form's notice hint names the channels that can be told (comment_form's key, too).
    parts = _cache(PAGES).get_or_make((g.fragments_generation, *key, sms_enabled(), here(), *scope()), make)
    if parts is None:
        return render()
    if g.get("rendering_cacheable"):  # the page cache keeps it, placeholders and all
        return "".join(p.decode() if isinstance(p, bytes) else p for p in parts)
    return serve_page(parts)


def _home_groups(now) -> tuple[dict, tuple]:
    """The public drafts by stage, and what of them the clock moves (each one's stage and days left).

    The drafts and their counts are read once per change counter and kept detached (read only); their
    grouping is kept with them until the clock moves any of them (Draft.clock_moves_at), so a request
    in between only compares two times."""

    def read() -> dict:
        rows = public_draft_rows()
        for draft, _count in rows:
            db.session.expunge(draft)
        return {"rows": rows}

    kept = by_generation(("public-draft-rows",), read)
    held = kept.get("by-clock")
    if held is None or not (held[0] <= now and (held[1] is None or now < held[1])):
        rows = kept["rows"]
        groups = public_drafts_by_stage(now, rows)
        key = tuple((i.draft.id, i.status, i.days_left(now)) for items in groups.values() for i in items)
        moves = [m for draft, _count in rows if (m := draft.clock_moves_at(now)) is not None]
        held = kept["by-clock"] = (now, min(moves, default=None), groups, key)
    return held[2], held[3]


def home_clock_key(now) -> tuple:
    """What the home page shows that the clock moves (kept_page's key)."""
    return _home_groups(now)[1]


def home_list(now) -> Markup:
    """The home page's drafts by stage, read and rendered once per change counter and per stage and day."""
    groups, key = _home_groups(now)
    return by_generation(
        ("home-list", key), lambda: render_shared("public/_home_list.html", groups=groups, now=now)
    )


def comment_form(key: tuple, render: Callable[[], str]) -> Markup:
    """The comment form as a visitor first sees it (nothing typed, no message): rendered once per draft,
    stage and article with the CSRF and submission-id placeholders, which are filled per visitor here
    (or by the page cache, when the whole page is being rendered for it). A form shown again after a
    refusal, with the visitor's text and errors, is rendered afresh by the caller."""

    def make() -> Markup:
        with placeholder_csrf():
            return Markup(render())

    # The notice hint names the channels that can be told: an SMS gateway configured or not changes it.
    html = by_generation(("comment-form", sms_enabled(), *key), make)
    return html if g.get("rendering_cacheable") else Markup(fill_csrf(str(html)))


def labels() -> dict[str, str]:
    """The article blocks' fixed words, translated once per render instead of once per article."""
    care = care_mode()  # plain wording on the buttons in care mode
    return {
        "comment_here": _("我要提意见") if care else _("对本条发表意见"),
        "view_article": _("看这一条") if care else _("查看本条"),
        "count": _("%(n)d条意见"),
        "all_comments": _("查看本条全部%(n)d条意见"),
        "anonymous": _("匿名"),
        "explain": _("这一条是什么意思"),
    }


def comment_key(comment, decision) -> tuple:
    """Everything comment_list shows of one comment."""
    shown = (decision.outcome, decision.reason) if decision is not None else None
    c = comment
    return (c.id, c.public_name, c.public_body, c.submitted_at, c.channel, shown)


def article_block(
    draft, text, status: str, count: int, comments: list, decisions: dict, words: dict[str, str]
) -> Markup:
    """One article of the draft page (its text, link, count and latest comments), kept by content."""
    key = (
        draft.id,
        draft.slug,
        status,
        bool(draft.show_comments),
        text.article_id,
        text.label,
        text.text,
        text.explanation,
        count,
        tuple(comment_key(c, decisions.get(c.id)) for c in comments),
        *scope(),
    )
    return _cache(ARTICLE_BLOCKS).get_or_make(
        key,
        lambda: render_shared(
            "public/_article_block.html",
            draft=draft,
            text=text,
            status=status,
            count=count,
            comments=comments,
            decisions=decisions,
            words=words,
        ),
    )


def stats() -> dict[str, tuple[int, int]]:
    """(hits, misses) of each fragment cache (tests and the benchmark)."""
    return {name: (_cache(name).hits, _cache(name).misses) for name in NAMES}


def entries() -> list:
    """Every fragment kept now (tests: none may hold anything per visitor)."""
    found = []
    for name in NAMES:
        cache = _cache(name)
        with cache._lock:  # the cache has no public listing: a snapshot under its lock
            values = list(cache._values.values())
        if name == PAGES:  # kept cut (cache.cut_page): the page as one text, placeholders in place
            values = ["".join(p.decode() if isinstance(p, bytes) else p for p in v) for v in values if v]
        found += values
    return found


def clear() -> None:
    """Forget every fragment (tests)."""
    for name in NAMES:
        _cache(name).clear()
