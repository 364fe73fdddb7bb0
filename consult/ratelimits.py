"""Per-address quotas, each named once: accepted comments, refused submissions, unknown receipt codes.

A quota is a setting in Flask-Limiter syntax ("10 per minute;200 per day") counted in Flask-Limiter's
storage (memory:// or redis:// from RATELIMIT_STORAGE_URI), so it holds across gunicorn workers and
instances. The fixed-window counters are incremented atomically (Redis INCRBY in one script), which is
what makes `take` exact: a slot is taken *before* the write it pays for, so forty simultaneous posts
cannot all pass a check that is only counted afterwards, and `give_back` returns it when the write
does not happen.

When the storage is down every quota fails open: a citizen's comment matters more than a perfect
limit, and the failure is logged: once per quota and minute, not once per call (OutageLog).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from limits import RateLimitItem, parse_many

from consult.clock import utcnow
from consult.errors import NotFound, RateLimited, ValidationError
from consult.extensions import limiter
from consult.i18n import _

# While the storage is down every request meets it, several times: one warning per scope and process per
# this many seconds, the first of an outage with its traceback, the next ones with the error's name and
# the count of those left unsaid.
OUTAGE_LOG_INTERVAL = timedelta(seconds=60)


class OutageLog:
    """Warnings of an unavailable storage, at most one per scope and interval."""

    def __init__(self, interval: timedelta = OUTAGE_LOG_INTERVAL):
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[str, datetime] = {}  # scope → when its last warning was written
        self._suppressed: dict[str, int] = {}  # scope → failures since, not written

    def report(self, scope: str, what: str) -> None:
        """Note one failure (call it inside the `except`); write a warning when the interval has passed."""
        now = utcnow()
        with self._lock:
            last = self._last.get(scope)
            if last is not None and now - last < self.interval:
                self._suppressed[scope] = self._suppressed.get(scope, 0) + 1
                return
            self._last[scope] = now
            suppressed = self._suppressed.pop(scope, 0)
        # The traceback once per outage: with the first warning, or after an interval without failures.
        first = suppressed == 0
        message = "rate-limit storage unavailable; %s %s"
        args: tuple = (scope, what)
        if suppressed:
            message += " (%d more failures since the last warning, not logged one by one)"
            args += (suppressed,)
        if not first:
            exc = sys.exc_info()[1]
            message += " [%s]"
            args += (type(exc).__name__ if exc is not None else "unknown error",)
        current_app.logger.warning(message, *args, exc_info=first)


OUTAGES_KEY = "consult_ratelimit_outages"


def outage_log() -> OutageLog:
    """The app's OutageLog: one per app, so per worker process (and per test's app)."""
    return current_app.extensions.setdefault(OUTAGES_KEY, OutageLog())


@dataclass(frozen=True)
class Quota:
    """One per-address limit: ``scope`` names its counters, ``setting`` its size (a config key)."""

    scope: str
    setting: str

    def _key(self) -> str:
        # RATELIMIT_KEY_PREFIX keeps deployments (or test runs) that share one Redis apart.
        return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}{self.scope}"

    def _items(self) -> list[RateLimitItem]:
        return parse_many(current_app.config[self.setting])

    def _unavailable(self, what: str) -> None:
        outage_log().report(self.scope, what)

    def allows(self, address: str | None) -> bool:
        """Whether the address has room left now (a check only: nothing is counted)."""
        if not address:
            return True
        try:
            return all(limiter.limiter.test(item, self._key(), address) for item in self._items())
        except Exception:
            self._unavailable("not enforced")
            return True

    def count(self, address: str | None) -> None:
        """Count one against the address, whether or not there was room (refusals, unknown codes)."""
        if not address:
            return
        try:
            for item in self._items():
                limiter.limiter.hit(item, self._key(), address)
        except Exception:
            self._unavailable("not counted")

    def take(self, address: str | None) -> bool:
        """Take one slot atomically; False (and nothing kept) when any of the limits is full."""
        if not address:
            return True
        taken: list[RateLimitItem] = []
        try:
            for item in self._items():
                taken.append(item)  # a fixed window counts even the hit it refuses
                if not limiter.limiter.hit(item, self._key(), address):
                    self._release(taken, address)
                    return False
        except Exception:
            self._unavailable("not enforced")
            return True
        return True

    def give_back(self, address: str | None) -> None:
        """Return a slot taken for a write that did not happen."""
        if address:
            try:
                self._release(self._items(), address)
            except Exception:
                self._unavailable("not given back")

    def _release(self, items: list[RateLimitItem], address: str) -> None:
        for item in items:
            limiter.limiter.hit(item, self._key(), address, cost=-1)


# Accepted comments (the public form and API): taken before the insert, given back if it fails.
COMMENTS = Quota("comment-submit", "COMMENT_RATE_LIMIT")
# Refused submissions (too long, empty, malformed; comments and satisfaction ratings alike): past it
# even a good submission gets 429, so a flood of refused megabytes is cheap to turn away.
REFUSALS = Quota("comment-refused", "COMMENT_REFUSAL_LIMIT")
# Receipt codes looked up that do not exist (the receipt page, the API, the rating and
# stop-notifications forms): guessing codes is the only way to find someone else's comment.
RECEIPT_MISSES = Quota("receipt-miss", "RECEIPT_LOOKUP_LIMIT")
# Subscription requests (the /subscribe form and the API), refused or not: each may cost a mail.
SUBSCRIBES = Quota("subscribe", "SUBSCRIBE_RATE_LIMIT")


@contextmanager
def receipt_lookup(address: str | None) -> Iterator[Callable[[], None]]:
    """Guard one lookup by receipt code: refused (429) once the address has missed too often.

    The block calls the function it is given when the code turned out unknown, or raises NotFound;
    either counts against RECEIPT_LOOKUP_LIMIT. Found codes cost nothing: a person checking their own
    comment again and again is never limited.
    """
    if not RECEIPT_MISSES.allows(address):
        RECEIPT_MISSES.count(address)  # a refused lookup counts too: hammering keeps the door shut
        raise RateLimited(_("查询次数过多，请稍后再试。请核对回执码：13位数字，不区分空格和短横线。"))
    try:
        yield lambda: RECEIPT_MISSES.count(address)
    except NotFound:
        RECEIPT_MISSES.count(address)
        raise


TOO_OFTEN = _("您提交得太频繁了，请稍后再试。您填写的内容已保留。")


@contextmanager
def refusals_counted(address: str | None) -> Iterator[None]:
    """Guard the checking of a public submission: a ValidationError raised in the block counts against
    the address's COMMENT_REFUSAL_LIMIT, and past it the submission is refused before any checking."""
    if not REFUSALS.allows(address):
        raise RateLimited(TOO_OFTEN)
    try:
        yield
    except ValidationError:
        REFUSALS.count(address)
        raise
