from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest
import redis
import redis.asyncio as aioredis
from django.conf import settings

from realtime.store import StateStore

FIXTURES = Path(__file__).parent / "fixtures"


def doc_examples() -> list[tuple[str, dict]]:
    """Every example event of Voicenter's realtime API doc, in the doc's order."""
    lines = (FIXTURES / "voicenter_doc_examples.jsonl").read_bytes().splitlines()
    return [tuple(orjson.loads(line)) for line in lines if line.strip()]


@pytest.fixture(scope="session", autouse=True)
def _clean_test_redis_db():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()
    client.close()


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
