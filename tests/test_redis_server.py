"""The embedded Redis used when REDIS_URL is unset: a real server, shared, persistent."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import redis

from realtime.redis_server import ensure_embedded_redis, socket_path, stop_embedded_redis


@pytest.fixture
def data_dir():
    with tempfile.TemporaryDirectory(prefix="wb-") as path:  # short: unix socket path limit
        yield Path(path)
        stop_embedded_redis(Path(path))


def test_it_starts_a_real_server_and_later_callers_share_it(data_dir):
    url = ensure_embedded_redis(data_dir)
    client = redis.Redis.from_url(url)
    client.set("k", "v")
    pid = client.info("server")["process_id"]
    assert ensure_embedded_redis(data_dir) == url
    again = redis.Redis.from_url(url)
    assert again.get("k") == b"v"
    assert again.info("server")["process_id"] == pid
    client.close()
    again.close()


def test_its_data_survives_a_restart(data_dir):
    client = redis.Redis.from_url(ensure_embedded_redis(data_dir))
    client.set("counter", 41)
    client.close()
    assert stop_embedded_redis(data_dir)
    client = redis.Redis.from_url(ensure_embedded_redis(data_dir))
    assert client.get("counter") == b"41"
    client.close()


def test_a_deep_data_dir_still_gets_a_short_socket_path(tmp_path):
    deep = tmp_path / ("d" * 120)
    assert len(str(socket_path(deep))) <= 100
