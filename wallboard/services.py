"""Builds the realtime objects from Django settings (the shell around the pure core)."""

from __future__ import annotations

import asyncio
import weakref
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis
from django.conf import settings

from realtime.pipeline import Pipeline
from realtime.store import StateStore
from wallboard.broadcast import Broadcaster


def account_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def redis_client() -> aioredis.Redis:
    return aioredis.from_url(settings.REDIS_URL)


def state_store(client: aioredis.Redis | None = None) -> StateStore:
    return StateStore(client or redis_client(), settings.WALLBOARD_REDIS_PREFIX)


_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, StateStore] = (
    weakref.WeakKeyDictionary()
)


def shared_store() -> StateStore:
    """One store (one Redis connection pool) per event loop, shared by every board of a web
    process: a thousand screens must not mean a thousand Redis connections."""
    loop = asyncio.get_running_loop()
    store = _shared.get(loop)
    if store is None:
        store = _shared[loop] = state_store()
    return store


def pipeline() -> Pipeline:
    """The worker's pipeline, telling the boards of every committed change."""
    store = state_store()
    return Pipeline(store, account_tz(), listener=Broadcaster(store))
