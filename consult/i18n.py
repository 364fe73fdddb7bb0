"""Translation helpers that also work outside a request (CLI, tests, parsers), and local dates."""

from __future__ import annotations

from datetime import datetime

from flask import has_app_context
from flask_babel import format_date, format_time, gettext, lazy_gettext


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
    return format_date(value, "long")
