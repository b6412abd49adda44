"""The shell around the pure core: Redis started when needed, stores, and the ingest wiring."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
import redis

from realtime.publisher import channel, unpack
from realtime.redis_server import embedded_redis_url, stop_embedded_redis
from tests.examples import doc_examples
from tests.helpers import next_message
from wallboard.core import services
from wallboard.worker import wiring


@pytest.fixture
def embedded_dir(settings, monkeypatch):
    """A fresh embedded-Redis directory (short: a unix socket path has ~100 characters)."""
    data_dir = Path(tempfile.mkdtemp(prefix="wb-", dir="/tmp")) / "redis"
    settings.REDIS_EMBEDDED_DIR = data_dir
    monkeypatch.setattr(services, "_redis_checked", False)
    yield data_dir
    stop_embedded_redis(data_dir)


def test_the_embedded_redis_is_started_on_first_need_then_not_checked_again(embedded_dir):
    url = embedded_redis_url(embedded_dir)
    services.ensure_redis()
    client = redis.Redis.from_url(url)
    assert client.ping()
    client.close()
    stop_embedded_redis(embedded_dir)
    services.ensure_redis()  # once per process: no second look, so no new server
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url).ping()


async def test_one_shared_store_per_event_loop():
    store = services.shared_store()
    assert services.shared_store() is store  # every board of this loop shares one pool

    async def other_loops_store():
        other = services.shared_store()
        await other.redis.aclose()
        return other

    other = await asyncio.to_thread(asyncio.run, other_loops_store())
    assert other is not store


async def test_the_stores_use_the_configured_prefix(use_prefix):
    store = services.state_store()
    try:
        assert store.meta_key.startswith(use_prefix)
    finally:
        await store.redis.aclose()


async def test_ingest_stores_the_events_and_publishes_them_to_the_boards(use_prefix):
    wired = wiring.ingest()
    pubsub = wired.store.redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel(use_prefix))
    try:
        await wired.pipeline.load()
        for name, payload in doc_examples()[:3]:  # loginSuccess, loginStatus, extensions
            await wired.pipeline.feed(name, payload)
        stored = await wired.store.snapshot()
        assert stored.state["agents"]
        assert stored.epoch == wired.board.epoch
        published = unpack(await next_message(pubsub))
        assert (published.kind, published.epoch) == ("snapshot", stored.epoch)
    finally:
        await pubsub.aclose()
        await wired.aclose()


async def test_the_web_and_the_worker_name_their_redis_connections(use_prefix):
    web = services.shared_store().redis
    worker = wiring.ingest().store.redis
    try:
        await web.ping()
        await worker.ping()
        named = {c.get("name") for c in await web.client_list()}
        assert {"wallboard-web", "wallboard-worker"} <= named  # CLIENT LIST says whose each is
    finally:
        await worker.aclose()
