"""Production parts started for real: Redis as the shared rate-limit store."""

from __future__ import annotations

import os

import pytest

from consult.extensions import limiter
from tests.conftest import skip_or_fail

REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_production_settings_start_with_redis_limiter_storage(make_app, redis_url):
    app = make_app(PRODUCTION=True, SECRET_KEY="p" * 40, RATELIMIT_STORAGE_URI=redis_url)
    with app.app_context():
        storage = limiter.storage
        assert type(storage).__name__.lower().startswith("redis")
        assert storage.check() is True


def _submit_n(app, n, slug):
    from consult.comments.operations import CommentInput, submit_comment
    from consult.context import RequestContext
    from consult.db import end_read

    ctx = RequestContext(address_hash="r" * 32, address="203.0.113.77")
    results = []
    for _ in range(n):
        end_read()
        try:
            results.append(submit_comment(ctx, slug, CommentInput(body="通过 Redis 计数的意见内容。")).status)
        except Exception as exc:  # the domain error is what we look at
            results.append(type(exc).__name__)
    return results


def test_the_comment_quota_holds_in_redis(make_app, factory, redis_url):
    import uuid

    app = make_app(
        COMMENT_RATE_LIMIT="2 per minute",
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    with app.app_context():
        assert type(limiter.storage).__name__.lower().startswith("redis")
        draft = factory.draft()
        assert _submit_n(app, 3, draft.slug) == ["pending", "pending", "RateLimited"]


def test_the_quota_fails_open_and_logs_when_redis_is_down(make_app, factory, caplog):
    app = make_app(COMMENT_RATE_LIMIT="1 per minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        draft = factory.draft()
        with caplog.at_level("WARNING"):
            assert _submit_n(app, 3, draft.slug) == ["pending", "pending", "pending"]
    assert any("rate-limit storage unavailable" in r.getMessage() for r in caplog.records)


def test_a_redis_outage_is_one_warning_per_quota_and_minute(make_app, factory, caplog, clock):
    app = make_app(COMMENT_RATE_LIMIT="1 per minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")

    def warnings() -> list:
        found = [r for r in caplog.records if "rate-limit storage unavailable" in r.getMessage()]
        caplog.clear()
        return found

    with app.app_context():
        draft = factory.draft()
        with caplog.at_level("WARNING"):
            # Each submission meets the storage twice: the refusal quota's check and the comment quota's take.
            assert _submit_n(app, 5, draft.slug) == ["pending"] * 5
            first = warnings()
            assert sorted(r.getMessage().split(";")[1].split()[0] for r in first) == [
                "comment-refused",
                "comment-submit",
            ]
            assert all(r.exc_info for r in first)  # the first of an outage with its traceback
            clock.advance(seconds=59)
            _submit_n(app, 3, draft.slug)
            assert warnings() == []
            clock.advance(seconds=2)
            _submit_n(app, 1, draft.slug)
            later = warnings()
            assert len(later) == 2
            assert all("(7 more failures since the last warning" in r.getMessage() for r in later)
            assert all(not r.exc_info for r in later)  # no traceback while the outage goes on
            assert all("[ConnectionError]" in r.getMessage() for r in later)
