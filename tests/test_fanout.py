"""The per-process fan-out: one subscription per process, every frame to every board once and
in order, a catching-up board's backlog filtered by its snapshot (real Redis pub/sub)."""

from __future__ import annotations

import asyncio

import orjson
import redis.asyncio as aioredis
from django.conf import settings

from realtime import messages
from tests.test_heartbeat import Screen, wait_for
from wallboard.board.fanout import Fanout
from wallboard.board.publisher import channel, encode, pack


async def publish(store, kind, epoch, seq):
    frame = (
        messages.delta(epoch, seq, {"agents": {"del": [f"X{seq}"]}})
        if kind == "delta"
        else messages.snapshot(epoch, seq, {"queues": {}, "agents": {}}, server_time=0, health={})
    )
    await store.redis.publish(channel(store.prefix), pack(kind, epoch, seq, encode(frame)))


def seqs(screen):
    return [orjson.loads(t)["seq"] for t in screen.texts]


async def live(fanout, screen, epoch="E", seq=0):
    board = await fanout.join(screen)
    board.took_snapshot(epoch, seq)
    await board.go_live()
    return board


async def test_every_board_gets_every_frame_once_in_order_from_one_read(store):
    hub = Fanout(store.redis, store.prefix)
    screens = [Screen() for _ in range(5)]
    boards = [await live(hub, s) for s in screens]
    for seq in range(1, 21):
        await publish(store, "delta", "E", seq)
    await wait_for(lambda: all(len(s.texts) == 20 for s in screens))
    assert all(seqs(s) == list(range(1, 21)) for s in screens)
    assert screens[0].texts == screens[4].texts  # the same text to every board
    assert hub.received == 20  # one Redis message per frame, not one per board
    for board in boards:
        await hub.leave(board)
    assert not hub.running  # the last board took the subscription with it


async def test_a_board_catching_up_gets_only_what_its_snapshot_lacks(store):
    hub = Fanout(store.redis, store.prefix)
    screen = Screen()
    board = await hub.join(screen)  # catching up: the snapshot is being read
    for seq in (1, 2, 3, 4):
        await publish(store, "delta", "E", seq)
    await wait_for(lambda: len(board.backlog) == 4)
    assert screen.texts == []  # nothing before the snapshot
    board.took_snapshot("E", 2)  # the snapshot already holds 1 and 2
    await board.go_live()
    await publish(store, "delta", "E", 5)
    await wait_for(lambda: len(screen.texts) == 3)
    assert seqs(screen) == [3, 4, 5]
    await hub.leave(board)


async def test_a_new_epoch_reaches_every_board_and_moves_its_position(store):
    hub = Fanout(store.redis, store.prefix)
    screen = Screen()
    board = await live(hub, screen, "E", 9)
    await publish(store, "snapshot", "F", 0)
    await publish(store, "delta", "F", 1)
    await wait_for(lambda: len(screen.texts) == 2)
    assert [orjson.loads(t)["type"] for t in screen.texts] == ["snapshot", "delta"]
    assert (board.epoch, board.seq) == ("F", 1)
    await hub.leave(board)


async def test_each_web_process_delivers_with_its_own_subscription(store):
    # two processes: two fan-outs with their own Redis connections
    other_client = aioredis.from_url(settings.REDIS_URL)
    hubs = [Fanout(store.redis, store.prefix), Fanout(other_client, store.prefix)]
    screens = [Screen(), Screen()]
    boards = [await live(hub, s) for hub, s in zip(hubs, screens, strict=True)]
    for seq in (1, 2, 3):
        await publish(store, "delta", "E", seq)
    await wait_for(lambda: all(len(s.texts) == 3 for s in screens))
    assert [seqs(s) for s in screens] == [[1, 2, 3], [1, 2, 3]]
    for hub, board in zip(hubs, boards, strict=True):
        await hub.leave(board)
    await other_client.aclose()


async def test_a_failing_screen_does_not_stop_the_others(store):
    hub = Fanout(store.redis, store.prefix)
    good, broken = Screen(), Screen(broken=True)
    boards = [await live(hub, good), await live(hub, broken)]
    await publish(store, "delta", "E", 1)
    await store.redis.publish(channel(store.prefix), b"not a frame")  # logged and ignored
    await publish(store, "delta", "E", 2)
    await wait_for(lambda: len(good.texts) == 2)
    assert seqs(good) == [1, 2]
    for board in boards:
        await hub.leave(board)
    await asyncio.sleep(0)
