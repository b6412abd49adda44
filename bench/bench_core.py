"""Throughput of the pure core (normalise + reduce) and of the full pipeline into Redis.

Run: .venv/bin/python bench/bench_core.py [--agents 1000] [--queues 50] [--seconds 300]
     [--redis-url URL]
Prints events per second for each stage and the memory of the in-memory state, each next to
what bounds it, measured in the same run: the event rate the simulated peak demands, the rate
of merely decoding the events' JSON (the least work per event), and Redis round trips per
second (a commit is one round trip).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
os.environ.setdefault("WALLBOARD_DEV_SECRET_KEY", "1")  # a benchmark, not a site

import django

django.setup()

import orjson
import redis.asyncio as aioredis
from django.conf import settings

from bench.workload import peak
from realtime.contacts import ContactNames
from realtime.events import Rejected
from realtime.phones import key_of
from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.simulator.model import RawEvent
from realtime.state import empty_state, reduce
from realtime.store import StateStore
from realtime.voicenter.wire import normalise
from realtime.worker import MAX_BATCH
from wallboard.core.services import ensure_redis


def bench_core(events: list[RawEvent], seconds: int) -> None:
    print(f"demand at this peak: {len(events) / seconds:,.0f} events/s")
    encoded = [orjson.dumps(payload) for _, payload in events]
    started = time.perf_counter()
    for raw in encoded:
        orjson.loads(raw)
    decode = len(events) / (time.perf_counter() - started)
    started = time.perf_counter()
    state, offset = empty_state(), None
    for name, payload in events:
        for event in normalise(name, payload, offset_min=offset):
            if not isinstance(event, Rejected):
                offset = getattr(event, "offset_min", None) or offset
                state, _ = reduce(state, event)
    elapsed = time.perf_counter() - started
    print(
        f"normalise+reduce: {len(events) / elapsed:,.0f} events/s ({len(events)} events); "
        f"ceiling (JSON decode alone): {decode:,.0f} events/s"
    )
    # our contacts' names set on every caller and call (realtime/contacts.py), from a directory
    # of 10,000 contacts holding every number the workload dials from
    numbers = {str(c.get("CallerID") or c.get("callerid") or "") for c in _calls(events)}
    directory = {key: f"Contact {i}" for i, key in enumerate(filter(None, map(key_of, numbers)))}
    directory.update({f"+97250{i:07d}": f"Filler {i}" for i in range(10_000 - len(directory))})
    contacts = ContactNames(directory)
    started = time.perf_counter()
    state, offset = empty_state(), None
    for name, payload in events:
        for event in normalise(name, payload, offset_min=offset):
            if not isinstance(event, Rejected):
                offset = getattr(event, "offset_min", None) or offset
                state, _ = reduce(state, contacts.enrich(event))
    named = len(events) / (time.perf_counter() - started)
    print(
        f"normalise+name+reduce (10,000 contacts): {named:,.0f} events/s;"
        f" the same without naming: {len(events) / elapsed:,.0f} events/s"
    )
    tracemalloc.start()
    state, offset = empty_state(), None
    for name, payload in events[:3]:
        for event in normalise(name, payload, offset_min=offset):
            state, _ = reduce(state, event)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"state of {len(state['agents'])} agents: {current / 1e6:.1f} MB in memory")


def _calls(events: list[RawEvent]) -> list[dict[str, object]]:
    """Every waiting caller of the workload's queue events (as Voicenter spells them)."""
    found = []
    for _, payload in events:
        data = payload.get("data")
        if isinstance(data, dict):
            found += [c for c in data.get("Calls") or [] if isinstance(c, dict)]
    return found


async def bench_pipeline(events: list[RawEvent], url: str) -> None:
    client = aioredis.from_url(url)
    store = StateStore(client, "bench:")
    board = BoardState(store)
    pipeline = Pipeline([board])
    await board.rebuild(empty_state())
    started = time.perf_counter()
    for _ in range(2000):
        await client.ping()
    round_trips = 2000 / (time.perf_counter() - started)
    started = time.perf_counter()
    for name, payload in events:
        await pipeline.feed(name, payload)
    elapsed = time.perf_counter() - started
    batched_started = time.perf_counter()
    for start in range(0, len(events), MAX_BATCH):
        await pipeline.feed_many(events[start : start + MAX_BATCH])
    batched = len(events) / (time.perf_counter() - batched_started)
    snap_started = time.perf_counter()
    for _ in range(20):
        await store.snapshot()
    snap_ms = (time.perf_counter() - snap_started) / 20 * 1000
    print(
        f"pipeline into Redis: {len(events) / elapsed:,.0f} events/s one by one, "
        f"{batched:,.0f} events/s in batches of {MAX_BATCH}; "
        f"ceiling (Redis round trips): {round_trips:,.0f}/s; snapshot read: {snap_ms:.1f} ms"
    )
    keys = [k async for k in client.scan_iter(match="bench:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--redis-url", default=settings.REDIS_URL)
    args = parser.parse_args()
    if args.redis_url == settings.REDIS_URL:
        ensure_redis()  # the embedded server, when REDIS_URL is unset
    events = peak(args.agents, args.queues, args.seconds)
    bench_core(events, args.seconds)
    asyncio.run(bench_pipeline(events, args.redis_url))


if __name__ == "__main__":
    main()
