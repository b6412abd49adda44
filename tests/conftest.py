"""Fixtures. Tests marked ``pure`` need no Redis and no database (``pytest -m pure`` runs them
with both stopped); every other test gets the test Redis database, flushed at the suite's start
and end, with the embedded server started first when ``REDIS_URL`` is unset."""

from __future__ import annotations

import uuid

import pytest
import redis
import redis.asyncio as aioredis
from django.conf import settings

from realtime.store import StateStore


@pytest.fixture(scope="session")
def _test_redis():
    from wallboard.board.services import ensure_redis

    ensure_redis()
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def _redis_unless_pure(request):
    if request.node.get_closest_marker("pure") is None:
        request.getfixturevalue("_test_redis")


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:8]}:"


@pytest.fixture
async def aredis():
    client = aioredis.from_url(settings.REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def store(aredis, prefix):
    yield StateStore(aredis, prefix)
    keys = [k async for k in aredis.scan_iter(match=prefix + "*")]
    if keys:
        await aredis.delete(*keys)


@pytest.fixture
def use_prefix(settings, prefix):
    """Point the Django-side services (commands, consumers) at this test's keys."""
    settings.WALLBOARD_REDIS_PREFIX = prefix
    yield prefix
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()
