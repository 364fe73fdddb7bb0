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

Nothing personal goes into a fragment: no CSRF token, submission id, signed-in name or message. A
fragment that asks for a CSRF token or a submission id while it renders is refused (``cache.py``), so
a token can never be shared with another visitor. Forms, errors and the visitor's chrome are rendered
per request around the fragments.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import g, render_template, request
from markupsafe import Markup

from consult.changes import generation
from consult.drafts.queries import public_draft, public_draft_rows, public_drafts_by_stage
from consult.extensions import db
from consult.feedback.sms import enabled as sms_enabled
from consult.generation_cache import GenerationCache, cache_for
from consult.i18n import _
from consult.web.cache import fill_csrf, placeholder_csrf
from consult.web.preferences import care_mode, variant

# The caches' names (consult.generation_cache.cache_for: one per app).
BY_GENERATION = "public-fragments"
ARTICLE_BLOCKS = "public-article-blocks"
# Articles of every public draft, several versions of each while the counter moves: room for them all.
ARTICLE_BLOCKS_MAX = 8192

T = TypeVar("T")


def _cache(name: str) -> GenerationCache:
    cache = cache_for(name)
    if name == ARTICLE_BLOCKS and cache.max_entries < ARTICLE_BLOCKS_MAX:
        cache.max_entries = ARTICLE_BLOCKS_MAX
    return cache


def scope() -> tuple[Hashable, ...]:
    """What every fragment's HTML depends on besides its data: care mode, the language, the URL prefix."""
    return (*variant(), request.script_root)


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


def public_draft_read(slug: str):
    """The published draft a page shows, read once per change counter and copied into this request.

    The row is kept detached (by_generation: a change to any draft moves the counter) and merged into
    the request's session without a query, so its relationships still load there as usual. Unknown and
    unpublished slugs are NotFound every time (nothing is kept for them).
    """
    if g.get("fragments_generation") is None:
        return public_draft(slug)

    def read():
        draft = public_draft(slug)
        db.session.expunge(draft)
        return draft

    return db.session.merge(by_generation(("draft-row", slug), read), load=False)


def home_list(now) -> Markup:
    """The home page's drafts by stage, read and rendered once per change counter and per stage and day.

    The drafts and their counts are kept detached (read only); what depends on the clock (each draft's
    stage and days left) is worked out per request and is part of the rendered list's key.
    """

    def read() -> list:
        rows = public_draft_rows()
        for draft, _count in rows:
            db.session.expunge(draft)
        return rows

    groups = public_drafts_by_stage(now, by_generation(("public-draft-rows",), read))
    key = tuple((i.draft.id, i.status, i.days_left(now)) for items in groups.values() for i in items)
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
    return {name: (_cache(name).hits, _cache(name).misses) for name in (BY_GENERATION, ARTICLE_BLOCKS)}


def entries() -> list:
    """Every fragment kept now (tests: none may hold anything per visitor)."""
    found = []
    for name in (BY_GENERATION, ARTICLE_BLOCKS):
        cache = _cache(name)
        with cache._lock:  # the cache has no public listing: a snapshot under its lock
            found += list(cache._values.values())
    return found


def clear() -> None:
    """Forget every fragment (tests)."""
    for name in (BY_GENERATION, ARTICLE_BLOCKS):
        _cache(name).clear()
