"""Per-address quotas, each named once: accepted comments, refused submissions, unknown receipt codes.

A quota is a setting in Flask-Limiter syntax ("10 per minute;200 per day") counted in Flask-Limiter's
storage (memory:// or redis:// from RATELIMIT_STORAGE_URI), so it holds across gunicorn workers and
instances. The fixed-window counters are incremented atomically (Redis INCRBY in one script), which is
what makes `take` exact: a slot is taken *before* the write it pays for, so forty simultaneous posts
cannot all pass a check that is only counted afterwards, and `give_back` returns it when the write
does not happen.

When the storage is down every quota fails open: a citizen's comment matters more than a perfect
limit, and the failure is logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse_many

from consult.errors import NotFound, RateLimited, ValidationError
from consult.extensions import limiter
from consult.i18n import _


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
        current_app.logger.warning("rate-limit storage unavailable; %s %s", self.scope, what, exc_info=True)

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
