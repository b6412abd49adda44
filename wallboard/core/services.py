"""Builds the realtime objects from Django settings: the shell around the pure core (Redis
clients, the state store, Voicenter's REST client, the account's time zone). The worker's
wiring of the pipeline is the worker app's (``wallboard/worker/wiring.py``).

Also starts the embedded Redis (when ``REDIS_URL`` is unset) the first time a process needs
Redis: settings only compute its address; the processes that use it (the worker, the web
server, the commands, the test fixtures) start it here before first use.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from zoneinfo import ZoneInfo

import redis
import redis.asyncio as aioredis
from django.conf import settings

from realtime.daystore import DayStore
from realtime.keys import Keys
from realtime.redis_server import ensure_embedded_redis
from realtime.state import AgentView
from realtime.store import StateStore
from realtime.voicenter.client import VoicenterClient

_redis_checked = False


def ensure_redis() -> None:
    """Start (or find) the embedded Redis if it is the configured one; once per process."""
    global _redis_checked
    if settings.REDIS_EMBEDDED_DIR is not None and not _redis_checked:
        ensure_embedded_redis(settings.REDIS_EMBEDDED_DIR)
    _redis_checked = True


def account_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


#: Redis connections per process (a web process's boards share them); past this a request
#: waits up to REDIS_WAIT_S for a free one instead of failing: a thousand screens reconnecting
#: at once queue their snapshot reads rather than open a thousand connections.
REDIS_POOL_SIZE = 32
REDIS_WAIT_S = 20.0


def redis_client(name: str = "wallboard") -> aioredis.Redis:
    """An asyncio client whose connections carry ``name`` (Redis's ``CLIENT LIST`` then says
    whose each is: ``wallboard-web``, ``wallboard-worker``)."""
    ensure_redis()
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.REDIS_URL, max_connections=REDIS_POOL_SIZE, timeout=REDIS_WAIT_S,
        client_name=name,
    )  # fmt: skip
    return aioredis.Redis(connection_pool=pool)


def sync_redis_client(timeout_s: float = 2.0) -> redis.Redis:
    """A synchronous client for the web side's synchronous code (signals, sign-in), with
    short timeouts: a person is waiting on it, and Redis away must not hang them."""
    ensure_redis()
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout_s, socket_timeout=timeout_s
    )


_sync_clients: dict[str, redis.Redis] = {}
_sync_lock = threading.Lock()


def shared_sync_client() -> redis.Redis:
    """One synchronous client per process (per ``REDIS_URL``), for the small writes of the
    web side's synchronous code (a counter, a sign-in's count): its pool is thread-safe, so no
    request opens a connection of its own. Short timeouts, as ``sync_redis_client``'s."""
    url = settings.REDIS_URL
    client = _sync_clients.get(url)
    if client is None:
        with _sync_lock:
            client = _sync_clients.get(url) or sync_redis_client()
            _sync_clients[url] = client
    return client


def keys() -> Keys:
    """The Redis keys under this site's prefix (``realtime/keys.py``)."""
    return Keys(settings.WALLBOARD_REDIS_PREFIX)


def day_store(client: aioredis.Redis, holder: str = "") -> DayStore:
    """The day's counters and call records in Redis (``realtime/daystore.py``); ``holder``: the
    worker's lease id, which fences its writes (``realtime/lease.py``)."""
    return DayStore(client, settings.WALLBOARD_REDIS_PREFIX, holder)


def state_store(client: aioredis.Redis | None = None, holder: str = "") -> StateStore:
    """The board's state in Redis (``realtime/store.py``); ``holder`` as for :func:`day_store`."""
    return StateStore(client or redis_client(), settings.WALLBOARD_REDIS_PREFIX, holder)


_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, StateStore] = (
    weakref.WeakKeyDictionary()
)


def shared_store() -> StateStore:
    """One store (one Redis connection pool) per event loop, shared by every board of a web
    process: a thousand screens must not mean a thousand Redis connections."""
    loop = asyncio.get_running_loop()
    store = _shared.get(loop)
    if store is None:
        store = _shared[loop] = state_store(redis_client("wallboard-web"))
    return store


def voicenter_client() -> VoicenterClient:
    """A client for Voicenter's REST APIs (status changes, the extension list), with the
    account's API code; close it with ``aclose`` (it holds an httpx connection pool)."""
    return VoicenterClient(
        api_url=settings.VOICENTER_API_URL,
        comet_url=settings.VOICENTER_COMET_URL,
        call_log_url=settings.VOICENTER_CALL_LOG_URL,
        api_code=settings.VOICENTER_API_CODE,
        timeout_s=settings.VOICENTER_API_TIMEOUT_S,
    )


async def live_agents() -> dict[str, AgentView]:
    """The board's agents as the worker last stored them (keyed by SIP user)."""
    store = state_store()
    try:
        return dict((await store.snapshot()).state.get("agents", {}))
    finally:
        await store.redis.aclose()
