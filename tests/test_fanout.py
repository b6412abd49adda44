"""The per-process fan-out: one subscription per process, every frame to every board once and
in order, a catching-up board's backlog filtered by its snapshot (real Redis pub/sub)."""

from __future__ import annotations

import asyncio

import orjson
import pytest
import redis.asyncio as aioredis
from django.conf import settings

from realtime import messages
from realtime.state import Delta, apply_delta, empty_state
from tests.test_heartbeat import Screen, wait_for
from wallboard.board.fanout import Fanout
from wallboard.board.publisher import channel, encode, pack, unpack


@pytest.fixture
async def make_hub(store):
    """Fan-outs for a test; whatever a failing test left joined is left at the end, so that
    no subscription outlives it."""
    made = []

    def make(client=None):
        made.append(Fanout(client or store.redis, store.prefix))
        return made[-1]

    yield make
    for hub in made:
        for board in list(hub.boards):
            await hub.leave(board)


async def publish(store, kind, epoch, seq):
    frame = (
        messages.delta(epoch, seq, {"agents": {"del": [f"X{seq}"]}})
        if kind == "delta"
        else messages.snapshot(epoch, seq, {"queues": {}, "agents": {}}, server_time=0, health={})
    )
    await store.redis.publish(channel(store.prefix), pack(kind, epoch, seq, encode(frame)))


def seqs(screen):
    return [orjson.loads(t)["seq"] for t in screen.texts]


def reached(screen):
    """The seq a board applying what it got has reached (deltas may come merged)."""
    return apply_as_a_board(empty_state(), 0, screen.texts)[1] if screen.texts else 0


async def live(fanout, screen, epoch="E", seq=0):
    board = await fanout.join(screen)
    board.took_snapshot(epoch, seq)
    await board.go_live()
    return board


async def test_every_board_gets_every_change_once_in_order_from_one_read(store, make_hub):
    hub = make_hub()
    screens = [Screen() for _ in range(5)]
    boards = [await live(hub, s) for s in screens]
    for seq in range(1, 21):
        await publish(store, "delta", "E", seq)
    await wait_for(lambda: all(reached(s) == 20 for s in screens))  # no gap, no overlap
    assert screens[0].texts == screens[4].texts  # the same text to every board
    assert hub.received == 20  # one Redis message per frame, not one per board
    for board in boards:
        await hub.leave(board)
    assert not hub.running  # the last board took the subscription with it


async def test_a_board_catching_up_gets_only_what_its_snapshot_lacks(store, make_hub):
    hub = make_hub()
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


async def test_a_new_epoch_reaches_every_board_and_moves_its_position(store, make_hub):
    hub = make_hub()
    screen = Screen()
    board = await live(hub, screen, "E", 9)
    await publish(store, "snapshot", "F", 0)
    await publish(store, "delta", "F", 1)
    await wait_for(lambda: len(screen.texts) == 2)
    assert [orjson.loads(t)["type"] for t in screen.texts] == ["snapshot", "delta"]
    assert (board.epoch, board.seq) == ("F", 1)
    await hub.leave(board)


async def test_each_web_process_delivers_with_its_own_subscription(store, make_hub):
    # two processes: two fan-outs with their own Redis connections
    other_client = aioredis.from_url(settings.REDIS_URL)
    hubs = [make_hub(), make_hub(other_client)]
    screens = [Screen(), Screen()]
    boards = [await live(hub, s) for hub, s in zip(hubs, screens, strict=True)]
    for seq in (1, 2, 3):
        await publish(store, "delta", "E", seq)
    await wait_for(lambda: all(reached(s) == 3 for s in screens))
    for hub, board in zip(hubs, boards, strict=True):
        await hub.leave(board)
    await other_client.aclose()


async def test_a_failing_screen_does_not_stop_the_others(store, make_hub):
    hub = make_hub()
    good, broken = Screen(), Screen(broken=True)
    boards = [await live(hub, good), await live(hub, broken)]
    await publish(store, "delta", "E", 1)
    await store.redis.publish(channel(store.prefix), b"not a frame")  # logged and ignored
    await publish(store, "delta", "E", 2)
    await wait_for(lambda: reached(good) == 2)
    for board in boards:
        await hub.leave(board)
    await asyncio.sleep(0)


def frame_of(kind, epoch, seq, change=None):
    if kind == "delta":
        text = encode(messages.delta(epoch, seq, change))
    else:
        text = encode(messages.heartbeat(epoch, seq, server_time=0, health={}))
    return unpack(pack(kind, epoch, seq, text))


def apply_as_a_board(state, seq, texts):
    """What the browser's reducer does with the frames (static/board/reducer.js)."""
    for text in texts:
        frame = orjson.loads(text)
        if frame["type"] != "delta":
            continue
        first = frame.get("from_seq", frame["seq"])
        assert first == seq + 1, f"a gap or an overlap: at {seq}, got {first}..{frame['seq']}"
        state, seq = apply_delta(state, frame["delta"]), frame["seq"]
    return state, seq


async def test_deltas_read_together_are_merged_and_no_board_loses_or_repeats_a_change(
    store, make_hub
):
    changes: list[Delta] = [
        {"agents": {"set": {"A": {"v": 1}, "B": {"v": 1}}}},
        {"agents": {"set": {"A": {"v": 2}}, "del": ["B"]}},
        {"agents": {"set": {"B": {"v": 3}, "C": {"v": 3}}}},
        {"queues": {"set": {"Q": {"w": 4}}}},
        {"agents": {"del": ["C"]}},
        {"agents": {"set": {"D": {"v": 6}}}},
    ]
    frames = [frame_of("delta", "E", n + 1, c) for n, c in enumerate(changes[:5])]
    frames += [frame_of("heartbeat", "E", 5), frame_of("delta", "E", 6, changes[5])]
    states = [empty_state()]
    for change in changes:
        states.append(apply_delta(states[-1], change))
    hub = make_hub()
    at_start, partly_past, catching_up = Screen(), Screen(), Screen()
    boards = [await live(hub, at_start, "E", 0), await live(hub, partly_past, "E", 2)]
    late = await hub.join(catching_up)
    await hub.deliver(frames)
    assert len(at_start.texts) == 3  # 1..5 merged, the heartbeat, 6
    assert orjson.loads(at_start.texts[0])["from_seq"] == 1
    assert apply_as_a_board(states[0], 0, at_start.texts) == (states[6], 6)
    assert apply_as_a_board(states[2], 2, partly_past.texts) == (states[6], 6)  # 3, 4, 5 alone
    assert [f.seq for f in late.backlog if f.kind == "delta"] == [1, 2, 3, 4, 5, 6]
    for board in [*boards, late]:
        await hub.leave(board)


async def test_more_waiting_than_one_read_takes_loses_nothing(store, make_hub, monkeypatch):
    monkeypatch.setattr("wallboard.board.fanout.MAX_READ", 3)
    hub = make_hub()
    screen = Screen()
    board = await live(hub, screen)
    try:
        async with store.redis.pipeline(transaction=False) as pipe:  # 40 arrive at once
            for seq in range(1, 41):
                text = encode(messages.delta("E", seq, {"agents": {"del": [f"X{seq}"]}}))
                pipe.publish(channel(store.prefix), pack("delta", "E", seq, text))
            await pipe.execute()
        await wait_for(lambda: reached(screen) == 40)  # every read full, none lost between
    finally:
        await hub.leave(board)
