"""Dates typed into staff forms and filters (YYYY-MM-DD, local time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from consult.clock import as_utc
from consult.errors import ValidationError
from consult.i18n import _


def local_day_start(raw: str | None, field_name: str) -> datetime | None:
    """A form date (YYYY-MM-DD, local time) → the UTC moment its day starts; ValidationError if malformed."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d")
    except ValueError:
        raise ValidationError(
            _("日期格式应为“年-月-日”，例如 2026-11-27"), {field_name: _("日期格式不正确")}
        ) from None
    return as_utc(day)


def local_day_end(raw: str | None, field_name: str) -> datetime | None:
    """The UTC moment after the whole local day ends (for an inclusive "to" date)."""
    start = local_day_start(raw, field_name)
    return start + timedelta(days=1) if start is not None else None
