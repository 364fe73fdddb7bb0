"""Translation helpers that also work outside a request (CLI, tests, parsers), and local dates."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from flask import g, has_app_context
from flask_babel import format_date, get_locale, get_translations, lazy_gettext
from markupsafe import Markup

from consult.clock import local_zone


def _(text: str, **kwargs) -> str:
    """gettext when an app is active, else plain %-formatting of the source string."""
    if has_app_context():
        text = translations().ugettext(text)
    return text % kwargs if kwargs else text


def translations():
    """The catalogue of this app context's locale, looked up once.

    flask_babel's gettext asks its context, the domain and the locale again for every message (about
    ten context lookups a call): a draft page says 20 to 60 messages, and that was a fifth of its cold
    render. The locale is fixed for an app context (flask_babel keeps it on ``g`` too), so the catalogue
    is. Templates use it through ``install_fast_gettext``; needs an app context.
    """
    try:
        return g._consult_translations
    except AttributeError:
        found = g._consult_translations = get_translations()
        return found


def install_fast_gettext(app) -> None:
    """Jinja's gettext callables through ``translations()`` (replacing the ones flask_babel installed)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def locale_name() -> str:
    """This app context's locale as a string ("zh", "en"), looked up once (see ``translations``)."""
    try:
        return g._consult_locale
    except AttributeError:
        found = g._consult_locale = str(get_locale())
        return found


_l = lazy_gettext

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def html_lang() -> str:
    """The page's <html lang>: en, or zh-CN (CONTRACT.md, Reach)."""
    return "en" if locale_name() == "en" else "zh-CN"


def data_text(value) -> Markup:
    """The template filter ``zh``: text of the draft or of a person, which stays Chinese in any language.

    Marked ``lang="zh-CN"`` when it holds Chinese, so a screen reader reading an English page switches
    voice (and tests/web/test_english_pages.py can tell data from interface); text without Chinese (an
    English label, digits) is left as it is, and so is everything on a Chinese page, whose <html> says it.
    """
    if value is None:
        return Markup("")
    if isinstance(value, Markup) or html_lang() != "en" or not CJK.search(str(value)):
        return value if isinstance(value, Markup) else Markup.escape(value)
    return Markup('<span lang="zh-CN">%s</span>') % value


TRANSLATIONS = Path(__file__).resolve().parent / "translations"
log = logging.getLogger(__name__)


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile each messages.po whose messages.mo is missing or older (what `make translations` does).

    Run as the app starts, so `pytest` or `flask run` alone serve English without a build step; the .mo is
    written beside the .po under a temporary name and renamed, so two workers starting at once never read
    half a file. A folder that cannot be written (a read-only install) is left as it is, with a warning.
    """
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        # Babel's compiler is imported only when a catalogue needs compiling (most starts need none).
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        try:
            handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo-new")
            with os.fdopen(handle, "wb") as target:
                write_mo(target, catalog, use_fuzzy=False)
            os.chmod(temporary, 0o644)  # mkstemp makes it private; every worker's user reads it
            os.replace(temporary, mo)
        except OSError as error:
            log.warning("could not compile %s: %s", po, error)
            continue
        written.append(mo)
    return written


def localtime(value: datetime | None) -> str:
    """A UTC datetime shown in the configured zone and locale: 2026年11月27日 10:00."""
    if value is None:
        return ""
    # The date through the cached Babel format (_long_date), the time as digits: Babel's format_date and
    # format_time cost about 130 µs a call, and a staff page shows dozens of times. A naive value is UTC
    # (SQLite), as flask_babel's to_user_timezone reads it.
    moment = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(local_zone())
    return f"{_long_date(moment.date(), locale_name())} {moment:%H:%M}"


def localdate(value: datetime | None) -> str:
    """A date in the configured zone and locale: 2026年11月27日."""
    if value is None:
        return ""

    return _long_date(value.astimezone(local_zone()).date(), locale_name())


@lru_cache(maxsize=4096)
def _long_date(day: date, locale: str) -> str:
    # Formatting through Babel is slow next to a dict lookup, and a page shows many equal dates.
    return format_date(day, "long")
