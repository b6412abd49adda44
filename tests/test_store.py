"""The Redis store: atomic state + seq, epochs, counters (real Redis)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from realtime.state import empty_state
from realtime.store import EpochLost, StateStore


def agent_delta(n: int) -> dict:
    return {"agents": {"set": {"SIP1": {"extension": "SIP1", "n": n}}}}


async def test_an_empty_store_has_no_epoch(store):
    snap = await store.snapshot()
    assert (snap.epoch, snap.seq, snap.state) == (None, 0, empty_state())


async def test_reset_stores_the_state_under_a_new_epoch_at_seq_zero(store):
    state = {"queues": {"1": {"id": "1", "waiting": []}}, "agents": {}, "today": {}}
    first = await store.reset(state)
    second = await store.reset(state)
    snap = await store.snapshot()
    assert first != second
    assert (snap.epoch, snap.seq, snap.state) == (second, 0, state)


async def test_reset_drops_what_was_there(store):
    await store.reset({"queues": {"old": {"id": "old"}}, "agents": {}})
    await store.reset(empty_state())
    assert (await store.snapshot()).state == empty_state()


async def test_commit_writes_the_delta_and_bumps_seq(store):
    epoch = await store.reset({"queues": {}, "agents": {"GONE": {"extension": "GONE"}}})
    seq = await store.commit(epoch, {"agents": {"set": {"SIP1": {"n": 1}}, "del": ["GONE"]}})
    snap = await store.snapshot()
    assert seq == 1
    assert (snap.seq, snap.state["agents"]) == (1, {"SIP1": {"n": 1}})


async def test_commit_under_a_lost_epoch_writes_nothing(store, aredis):
    epoch = await store.reset(empty_state())
    await aredis.delete(store.meta_key)  # as if Redis lost its data
    with pytest.raises(EpochLost):
        await store.commit(epoch, agent_delta(1))
    assert (await store.snapshot()).state == empty_state()


async def test_position_reads_epoch_seq_and_health_together(store):
    assert await store.position() == (None, 0, {})
    epoch = await store.reset(empty_state())
    await store.commit(epoch, agent_delta(1))
    await store.write_health({"connected": True, "last_event_at": 12.5})
    assert await store.position() == (epoch, 1, {"connected": True, "last_event_at": 12.5})


async def test_a_snapshot_never_sees_state_and_seq_apart(store, aredis):
    epoch = await store.reset(empty_state())

    async def writer():
        for n in range(1, 301):
            await store.commit(epoch, agent_delta(n))

    task = asyncio.create_task(writer())
    seen = []
    while not task.done():
        snap = await store.snapshot()
        agent = snap.state["agents"].get("SIP1")
        seen.append((snap.seq, agent["n"] if agent else 0))
        await asyncio.sleep(0)
    await task
    assert all(seq == n for seq, n in seen)
    assert len({seq for seq, _ in seen}) > 1  # the reader really ran during the writes


async def test_stats_add_up(store):
    await store.add_stats({"events_total": 2})
    await store.add_stats({"events_total": 3, "rejected_total": 1})
    assert await store.stats() == {"events_total": 5, "rejected_total": 1}


async def test_a_new_collection_needs_no_change_to_the_store(aredis, prefix, monkeypatch):
    import realtime.store

    monkeypatch.setattr(realtime.store, "COLLECTIONS", ("queues", "agents", "dialers"))
    store = StateStore(aredis, prefix)
    try:
        # (a collection State does not have, and entities cut down to a number: Any)
        state: Any = {"queues": {}, "agents": {}, "dialers": {"d1": {"n": 1}}}
        epoch = await store.reset(state)
        changes: list[Any] = [
            {"dialers": {"set": {"d2": {"n": 2}}, "del": ["d1"]}},
            {"agents": {"set": {"SIP1": {"n": 3}}}},
        ]
        for change in changes:
            await store.commit(epoch, change)
        snap = await store.snapshot()
        assert snap.seq == 2
        assert dict(snap.state) == {
            "queues": {},
            "agents": {"SIP1": {"n": 3}},
            "dialers": {"d2": {"n": 2}},
        }
    finally:
        keys = [k async for k in aredis.scan_iter(match=prefix + "*")]
        await aredis.delete(*keys)


async def test_a_commit_of_thousands_of_entities_writes_and_deletes_them_all(store):
    # a batch (or a whole AllExtensionsStatus) goes in chunks inside the script
    epoch = await store.reset(empty_state())
    agents = {f"SIP{n}": {"extension": f"SIP{n}"} for n in range(1_201)}
    assert await store.commit(epoch, {"agents": {"set": agents}}) == 1
    assert (await store.snapshot()).state["agents"] == agents
    keep = {"SIP7": {"extension": "SIP7", "status": 3}}
    gone = [ext for ext in agents if ext != "SIP7"]
    assert await store.commit(epoch, {"agents": {"set": keep, "del": gone}}) == 2
    assert (await store.snapshot()).state["agents"] == keep
