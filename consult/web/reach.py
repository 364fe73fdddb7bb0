"""Reaching people off the site: QR codes, the printable poster, short addresses and Atom feeds.

A QR code and a short address lead from paper (a poster at a contact point, a leaflet) to a draft; the
feeds carry new consultations and feedback reports to readers and other sites. All of it is public and
the same for every visitor, so it is kept and served with validators (ETag, Cache-Control).

The short address answers 302, not 301: it is the draft's lasting name, and where it points may change
(the draft page's address, or the draft is withdrawn and the short address becomes a 404). A 301 is
kept by browsers for good and would send a reader past such a change to a stale address.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from consult.auth.access import public
from consult.clock import utcnow
from consult.drafts import feeds, short_codes
from consult.drafts.queries import article_in_draft
from consult.feedback.links import base_url, public_links
from consult.generation_cache import cache_for
from consult.i18n import _, localdate
from consult.web import atom, fragments
from consult.web.cache import cached_page

bp = Blueprint("reach", __name__)

QR_CACHE = "qr-svgs"  # by the address encoded (and the title's language): never stale
QR_MAX_AGE = 3600
FEED_MAX_AGE = 300
SHORT_MAX_AGE = 300


def draft_address(slug: str) -> str:
    """The draft page's address under the public base (PUBLIC_BASE_URL), as a QR code carries it."""
    with public_links():
        return url_for("public.draft_page", slug=slug, _external=True)


def short_address(short_code: str) -> str:
    """The draft's short address under the public base."""
    with public_links():
        return url_for("reach.short_redirect", short_code=short_code, _external=True)


def qr_svg(address: str, title: str) -> bytes:
    """A QR code of the address as an SVG document (black on white, scalable, with a quiet zone)."""
    qr = segno.make(address, error="m", micro=False)  # error raised to Q when it costs no size
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=1, border=4, dark="#000", light="#fff", title=title, omitsize=True)
    return out.getvalue()


def _validated(response: Response, max_age: int) -> Response:
    """ETag and Cache-Control on a public answer, and 304 when the reader already has it."""
    response.add_etag()
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


def _qr_response(address: str) -> Response:
    title = str(_("网址二维码"))  # the SVG's <title>, in the reader's language: part of the key
    svg = cache_for(QR_CACHE).get_or_make((address, title), lambda: qr_svg(address, title))
    return _validated(Response(svg, mimetype="image/svg+xml"), QR_MAX_AGE)


@bp.get("/drafts/<slug>/qr.svg")
@public
def draft_qr(slug: str):
    """A QR code of the draft page's public address."""
    fragments.fix_generation()  # before the draft is read
    draft = fragments.public_draft_read(slug)  # NotFound for an unknown or unpublished draft
    return _qr_response(draft_address(draft.slug))


@bp.get("/drafts/<slug>/articles/<int:article_id>/qr.svg")
@public
def article_qr(slug: str, article_id: int):
    """A QR code of one article's public address."""
    fragments.fix_generation()  # before the draft is read
    draft = fragments.public_draft_read(slug)
    # NotFound for an article not in the draft's current text (nothing is kept then).
    fragments.by_generation(
        ("article-exists", draft.id, article_id), lambda: article_in_draft(draft, article_id).id
    )
    with public_links():
        address = url_for("public.article_page", slug=draft.slug, article_id=article_id, _external=True)
    return _qr_response(address)


@bp.get("/drafts/<slug>/poster")
@public
@cached_page
def poster(slug: str):
    """A printable A4 poster: title, deadline, QR code, short address and how to take part."""
    fragments.fix_generation()  # before the draft is read
    draft = fragments.public_draft_read(slug)
    short = short_address(draft.short_code)
    return render_template(
        "public/poster.html",
        draft=draft,
        status=draft.status_at(utcnow()),
        short=short,
        # Shown without the scheme (browsers add it), cut only between host and path.
        short_shown=short.split("://", 1)[-1].partition("/d/"),
    )


@bp.get("/d/<short_code>")
@public
def short_redirect(short_code: str):
    """The draft's short address (printed on its poster): a 302 to the draft page (see the module)."""
    draft = short_codes.public_draft_by_code(short_code)
    response = redirect(url_for("public.draft_page", slug=draft.slug), code=302)
    response.cache_control.public = True
    response.cache_control.max_age = SHORT_MAX_AGE
    return response


@bp.app_template_global()
def poster_drafts() -> list[feeds.FeedDraft]:
    """Drafts open for comment now, for the contact points' dashboard (links to their posters)."""
    return feeds.open_drafts(utcnow())


# Feeds


def _atom_response(body: bytes) -> Response:
    return _validated(Response(body, mimetype=atom.ATOM_TYPE), FEED_MAX_AGE)


def _feed(name: str, title: str, entries: list[atom.Entry]) -> bytes:
    base = base_url()
    with public_links():
        self_url = url_for(f"reach.{name}_feed", _external=True)
        site_url = url_for("public.home", _external=True)
    return atom.feed(
        feed_id=self_url,
        title=title,
        self_url=self_url,
        site_url=site_url,
        author=current_app.config["SITE_OWNER"] or urlsplit(base).hostname or "",
        lang=str(get_locale() or "zh").replace("_", "-"),
        entries=entries,
    )


def _drafts_feed(now) -> bytes:
    rows = feeds.opened_drafts(now)
    with public_links():
        links = {d.id: url_for("public.draft_page", slug=d.slug, _external=True) for d in rows}
    entries = [
        atom.Entry(
            id=atom.tag_uri(base_url(), d.created_at, f"drafts/{d.id}"),
            title=d.title,
            link=links[d.id],
            updated=d.opens_at,
            published=d.opens_at,
            summary=str(
                _("征求意见期：%(a)s至%(b)s", a=localdate(d.opens_at), b=localdate(d.closes_at))
                if d.closes_at
                else _("征求意见自%(a)s开始", a=localdate(d.opens_at))
            ),
        )
        for d in rows
    ]
    return _feed("drafts", str(_("法规草案公开征求意见")), entries)


def _feedback_feed() -> bytes:
    rows = feeds.feedback_publications()
    with public_links():
        links = {
            p.draft.id: url_for("feedback.feedback_page", slug=p.draft.slug, _external=True) for p in rows
        }
    entries = []
    for p in rows:
        revised = p.number > 1
        entries.append(
            atom.Entry(
                id=atom.tag_uri(base_url(), p.draft.created_at, f"drafts/{p.draft.id}/feedback/{p.number}"),
                title=str(
                    _("%(title)s：意见采纳情况反馈（第%(n)d次修订）", title=p.draft.title, n=p.number - 1)
                    if revised
                    else _("%(title)s：意见采纳情况反馈", title=p.draft.title)
                ),
                link=links[p.draft.id],
                updated=p.published_at,
                published=p.published_at,
                summary=(p.revision_note[:500] if revised and p.revision_note else "")
                or str(_("已公布对本草案所收到意见的采纳情况及理由。")),
            )
        )
    return _feed("feedback", str(_("意见采纳情况反馈")), entries)


@bp.get("/feeds/drafts.atom")
@public
def drafts_feed():
    """Drafts opened for comment, the most recently opened first (at most 50)."""
    fragments.fix_generation()  # before the drafts are read
    minute = utcnow().replace(second=0, microsecond=0)  # a draft opens on its date, not on a change
    return _atom_response(fragments.by_generation(("feed-drafts", minute), lambda: _drafts_feed(minute)))


@bp.get("/feeds/feedback.atom")
@public
def feedback_feed():
    """Feedback reports published (and their revisions), newest first (at most 50)."""
    fragments.fix_generation()  # before the publications are read
    return _atom_response(fragments.by_generation(("feed-feedback",), _feedback_feed))
