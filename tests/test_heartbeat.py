"""Heartbeats per web process: one read of the position per period, the same frame to every
board, no task once the last board has gone (real Redis)."""

from __future__ import annotations

import asyncio

import orjson

from realtime.messages import WORKER_SILENT_S
from realtime.state import empty_state
from tests.helpers import Screen, until
from wallboard.board.fanout import urgent
from wallboard.board.heartbeat import Heartbeat


async def test_one_position_read_per_beat_feeds_every_board_the_same_frame(
    store, settings, monkeypatch
):
    settings.WALLBOARD_HEARTBEAT_S = 0.05
    epoch = await store.reset(empty_state())
    reads = []
    real_position = store.position

    async def position():
        reads.append(1)
        return await real_position()

    monkeypatch.setattr(store, "position", position)
    hub = Heartbeat(store)
    screens = [Screen() for _ in range(3)]
    broken = Screen(broken=True)
    for screen in [*screens, broken]:
        hub.join(screen)
    await until(lambda: all(len(s.texts) >= 3 for s in screens))
    await asyncio.gather(*(hub.leave(s) for s in [*screens, broken]))
    counts = {len(s.texts) for s in screens}
    assert counts == {len(reads) - 1}  # one Redis read per beat, for four boards (the first
    # look only notes what the boards' snapshots already said)
    assert screens[0].texts == screens[1].texts == screens[2].texts  # the same bytes
    frame = orjson.loads(screens[0].texts[0])
    assert (frame["type"], frame["epoch"], frame["seq"]) == ("heartbeat", epoch, 0)


async def test_the_last_board_leaving_stops_the_task(store, settings):
    settings.WALLBOARD_HEARTBEAT_S = 0.05
    hub = Heartbeat(store)
    screen = Screen()
    hub.join(screen)
    task = hub._task
    assert task is not None
    assert not task.done()
    await hub.leave(screen)
    assert task.done()  # cancelled and finished, not merely forgotten
    beats = len(screen.texts)
    await asyncio.sleep(0.2)
    assert len(screen.texts) == beats  # nothing more is sent


def _frames(screen):
    return [orjson.loads(text) for text in screen.texts]


async def test_redis_away_is_told_to_the_boards_at_once_and_its_return_likewise(
    store, settings, monkeypatch
):
    import wallboard.board.heartbeat as module

    settings.WALLBOARD_HEARTBEAT_S = 60  # the period alone would say nothing for a minute
    monkeypatch.setattr(module, "LOOK_EVERY_S", 0.02)
    await store.reset(empty_state())
    hub, screen = Heartbeat(store), Screen()
    hub.join(screen)
    await asyncio.sleep(0.2)
    assert screen.texts == []  # nothing new to say (the snapshot said it), the period not up
    real_position = store.position

    async def redis_stopped():
        raise ConnectionError("Error 111 connecting to Redis")

    monkeypatch.setattr(store, "position", redis_stopped)
    await until(lambda: len(screen.texts) == 1)
    outage = _frames(screen)[0]
    assert (outage["type"], outage["part"]) == ("outage", "redis")
    assert outage["since"] <= outage["server_time"]
    await asyncio.sleep(0.2)
    assert len(screen.texts) == 1  # said once, not at every look
    monkeypatch.setattr(store, "position", real_position)
    await until(lambda: len(screen.texts) == 2)
    assert _frames(screen)[1]["type"] == "heartbeat"  # back: the boards hear it at once
    assert hub.outage_since is None
    await hub.leave(screen)


async def test_a_worker_falling_silent_is_told_at_once_not_at_the_next_period(
    store, settings, monkeypatch
):
    import time

    import wallboard.board.heartbeat as module

    settings.WALLBOARD_HEARTBEAT_S = 60
    monkeypatch.setattr(module, "LOOK_EVERY_S", 0.02)
    await store.reset(empty_state())
    await store.write_health({"running": True, "connected": True, "updated_at": time.time()})
    hub, screen = Heartbeat(store), Screen()
    hub.join(screen)
    await asyncio.sleep(0.2)
    assert screen.texts == []
    # the worker was killed: its health stays as it was, and ages
    await store.write_health({"updated_at": time.time() - WORKER_SILENT_S - 1})
    await until(lambda: len(screen.texts) == 1)
    beat = _frames(screen)[0]
    assert beat["server_time"] - beat["voicenter"]["worker_updated_at"] > 5
    await hub.leave(screen)


async def test_a_heartbeat_round_waits_at_its_next_yield_while_a_snapshot_is_read(
    store, monkeypatch
):
    monkeypatch.setattr("wallboard.board.heartbeat.YIELD_EVERY", 2)
    monkeypatch.setattr("wallboard.board.fanout.GIVE_WAY_MAX_S", 60.0)  # only the test lets go
    hub = Heartbeat(store)
    screens = [Screen() for _ in range(6)]
    hub.boards.update(screens)  # joined, without the task: the round is run by hand
    message = {"type": "websocket.send", "text": "beat"}
    async with urgent().first():  # as a board's snapshot read does (consumers.py)
        round_ = asyncio.create_task(hub._send_all(message))
        for _ in range(20):
            await asyncio.sleep(0)
        assert sum(1 for s in screens if s.texts) == 1  # stopped at its first yield
    await round_
    assert all(s.texts == ["beat"] for s in screens)
