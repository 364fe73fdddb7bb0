"""Translation helpers that also work outside a request (CLI, tests, parsers), and local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from flask import has_app_context
from flask_babel import format_date, get_locale, gettext, lazy_gettext

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
    # The date through the cached Babel format (_long_date), the time as digits: Babel's format_date and
    # format_time cost about 130 µs a call, and a staff page shows dozens of times. A naive value is UTC
    # (SQLite), as flask_babel's to_user_timezone reads it.
    moment = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(local_zone())
    return f"{_long_date(moment.date(), str(get_locale()))} {moment:%H:%M}"


def localdate(value: datetime | None) -> str:
    """A date in the configured zone and locale: 2026年11月27日."""
    if value is None:
        return ""

    return _long_date(value.astimezone(local_zone()).date(), str(get_locale()))


@lru_cache(maxsize=4096)
def _long_date(day: date, locale: str) -> str:
    # Formatting through Babel is slow next to a dict lookup, and a page shows many equal dates.
    return format_date(day, "long")
