"""The one clock: UTC now, injectable through the CLOCK setting so tests of deadlines need no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC; `app.config["CLOCK"]` (a callable) overrides it."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            value = clock()
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The zone people read times in (TIMEZONE, Asia/Shanghai by default)."""
    name = current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def as_utc(value: datetime) -> datetime:
    """Make a datetime aware in UTC; a naive one is taken as local (Asia/Shanghai) time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)


class FrozenClock:
    """A settable clock for tests and benchmarks."""

    def __init__(self, start: datetime):
        self.now = as_utc(start)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward by a timedelta's keyword arguments."""

        self.now = self.now + timedelta(**delta)
