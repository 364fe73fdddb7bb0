"""A visitor's reading preferences: care mode (长辈模式) and the language, each kept in a cookie.

The one home of the cookie names and of their reading: the locale selector, the page cache, the shared
fragments and the templates all ask this module. ``GET /preferences?care=on|off&lang=zh|en&next=PATH``
remembers a choice for a year and answers 303 to ``next``, a path on this site only (an address that a
browser would take to another host is refused and the home page is used instead: no open redirect).

Works without JavaScript: the header's links point here. Nothing is written server side; a preference
is not personal data (it says nothing about who the visitor is), so no consent banner is needed.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Response, current_app, has_request_context, request, url_for

from consult.auth.access import public
from consult.i18n import locale_name
from consult.net import cookie, header_value

bp = Blueprint("preferences", __name__)

CARE_COOKIE = "consult_care"
LANG_COOKIE = "consult_lang"
CARE_ON = "on"
LANGUAGES = ("zh", "en")
COOKIE_AGE = timedelta(days=365)
# A "next" longer than any address of the site is not one of its pages.
NEXT_MAX = 2048
# Browsers drop tabs and line breaks from a URL and read "\" as "/": "/\t/evil" and "/\evil" lead away.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")
_LOCALES = {name: Locale.parse(name) for name in LANGUAGES}
# Accept-Language header -> its best language (``language``): bounded, and only for short headers.
_BEST_FOR_HEADER: dict[str, str] = {}
ACCEPT_KEPT_MAX = 200
ACCEPT_KEPT_ENTRIES = 1000


def care_mode() -> bool:
    """Whether this visitor chose care mode (the cookie says "on"); False outside a request."""
    return has_request_context() and cookie(CARE_COOKIE) == CARE_ON


def chosen_language() -> str | None:
    """The language this visitor chose ("zh" or "en"), or None when they chose none (or it is unknown)."""
    if not has_request_context():
        return None
    value = cookie(LANG_COOKIE)
    return value if value in LANGUAGES else None


def language() -> str:
    """The language this visitor chose, else the best of Accept-Language for it, else zh."""
    if not has_request_context():
        return "zh"
    chosen = chosen_language()
    if chosen:
        return chosen
    header = request.environ.get("HTTP_ACCEPT_LANGUAGE", "")  # headers.get raises and catches on a miss
    best = _BEST_FOR_HEADER.get(header)
    if best is None:
        best = request.accept_languages.best_match(LANGUAGES, default="zh")
        if len(header) <= ACCEPT_KEPT_MAX and len(_BEST_FOR_HEADER) < ACCEPT_KEPT_ENTRIES:
            _BEST_FOR_HEADER[header] = best
    return best


def locale() -> Locale:
    """The locale selector (flask_babel's): ``language()`` as one Locale made once per language.

    Browsers send a handful of Accept-Language headers, each of them thousands of times: parsing one
    and making a Locale from the answer cost about 20 µs a request. The answer for a header is kept
    (short headers only, and a bounded number of them: made-up headers cannot grow the table).
    """
    return _LOCALES[language()]


def variant() -> tuple[str, str]:
    """What a page's HTML depends on besides its data: ("care"|"std", the locale it is rendered in).

    Every cache of rendered HTML (the page cache, the shared fragments) puts this in its keys, so a
    care-mode or English visitor is never served what was rendered for another. The language is the
    locale the selector chose (the cookie, else Accept-Language), i.e. the one the page is rendered in.
    """
    if not has_request_context():
        return ("std", "zh")
    held = request._get_current_object()  # asked by every fragment of a page: read once a request
    try:
        return held.consult_variant
    except AttributeError:
        found = held.consult_variant = ("care" if care_mode() else "std", locale_name())
        return found


def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site, else the home page."""
    if value and len(value) <= NEXT_MAX and value.startswith("/") and not _UNSAFE.search(value):
        parts = urlsplit(value)
        if not value.startswith("//") and not parts.scheme and not parts.netloc:
            return value
    return url_for("public.home")


def here() -> str:
    """This page's own address as a ``next`` (path and query, under the app's prefix)."""
    return request.script_root + request.full_path.rstrip("?")


def remember(response: Response, name: str, value: str | None) -> None:
    """Keep one preference for a year (None forgets it), set as the session cookie is (Lax, Secure)."""
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    path = request.script_root or "/"
    if value is None:
        response.delete_cookie(name, path=path, secure=secure, httponly=True, samesite="Lax")
    else:
        response.set_cookie(
            name,
            value,
            max_age=COOKIE_AGE,
            path=path,
            secure=secure,
            httponly=True,  # read by the server only
            samesite="Lax",
        )


@bp.get("/preferences")
@public
def choose():
    """Remember care mode and/or the language, then go back to the page the visitor came from."""
    response = Response(status=303)
    # Built by hand, not flask.redirect: its body repeats the address, and a receipt page's address is
    # as good as the receipt code.
    response.headers["Location"] = safe_next(request.args.get("next"))
    care = request.args.get("care")
    if care in ("on", "off"):
        remember(response, CARE_COOKIE, CARE_ON if care == "on" else None)
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        remember(response, LANG_COOKIE, lang)
    return response


@bp.app_template_global("care_mode")
def _care_mode_global() -> bool:
    return care_mode()


@bp.app_template_global("preference_url")
def preference_url(**choice: str) -> str:
    """The header's link that switches a preference and comes back to this page."""
    return url_for("preferences.choose", **choice, next=here())


# What a page depends on besides its address (vary).
VARY = ("Cookie", "Accept-Language")


@bp.after_app_request
def vary(response: Response) -> Response:
    """A shared proxy must keep one copy per preference: the page depends on the cookies and the language."""
    if request.endpoint != "static":
        if header_value(response.headers, "Vary") is not None:
            response.vary.update(VARY)
        else:  # the usual case, without parsing and writing the header twice
            response.headers["Vary"] = ", ".join(VARY)
    return response
