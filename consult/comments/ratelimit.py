"""Per-address comment quota (COMMENT_RATE_LIMIT), counting accepted comments only.

Uses Flask-Limiter's storage (memory:// or redis:// from RATELIMIT_STORAGE_URI), so the quota holds
across gunicorn workers. When the storage is down the quota fails open: a citizen's comment matters
more than a perfect limit, and the failure is logged.
"""

from __future__ import annotations

from flask import current_app
from limits import RateLimitItem, parse_many

from consult.extensions import limiter

SCOPE = "comment-submit"


def _scope() -> str:
    # RATELIMIT_KEY_PREFIX keeps deployments (or test runs) that share one Redis apart.
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}{SCOPE}"


def _limits() -> list[RateLimitItem]:
    return parse_many(current_app.config["COMMENT_RATE_LIMIT"])


def quota_left(address: str | None) -> bool:
    """Whether this address may submit another comment now."""
    if not address:
        return True
    try:
        return all(limiter.limiter.test(item, _scope(), address) for item in _limits())
    except Exception:
        current_app.logger.warning(
            "rate-limit storage unavailable; comment quota not enforced", exc_info=True
        )
        return True


def count_comment(address: str | None) -> None:
    """Record one accepted comment against the address's quota."""
    if not address:
        return
    try:
        for item in _limits():
            limiter.limiter.hit(item, _scope(), address)
    except Exception:
        current_app.logger.warning("rate-limit storage unavailable; comment not counted", exc_info=True)
