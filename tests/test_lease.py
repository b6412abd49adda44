"""One active worker, any number on standby: the lease, its fenced writes, and the take-over
(``realtime/lease.py``, ``realtime/worker.py``), against a real Redis and the simulator.

The faults of whole processes (kill -9, SIGSTOP past the lease, Redis restarted under both)
are in ``tests/test_lease_faults.py``."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

import orjson
import pytest

from realtime.daystore import DayStore
from realtime.keys import Keys
from realtime.lease import Lease, LeaseLost, lease_status, presence_rows, status_of
from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.simulator.model import CallCenter
from realtime.state import empty_state
from realtime.store import StateStore
from realtime.worker import Standby, VoicenterWorker
from tests.helpers import snap_with_agents, until, worker_config
from tests.served import serving

#: Short leases, so that a take-over takes seconds, not ten (long enough that a busy test
#: machine's stalled event loop does not lose one).
TTL_S = 3.0


@pytest.fixture
async def sim():
    model = CallCenter(agents=6, queues=2, calls_per_minute=120, speed=20, seed=11, now=time.time())
    async with serving(model) as simulator:
        yield simulator


# --- the fence ---------------------------------------------------------------------------


async def test_a_commit_by_a_worker_that_lost_its_lease_is_refused_and_writes_nothing(
    aredis, prefix, store
):
    first = Lease(aredis, prefix, "first", ttl_s=TTL_S)
    assert await first.try_take()
    mine = StateStore(aredis, prefix, holder="first")
    epoch = await mine.reset(empty_state())
    one: Any = {"queues": {"set": {"1": {"id": "1"}}}}
    two: Any = {"queues": {"set": {"2": {"id": "2"}}}}
    assert await mine.commit(epoch, one) == 1
    await aredis.set(Keys(prefix).worker_lease, "second")  # another took it (first paused)
    with pytest.raises(LeaseLost):
        await mine.commit(epoch, two)
    with pytest.raises(LeaseLost):
        await mine.reset(empty_state())
    with pytest.raises(LeaseLost):
        await mine.write_health({"running": True})
    with pytest.raises(LeaseLost):
        await mine.add_stats({"events_total": 5})
    snap = await store.snapshot()
    assert (snap.epoch, snap.seq, set(snap.state["queues"])) == (epoch, 1, {"1"})
    assert await store.health() == {}
    assert await store.stats() == {}


async def test_the_day_store_writes_nothing_for_a_worker_that_lost_its_lease(aredis, prefix, store):
    await aredis.set(Keys(prefix).worker_lease, "someone-else")
    day = DayStore(aredis, prefix, holder="me")
    d = date(2026, 12, 7)
    counters: Any = {d: {"1": {"offered": 1}}}
    calls: Any = {d: {"1:c": {"q": "1"}}}
    with pytest.raises(LeaseLost):
        await day.write(counters, calls)
    assert await day.counters(d) == {}
    assert await day.calls(d) == {}
    unfenced = DayStore(aredis, prefix)  # no lease: the web side, replay, the tests
    await unfenced.write(counters, {})
    assert await day.counters(d) == {"1": {"offered": 1}}


async def test_a_fenced_write_of_many_fields_goes_through_in_chunks(aredis, prefix, store):
    lease = Lease(aredis, prefix, "holder", ttl_s=TTL_S)
    assert await lease.try_take()
    mine = StateStore(aredis, prefix, holder="holder")
    state = empty_state()
    state["agents"] = {f"SIP{i}": {"ext": f"SIP{i}"} for i in range(2_345)}  # type: ignore[typeddict-item]
    await mine.reset(state)
    assert len((await store.snapshot()).state["agents"]) == 2_345


# --- the lease itself ----------------------------------------------------------------------


async def test_only_one_of_two_takes_the_lease_and_the_other_waits(aredis, prefix, store):
    a, b = Lease(aredis, prefix, "a", ttl_s=TTL_S), Lease(aredis, prefix, "b", ttl_s=TTL_S)
    took = await asyncio.gather(a.try_take(), b.try_take())
    assert sorted(took) == [False, True]
    holder, other = (a, b) if took[0] else (b, a)
    assert await holder.renew()
    assert not await other.try_take()
    assert not await other.try_take()  # a held lease is never "seen free"


async def test_a_standby_takes_an_expired_lease_only_on_its_second_look(aredis, prefix, store):
    a, b = Lease(aredis, prefix, "a", ttl_s=0.2), Lease(aredis, prefix, "b", ttl_s=0.2)
    assert await a.try_take()
    assert not await b.try_take()  # (its first try: held)
    await until(lambda: _absent(aredis, prefix))  # a died: its lease expired
    assert not await b.try_take()  # seen free once: a former holder gets its chance first
    assert await b.try_take()
    assert not await a.renew()  # a, back: another holds it; it must step down


async def test_the_holders_renewal_takes_the_lease_back_when_redis_lost_it(aredis, prefix, store):
    a = Lease(aredis, prefix, "a", ttl_s=TTL_S)
    assert await a.try_take()
    await aredis.delete(Keys(prefix).worker_lease)  # Redis restarted empty
    assert await a.renew()
    assert (await aredis.get(Keys(prefix).worker_lease)) == b"a"


async def test_the_status_says_who_is_active_how_old_its_lease_is_and_who_waits(
    aredis, prefix, store
):
    a, b = Lease(aredis, prefix, "a", ttl_s=8.0), Lease(aredis, prefix, "b", ttl_s=8.0)
    assert await a.try_take()
    assert not await b.try_take()
    await a.write_presence()
    await b.write_presence()
    status = await lease_status(aredis, prefix)
    assert status["active"] == "a"
    assert 0 <= float(status["lease_renewed_s_ago"]) <= 8  # type: ignore[arg-type]
    assert 0 < float(status["lease_expires_in_s"]) <= 8  # type: ignore[arg-type]
    rows: Any = status["workers"]
    assert [(r["id"], r["role"]) for r in rows] == [("a", "active"), ("b", "standby")]


@pytest.mark.pure
def test_presence_rows_drop_workers_unseen_for_long_and_rows_that_are_not_json():
    now = 1_000_000.0
    raw = {
        b"old": orjson.dumps({"role": "standby", "seen_at": now - 31}),
        b"new": orjson.dumps({"role": "standby", "seen_at": now - 1}),
        b"act": orjson.dumps({"role": "active", "seen_at": now - 2, "since": now - 60}),
        b"bad": b"<html>",
    }
    rows = presence_rows(raw, now)
    assert [r["id"] for r in rows] == ["act", "new"]
    status = status_of("act", 6_000, raw, now, ttl_s=8.0)
    assert status["lease_renewed_s_ago"] == 2.0
    assert status["active_for_s"] == 60.0


# --- workers --------------------------------------------------------------------------------


def _standby(sim, aredis, prefix, name: str) -> Standby:
    async def make(lease: Lease) -> VoicenterWorker:
        store = StateStore(aredis, prefix, holder=lease.id)
        pipeline = Pipeline([BoardState(store)])
        return VoicenterWorker(worker_config(sim.base), pipeline, store, lease=lease)

    async def close(worker: VoicenterWorker) -> None:
        await worker.client.aclose()

    return Standby(Lease(aredis, prefix, name, ttl_s=TTL_S), make, close)


async def test_two_workers_started_together_one_connects_and_the_epoch_changes_once(
    sim, aredis, prefix, store
):
    pair = [_standby(sim, aredis, prefix, name) for name in ("w1", "w2")]
    tasks = [asyncio.create_task(s.run()) for s in pair]
    try:
        snap = await until(lambda: snap_with_agents(store))
        epochs = {snap.epoch}
        seq = snap.seq
        for _ in range(2 * 8):  # two leases' worth of renewals, watching every step
            await asyncio.sleep(TTL_S / 8)
            epochs.add((await store.head())[0])
        assert len(epochs) == 1, epochs  # no rebuild after the first: nobody fought
        assert (await store.head())[1] > seq  # and the one that writes goes on writing
        assert sorted(s.terms for s in pair) == [0, 1]
        assert sim.sockets_opened == 1
        health = await store.health()
        active = next(s for s in pair if s.terms)
        assert health["worker_id"] == active.lease.id
    finally:
        for s in pair:
            s.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)


async def test_the_active_workers_lease_renewals_are_its_measured_redis_round_trips(
    sim, aredis, prefix, store
):
    worker = _standby(sim, aredis, prefix, "w1")
    task = asyncio.create_task(worker.run())
    try:
        await until(lambda: snap_with_agents(store))

        async def renewals_counted() -> int:
            stats = await store.stats()
            return sum(
                v for k, v in stats.items() if k.startswith("telemetry:redis_rtt_seconds:le:")
            )

        assert await until(renewals_counted, within_s=3 * TTL_S) >= 1
        assert (await store.stats())["telemetry:redis_rtt_seconds:sum"] > 0  # microseconds
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)


async def test_a_stopped_active_worker_gives_its_lease_up_and_the_standby_carries_on(
    sim, aredis, prefix, store
):
    first = _standby(sim, aredis, prefix, "first")
    first_task = asyncio.create_task(first.run())
    before = await until(lambda: snap_with_agents(store))
    second = _standby(sim, aredis, prefix, "second")
    second_task = asyncio.create_task(second.run())
    try:
        await until(lambda: _role_of(aredis, prefix, "second", "standby"))
        first.stop()
        await asyncio.wait_for(first_task, 10)
        after = await until(lambda: _new_epoch_with_agents(store, before.epoch))
        assert set(after.state["agents"]) == set(before.state["agents"])
        assert second.terms == 1
        assert (await store.health())["worker_id"] == "second"
        assert (await lease_status(aredis, prefix))["active"] == "second"
    finally:
        second.stop()
        await asyncio.wait_for(second_task, 10)


async def test_a_worker_whose_lease_was_taken_steps_down_and_writes_nothing_more(
    sim, aredis, prefix, store
):
    standby = _standby(sim, aredis, prefix, "paused")
    task = asyncio.create_task(standby.run())
    try:
        await until(lambda: snap_with_agents(store))
        worker = standby.worker
        assert worker is not None
        # Another worker takes the lease, as after a pause past its expiry; it holds it.
        await aredis.set(Keys(prefix).worker_lease, "other", px=60_000)
        await until(lambda: worker.lease_lost)
        await until(lambda: standby.worker is None and standby.lease.role == "standby")
        head = await store.head()
        health = await store.health()
        await asyncio.sleep(3 * TTL_S / 4)  # renewals and flushes that would have written
        assert await store.head() == head  # nothing committed since
        assert (await store.health())["updated_at"] == health["updated_at"]
        assert standby.terms == 1  # waiting, not active again
        assert await _role_of(aredis, prefix, "paused", "standby")
    finally:
        standby.stop()
        await asyncio.wait_for(task, 10)


async def _absent(aredis, prefix: str) -> bool:
    return not await aredis.exists(Keys(prefix).worker_lease)


async def _role_of(aredis, prefix: str, worker: str, role: str) -> bool:
    status = await lease_status(aredis, prefix)
    rows = status["workers"]
    assert isinstance(rows, list)
    return any(r["id"] == worker and r["role"] == role for r in rows)


async def _new_epoch_with_agents(store: StateStore, old: str | None):
    snap = await store.snapshot()
    return snap if snap.epoch != old and snap.state["agents"] else None


@pytest.mark.django_db
async def test_readyz_says_which_worker_is_active_how_old_its_lease_is_and_who_waits(
    aredis, use_prefix
):
    from django.test import AsyncClient

    a, b = Lease(aredis, use_prefix, "a", ttl_s=8.0), Lease(aredis, use_prefix, "b", ttl_s=8.0)
    assert await a.try_take()
    assert not await b.try_take()
    await a.write_presence()
    await b.write_presence()
    body = (await AsyncClient().get("/readyz")).json()
    assert body["active_worker"] == "a"
    assert 0 < body["lease_expires_in_s"] <= 8
    assert 0 <= body["lease_renewed_s_ago"] < 8
    assert body["standby_workers"] == 1
