"""Builds the realtime objects from Django settings (the shell around the pure core)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import redis.asyncio as aioredis
from django.conf import settings

from realtime.store import StateStore


def account_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def redis_client() -> aioredis.Redis:
    return aioredis.from_url(settings.REDIS_URL)


def state_store(client: aioredis.Redis | None = None) -> StateStore:
    return StateStore(client or redis_client(), settings.WALLBOARD_REDIS_PREFIX)
