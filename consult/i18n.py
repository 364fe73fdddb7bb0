"""Translation helpers that also work outside a request (CLI, tests, parsers)."""

from flask import has_app_context
from flask_babel import gettext, lazy_gettext


def _(text: str, **kwargs) -> str:
    """gettext when an app is active, else plain %-formatting of the source string."""
    if has_app_context():
        return gettext(text, **kwargs)
    return text % kwargs if kwargs else text


_l = lazy_gettext
