"""Ingest: events per second through the real worker path, and Redis round trips per event.

Run: .venv/bin/python bench/bench_ingest.py [--agents 1000] [--queues 50] [--seconds 600]
     [--redis-url URL]
Records a simulated call center's events (the snapshots, then ``--seconds`` of its peak),
replays them with ``manage.py simulate --replay FILE --fast`` (a subprocess speaking
Voicenter's protocol, as fast as the worker takes them), and runs the real worker in this
process: socket, normalise, reduce, one Redis commit and one publish per batch. Prints:

- events/s from the first event fed to the last, the batches it took, and whether the stored
  state is exactly what the events give (no loss);
- the ceiling: a bare redis-py pipeline issuing the same Redis commands (the same commits and
  publishes, no socket, no logic), and the target (5,000 events/s, and half the ceiling);
- Redis commands per ingested event, from ``INFO commandstats`` (target: at most 1);
- where the worker's time per event goes (applying, committing, and the rest: reading the socket,
  decoding, waiting for the simulator), beside the ceiling's Redis time per event: why the
  worker is far from half its ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
os.environ.setdefault("WALLBOARD_DEV_SECRET_KEY", "1")  # a benchmark, not a site
PREFIX = "bench-ingest:"
os.environ["WALLBOARD_REDIS_PREFIX"] = PREFIX

import django

django.setup()

import httpx
import orjson
import redis.asyncio as aioredis
from django.conf import settings

from bench.workload import peak
from realtime.daystore import DayStore
from realtime.events import Event
from realtime.lease import Lease
from realtime.pipeline import Pipeline, Step
from realtime.projections.board import BoardState
from realtime.projections.day import DayCounters
from realtime.publisher import Publisher
from realtime.simulator.model import RawEvent
from realtime.state import Delta, State, empty_state, reduce
from realtime.store import StateStore
from realtime.voicenter.wire import normalise
from realtime.worker import VoicenterWorker, WorkerConfig
from tests.stack import free_port
from wallboard.core.services import account_tz, ensure_redis

TARGET_EVENTS_PER_S = 5_000


class Timed(Pipeline):
    """The worker's pipeline, noting how many events it was fed and when (the worker applies
    each batch, then commits it)."""

    fed = 0
    batches = 0
    first = last = 0.0
    applying = committing = 0.0  # seconds inside apply_many and commit
    _applied = 0

    async def apply_many(self, raw: Sequence[tuple[str, object]]) -> tuple[Event, ...]:
        started = time.perf_counter()
        if not self.fed and not self._applied:
            self.first = started
        typed = await super().apply_many(raw)
        self._applied += len(raw)
        self.applying += time.perf_counter() - started
        return typed

    async def commit(self) -> None:
        started = time.perf_counter()
        await super().commit()
        self.fed, self._applied = self.fed + self._applied, 0
        self.batches += 1
        self.last = time.perf_counter()
        self.committing += self.last - started


class Capturing(Publisher):
    """The real publisher, keeping each commit for the ceiling's replay."""

    commits: list[tuple[str, Delta, str]]

    async def on_commit(self, epoch: str, seq: int, delta: Delta) -> None:
        await super().on_commit(epoch, seq, delta)
        self.commits.append((epoch, delta, orjson.dumps(delta).decode()))


async def commands(client: aioredis.Redis) -> dict[str, int]:
    stats = await client.info("commandstats")
    return {k: int(v["calls"]) for k, v in stats.items()}


def start_simulator(events: list[RawEvent], tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    path = tmp / "events.jsonl"
    path.write_text("".join(json.dumps([name, payload]) + "\n" for name, payload in events))
    port = free_port()
    command = [sys.executable, str(ROOT / "manage.py"), "simulate", "--replay", str(path)]
    log = (tmp / "simulator.log").open("wb")
    proc = subprocess.Popen([*command, "--fast", "--port", str(port)], stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/", timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"the simulator did not start; see {tmp / 'simulator.log'}")


async def ingest(events: list[RawEvent], base: str, client: aioredis.Redis) -> None:
    keys = [k async for k in client.scan_iter(match=PREFIX + "*")]
    if keys:
        await client.delete(*keys)
    # as the worker runs: under a lease it renews, every write fenced by it (realtime/lease.py)
    lease = Lease(client, PREFIX)
    if not await lease.try_take():
        raise RuntimeError("the bench could not take its own lease")
    store = StateStore(client, PREFIX, holder=lease.id)
    publisher = Capturing(store)
    publisher.commits = []
    board = BoardState(store, publisher)
    day = DayCounters(DayStore(client, PREFIX, holder=lease.id), account_tz(), 0, board=board)
    steps = [Step("today", day.show_counted)]  # the worker's projections, step and enricher
    pipeline = Timed([board, day], account_tz(), steps=steps, enrichers=[day.enrich])
    config = WorkerConfig(
        login_type="token",
        credentials={"token": "demo-token"},
        login_url=f"{base}/monitorAPI/Login",
        refresh_url=f"{base}/monitorAPI/RefreshIdentityToken",
    )
    worker = VoicenterWorker(config, pipeline, store, lease=lease)
    before = await commands(client)
    task = asyncio.create_task(worker.run())
    deadline = time.monotonic() + 600
    # a count to watch, not an event to await
    while pipeline.fed < len(events) and time.monotonic() < deadline and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    after = await commands(client)
    worker.stop()
    await asyncio.wait_for(task, 30)
    await worker.client.aclose()
    if pipeline.fed < len(events):
        raise RuntimeError(f"the worker was fed {pipeline.fed} of {len(events)} events")

    elapsed = pipeline.last - pipeline.first
    rate = pipeline.fed / elapsed
    stored = (await store.snapshot()).state
    expected = expected_state(events)
    lost = any(
        _unmarked(stored[name]) != _unmarked(expected[name]) for name in ("queues", "agents")
    )
    ceiling = await bare_pipeline(store, publisher.commits, len(events))
    print(f"events: {len(events):,} in {pipeline.batches:,} batches ({elapsed:.2f} s)")
    print(
        f"ingest: {rate:,.0f} events/s; ceiling (bare redis-py pipeline, same commands): "
        f"{ceiling:,.0f} events/s; {rate / ceiling:.0%} of it; target {TARGET_EVENTS_PER_S:,} "
        f"events/s and 50% of the ceiling; stored state exact: {'no' if lost else 'yes'}"
    )
    per_event = 1e6 / pipeline.fed
    reading = elapsed - pipeline.applying - pipeline.committing
    print(
        f"where the worker's time goes, per event: {elapsed * per_event:.0f} µs in all; "
        f"{pipeline.applying * per_event:.0f} µs applying (normalise, reduce, count the day), "
        f"{pipeline.committing * per_event:.0f} µs committing (build, encode, the Redis round "
        f"trip), {reading * per_event:.0f} µs the rest (reading the socket, decoding, waiting "
        f"for the simulator); the ceiling's Redis time: {1e6 / ceiling:.1f} µs"
    )
    issued = {k: n - before.get(k, 0) for k, n in after.items() if n > before.get(k, 0)}
    print(
        f"Redis commands per ingested event: {sum(issued.values()) / len(events):.3f} "
        f"({sum(issued.values())} in all, those inside the commit script and the worker's "
        "health and stats writes included; INFO commandstats; target at most 1)"
    )


def _unmarked(entities: Mapping[str, Any]) -> dict[str, Any]:
    """The entities without the marks the worker's enricher sets on waiting callers and the
    reducer alone cannot know (``earlier``: a repeat caller's calls today and yesterday, from
    the day's records: ``realtime/callbacks.py``, tested there): the simulator's callers who
    gave up call again, and a long recording has some waiting."""
    return {
        key: {**entity, "waiting": [{**w, "earlier": 0} for w in entity["waiting"]]}
        if isinstance(entity, dict) and "waiting" in entity
        else entity
        for key, entity in entities.items()
    }


def expected_state(events: list[RawEvent]) -> State:
    state, offset = empty_state(), None
    for name, payload in events:
        for event in normalise(name, payload, offset_min=offset, tz=account_tz()):
            offset = getattr(event, "offset_min", None) or offset
            state, _ = reduce(state, event)
    return state


async def bare_pipeline(store: StateStore, commits: list[tuple[str, Delta, str]], n: int) -> float:
    """Events/s if the Redis work were all: the same commits and publishes, pipelined."""
    epoch = await store.reset(empty_state())
    started = time.perf_counter()
    async with store.redis.pipeline(transaction=False) as pipe:
        for _, delta, text in commits:
            keys, args = store.commit_command(epoch, delta)
            await store.commit_script(keys=keys, args=args, client=pipe)
            pipe.publish(PREFIX + "ceiling", text)
        await pipe.execute()
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=600, help="of simulated peak traffic")
    parser.add_argument("--redis-url", default=settings.REDIS_URL)
    a = parser.parse_args()
    if a.redis_url == settings.REDIS_URL:
        ensure_redis()
    events = peak(a.agents, a.queues, a.seconds)
    # The recorded events live in this process for the check at the end, not in a worker's:
    # out of the collector's sight, or every full pass walks them too (8 passes of 0.46 s each
    # in a 14 s ingest of 100,000 events; a worker starts frozen the same way, gc.freeze()).
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_simulator(events, Path(tmp))
        try:
            asyncio.run(run(events, base, a.redis_url))
        finally:
            proc.terminate()
            proc.wait(10)


async def run(events: list[RawEvent], base: str, url: str) -> None:
    client = aioredis.from_url(url)
    try:
        await ingest(events, base, client)
    finally:
        keys = [k async for k in client.scan_iter(match=PREFIX + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


if __name__ == "__main__":
    main()
