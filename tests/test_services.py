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
