"""Translation helpers that also work outside a request (CLI, tests, parsers), and local dates."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from flask import has_app_context
from flask_babel import format_date, format_time, get_locale, gettext, lazy_gettext

from consult.clock import local_zone


def _(text: str, **kwargs) -> str:
    """gettext when an app is active, else plain %-formatting of the source string."""
    if has_app_context():
        return gettext(text, **kwargs)
    return text % kwargs if kwargs else text


_l = lazy_gettext


def localtime(value: datetime | None) -> str:
    """A UTC datetime shown in the configured zone and locale: 2026年11月27日 10:00."""
    if value is None:
        return ""
    return f"{format_date(value, 'long')} {format_time(value, 'HH:mm')}"


def localdate(value: datetime | None) -> str:
    """A date in the configured zone and locale: 2026年11月27日."""
    if value is None:
        return ""

    return _long_date(value.astimezone(local_zone()).date(), str(get_locale()))


@lru_cache(maxsize=4096)
def _long_date(day: date, locale: str) -> str:
    # Formatting through Babel is slow next to a dict lookup, and a page shows many equal dates.
    return format_date(day, "long")
