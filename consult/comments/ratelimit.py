"""Per-address comment quotas: accepted (COMMENT_RATE_LIMIT) and refused (COMMENT_REFUSAL_LIMIT) comments.

Refusals have their own, more generous counter: a flood of refused posts (megabytes of markup, empty
bodies) is throttled without a citizen's corrected retry using up the quota of accepted comments.

Uses Flask-Limiter's storage (memory:// or redis:// from RATELIMIT_STORAGE_URI), so the quota holds
across gunicorn workers. When the storage is down the quota fails open: a citizen's comment matters
more than a perfect limit, and the failure is logged.
"""

from __future__ import annotations

from flask import current_app
from limits import RateLimitItem, parse_many

from consult.extensions import limiter

SCOPE = "comment-submit"
REFUSAL_SCOPE = "comment-refused"


def _scope(scope: str = SCOPE) -> str:
    # RATELIMIT_KEY_PREFIX keeps deployments (or test runs) that share one Redis apart.
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}{scope}"


def _limits(setting: str = "COMMENT_RATE_LIMIT") -> list[RateLimitItem]:
    return parse_many(current_app.config[setting])


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


def refusals_left(address: str | None) -> bool:
    """Whether this address may have another submission refused now (fails open like quota_left)."""
    if not address:
        return True
    try:
        limits = _limits("COMMENT_REFUSAL_LIMIT")
        return all(limiter.limiter.test(item, _scope(REFUSAL_SCOPE), address) for item in limits)
    except Exception:
        current_app.logger.warning(
            "rate-limit storage unavailable; refusal limit not enforced", exc_info=True
        )
        return True


def count_refusal(address: str | None) -> None:
    """Record one refused submission against the address's refusal limit."""
    if not address:
        return
    try:
        for item in _limits("COMMENT_REFUSAL_LIMIT"):
            limiter.limiter.hit(item, _scope(REFUSAL_SCOPE), address)
    except Exception:
        current_app.logger.warning("rate-limit storage unavailable; refusal not counted", exc_info=True)
