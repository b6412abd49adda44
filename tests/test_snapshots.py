"""Snapshots per web process: the frame spliced from the stored JSON is the protocol's snapshot,
and boards that ask together share reads, but never one that began before they asked (real
Redis)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from realtime import messages
from realtime.publisher import encode_snapshot
from realtime.scopes import WHOLE_ACCOUNT, scope
from tests.examples import agent_entity
from tests.frames import assert_valid_frame
from wallboard.board.snapshots import Snapshots

STRANGE_KEYS = ['SIP"1', "SIP\\2", "סוכן", "A\u0000B"]  # keys come from Voicenter: escape them


async def test_the_spliced_snapshot_is_the_protocols_snapshot_of_the_decoded_state(store):
    agents = {key: agent_entity(key) for key in ["SIP1", *STRANGE_KEYS]}
    queues = {"Q1": {"id": "Q1", "name": "Sales </script>", "waiting": []}}
    await store.reset({"queues": queues, "agents": agents})
    await store.write_health({"connected": True, "server": "secret-host", "last_event_at": 5.0})
    raw = await store.raw_snapshot()
    text = encode_snapshot(raw, server_time=12.5)
    snap = await store.snapshot()
    expected = messages.snapshot(
        snap.epoch, snap.seq, snap.state, server_time=12.5, health=await store.health()
    )
    assert orjson.loads(text) == expected
    assert_valid_frame(orjson.loads(text))
    assert "secret-host" not in text


async def test_an_empty_store_gives_a_valid_empty_snapshot(store):
    text = encode_snapshot(await store.raw_snapshot(), server_time=1.0)
    frame = orjson.loads(text)
    assert frame["epoch"] is None
    assert frame["state"] == {"queues": {}, "agents": {}, "today": {}}
    assert_valid_frame(frame)


async def test_boards_asking_together_share_one_read(store):
    await store.reset({"queues": {}, "agents": {"A": agent_entity("A")}})
    source = Snapshots(store)
    taken = await asyncio.gather(*(source.take() for _ in range(50)))
    assert source.reads == 1
    assert len({id(snap.text) for snap in taken}) == 1  # one text, not fifty copies


async def test_boards_of_several_teams_share_one_read_each_team_its_own_cut_once(store):
    queues: Any = {q: {"id": q, "name": f"Q{q}", "waiting": []} for q in ("1", "2")}
    agents = {a: agent_entity(a) for a in ("A", "B")}
    await store.reset({"queues": queues, "agents": agents})
    source = Snapshots(store)
    sales, support = scope(["1"], ["A"]), scope(["2"], ["B"])
    asked = [sales] * 20 + [support] * 20 + [WHOLE_ACCOUNT] * 5
    taken = await asyncio.gather(*(source.take(within) for within in asked))
    assert source.reads == 1
    assert len({id(snap.text) for snap in taken[:20]}) == 1  # one text per team
    assert len({id(snap.text) for snap in taken}) == 3
    sales_state = orjson.loads(taken[0].text)["state"]
    assert (set(sales_state["queues"]), set(sales_state["agents"])) == ({"1"}, {"A"})
    assert_valid_frame(orjson.loads(taken[20].text))
    assert set(orjson.loads(taken[-1].text)["state"]["agents"]) == {"A", "B"}


async def test_a_board_asking_during_a_read_gets_the_next_one(store, monkeypatch):
    await store.reset({"queues": {}, "agents": {}})
    source = Snapshots(store)
    read = store.raw_snapshot
    reading = asyncio.Event()
    release = asyncio.Event()

    async def slow_read():
        snap = await read()  # the state as it was when the read began
        reading.set()
        await release.wait()
        return snap

    monkeypatch.setattr(store, "raw_snapshot", slow_read)
    early = asyncio.create_task(source.take())
    await reading.wait()
    seq = await store.commit(early_epoch := (await store.head())[0], {"agents": {"del": ["X"]}})
    late = asyncio.create_task(source.take())  # asked after the commit: must see it
    release.set()
    assert (await early).seq == seq - 1
    assert (await late).seq == seq
    assert early_epoch
    assert source.reads == 2


async def test_a_failed_read_reaches_every_board_that_asked(store, monkeypatch):
    async def broken():
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(store, "raw_snapshot", broken)
    source = Snapshots(store)
    results = await asyncio.gather(*(source.take() for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    monkeypatch.undo()
    assert (await source.take()).seq == 0  # the next read works again
