"""The per-process fan-out: one subscription per process, every frame to every board once and
in order, a catching-up board's backlog filtered by its snapshot (real Redis pub/sub)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis
from django.conf import settings

from realtime import messages
from realtime.publisher import channel, encode, pack, unpack
from realtime.scopes import WHOLE_ACCOUNT, scope, scope_state
from realtime.state import Delta, apply_delta, empty_state
from tests.helpers import Screen, until
from wallboard.board.fanout import Fanout, SendGuard, Urgent, urgent


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
        else messages.snapshot(epoch, seq, empty_state(), server_time=0, health={})
    )
    await store.redis.publish(channel(store.prefix), pack(kind, epoch, seq, encode(frame)))


def seqs(screen):
    return [orjson.loads(t)["seq"] for t in screen.texts]


def reached(screen):
    """The seq a board applying what it got has reached (deltas may come merged)."""
    return apply_as_a_board(empty_state(), 0, screen.texts)[1] if screen.texts else 0


async def live(fanout, screen, epoch="E", seq=0, within=WHOLE_ACCOUNT):
    board = await fanout.join(screen, within)
    board.took_snapshot(epoch, seq)
    await board.go_live()
    return board


async def test_every_board_gets_every_change_once_in_order_from_one_read(store, make_hub):
    hub = make_hub()
    screens = [Screen() for _ in range(5)]
    boards = [await live(hub, s) for s in screens]
    for seq in range(1, 21):
        await publish(store, "delta", "E", seq)
    await until(lambda: all(reached(s) == 20 for s in screens))  # no gap, no overlap
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
    await until(lambda: len(board.backlog) == 4)
    assert screen.texts == []  # nothing before the snapshot
    board.took_snapshot("E", 2)  # the snapshot already holds 1 and 2
    await board.go_live()
    await publish(store, "delta", "E", 5)
    await until(lambda: len(screen.texts) == 3)
    assert seqs(screen) == [3, 4, 5]
    await hub.leave(board)


async def test_a_new_epoch_reaches_every_board_and_moves_its_position(store, make_hub):
    hub = make_hub()
    screen = Screen()
    board = await live(hub, screen, "E", 9)
    await publish(store, "snapshot", "F", 0)
    await publish(store, "delta", "F", 1)
    await until(lambda: len(screen.texts) == 2)
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
    await until(lambda: all(reached(s) == 3 for s in screens))
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
    await until(lambda: reached(good) == 2)
    for board in boards:
        await hub.leave(board)
    await asyncio.sleep(0)


def frame_of(kind, epoch, seq, change: Delta | None = None):
    if kind == "delta":
        text = encode(messages.delta(epoch, seq, change or {"agents": {"del": [f"X{seq}"]}}))
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
    changes: list[Any] = [  # (entities cut down to a version: Any)
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


async def test_each_scope_gets_its_cut_encoded_once_and_follows_every_position(
    store, make_hub, monkeypatch
):
    changes: list[Any] = [
        {"agents": {"set": {"A": {"v": 1}, "B": {"v": 1}}}},
        {"queues": {"set": {"1": {"w": 2}, "2": {"w": 2}}}},
        {"agents": {"del": ["A"]}},
        {"queues": {"set": {"2": {"w": 4}}}},
    ]
    frames = [frame_of("delta", "E", n + 1, c) for n, c in enumerate(changes)]
    states = [empty_state()]
    for change in changes:
        states.append(apply_delta(states[-1], change))
    team_a, team_b = scope(["1"], ["A"]), scope(["2"], ["B"])
    encoded: list[object] = []

    def counted(frame: Any) -> str:
        encoded.append(frame)
        return encode(frame)

    monkeypatch.setattr("wallboard.board.fanout.encode", counted)
    hub = make_hub()
    a_screens, b_screens, whole = (
        [Screen() for _ in range(3)],
        [Screen() for _ in range(3)],
        Screen(),
    )
    for screen in a_screens:
        await live(hub, screen, within=team_a)
    for screen in b_screens:
        await live(hub, screen, within=team_b)
    await live(hub, whole)
    await hub.deliver(frames[:1])  # alone
    await hub.deliver(frames[1:])  # read together: merged, and the merge cut per scope
    assert len(encoded) == 1 + 2  # the merge, then its cut once per scope, not once per board
    assert all(s.texts == a_screens[0].texts for s in a_screens)
    assert all(s.texts == b_screens[0].texts for s in b_screens)
    assert apply_as_a_board(empty_state(), 0, a_screens[0].texts) == (
        scope_state(states[4], team_a),
        4,
    )
    assert apply_as_a_board(empty_state(), 0, b_screens[0].texts) == (
        scope_state(states[4], team_b),
        4,
    )
    assert apply_as_a_board(empty_state(), 0, whole.texts) == (states[4], 4)
    assert not any('"B"' in text or '"2"' in text for text in a_screens[0].texts)
    assert orjson.loads(b_screens[0].texts[0])["delta"] == {"agents": {"set": {"B": {"v": 1}}}}


async def test_a_rebuilds_snapshot_reaches_a_team_board_cut_to_its_team(make_hub):
    state: Any = {
        "queues": {q: {"id": q, "name": q, "waiting": []} for q in ("1", "2")},
        "agents": {"A": {"extension": "A"}, "B": {"extension": "B"}},
        "today": {"2": {"day": "2026-12-06"}},
    }
    text = encode(messages.snapshot("F", 0, state, server_time=0, health={}))
    rebuilt = unpack(pack("snapshot", "F", 0, text))
    hub = make_hub()
    team, whole = Screen(), Screen()
    await live(hub, team, within=scope(["1"], ["A"]))
    await live(hub, whole)
    await hub.deliver([rebuilt, frame_of("heartbeat", "F", 0)])
    cut = orjson.loads(team.texts[0])
    assert cut["state"] == {
        "queues": {"1": state["queues"]["1"]},
        "agents": {"A": {"extension": "A"}},
        "today": {},
    }
    assert (cut["epoch"], cut["seq"]) == ("F", 0)
    assert whole.texts[0] == text  # the whole account's boards: the published text itself
    assert team.texts[1] == whole.texts[1]  # a heartbeat carries nothing to cut


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
        await until(lambda: reached(screen) == 40)  # every read full, none lost between
    finally:
        await hub.leave(board)


class Clock:
    """The fan-out's clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.WALLBOARD_SCREEN_BEHIND_S = 10
    settings.WALLBOARD_SCREEN_DEAD_S = 30
    fake = Clock()
    monkeypatch.setattr("wallboard.board.fanout.clock", fake)
    monkeypatch.setattr("wallboard.board.fanout.CHECK_EVERY_S", 0)
    return fake


async def test_a_screen_that_stops_acknowledging_is_held_back_then_gets_a_snapshot(make_hub, clock):
    hub = make_hub()
    reading, slow = Screen(), Screen()
    boards = [await live(hub, reading), await live(hub, slow)]
    for board in boards:
        board.ack("E", 0)
    await hub.deliver([frame_of("delta", "E", 1)])
    clock.now += 5
    boards[0].ack("E", 1)  # the slow screen acknowledges nothing
    await hub.deliver([frame_of("delta", "E", 2)])
    clock.now += 6  # 11 s since its oldest unacknowledged frame
    boards[0].ack("E", 2)
    await hub.deliver([frame_of("delta", "E", 3)])
    assert boards[1].behind
    assert not boards[0].behind
    await hub.deliver([frame_of("delta", "E", 4), frame_of("heartbeat", "E", 4)])
    assert reached(reading) == 4
    assert reached(slow) == 3
    assert len(slow.texts) == 3
    assert not boards[1].ack("E", 2)  # still reading what it had: not yet
    assert boards[1].ack("E", 3)  # has read everything: its fresh snapshot is due
    boards[1].took_snapshot("E", 4)  # what the consumer does (a snapshot at 4)
    await boards[1].go_live()
    await hub.deliver([frame_of("delta", "E", 5)])
    assert not boards[1].behind
    assert seqs(slow)[-1] == 5
    assert hub.fell_behind == 1
    assert hub.closed_slow == 0


async def test_a_screen_that_stops_reading_is_closed_and_leaves(make_hub, clock):
    hub = make_hub()
    reading, dead = Screen(), Screen()
    boards = [await live(hub, reading), await live(hub, dead)]
    for board in boards:
        board.ack("E", 0)
    for seq in range(1, 9):  # 35 s of frames: the dead screen's first is never acknowledged
        clock.now += 5
        await hub.deliver([frame_of("delta", "E", seq)])
        boards[0].ack("E", seq)
    await until(lambda: dead.closed == 4008)  # closed aside: a full socket may wait
    assert reading.closed is None
    assert boards[1] not in hub.boards
    assert hub.closed_slow == 1
    await hub.leave(boards[0])


async def test_a_screen_that_never_acknowledges_is_never_held_back(make_hub, clock):
    hub = make_hub()
    screen = Screen()
    board = await live(hub, screen)  # a page from before acks: it never sends one
    for seq in range(1, 8):
        await hub.deliver([frame_of("delta", "E", seq)])
        clock.now += 20
    assert reached(screen) == 7
    assert not board.behind
    assert screen.closed is None
    await hub.leave(board)


class FullScreen(Screen):
    """A screen whose socket buffer is full: each send waits (as uvicorn's drain does)."""

    async def send(self, text_data=None, bytes_data=None):
        await asyncio.sleep(0.1)
        await super().send(text_data, bytes_data)


async def test_a_send_that_blocks_holds_that_screen_back_at_once(make_hub, monkeypatch):
    monkeypatch.setattr("wallboard.board.fanout.SLOW_SEND_S", 0.05)
    hub = make_hub()
    fine, full = Screen(), FullScreen()
    boards = [await live(hub, fine), await live(hub, full)]
    for board in boards:
        board.ack("E", 0)
    await hub.deliver([frame_of("delta", "E", 1)])
    await hub.deliver([frame_of("delta", "E", 2)])
    assert boards[1].behind
    assert not boards[0].behind
    assert seqs(full) == []
    assert seqs(fine) == [1, 2]
    assert boards[1].seq == 0  # what it may not have got is not awaited as acknowledged
    assert boards[1].ack("E", 0)  # it has read all it surely got: its snapshot is due
    for board in boards:
        await hub.leave(board)


async def test_a_snapshot_at_the_position_a_screen_acknowledged_awaits_no_ack(make_hub, clock):
    hub = make_hub()
    screen = Screen()
    board = await live(hub, screen, "E", 5)
    board.ack("E", 5)
    board.catch_up()  # a resync while nothing changed: the same position again
    board.took_snapshot("E", 5)
    await board.go_live()
    clock.now += 60
    await hub.check()
    assert not board.behind
    assert screen.closed is None
    await hub.leave(board)


async def test_a_heartbeat_starts_no_clock_a_quiet_board_stays_live(make_hub, clock):
    hub = make_hub()
    screen = Screen()
    board = await live(hub, screen, "E", 3)
    board.ack("E", 3)
    await hub.deliver([frame_of("heartbeat", "E", 3)])  # the worker's link went down
    clock.now += 60  # and nothing else happens for a minute
    await hub.check()
    assert not board.behind
    assert screen.closed is None
    await hub.leave(board)


async def test_a_board_that_reads_but_slower_than_it_is_sent_is_held_back(make_hub, clock):
    hub = make_hub()
    screen = Screen()
    board = await live(hub, screen)
    board.ack("E", 0)
    for second in range(1, 25):  # by the end its oldest unread frame is 12 s old
        for n in range(10):  # ten frames a second...
            await hub.deliver([frame_of("delta", "E", (second - 1) * 10 + n + 1)])
        board.ack("E", second * 5)  # ...and it applies five: ever further behind
        clock.now += 1
    await hub.check()
    assert board.behind  # though it acknowledges something every second
    await hub.leave(board)


async def test_a_rebuilds_snapshot_older_than_the_boards_own_is_not_sent(make_hub, clock):
    hub = make_hub()
    screen = Screen()
    board = await live(hub, screen, "F", 3)  # took a fresh snapshot of the new epoch at 3
    await hub.deliver([frame_of("snapshot", "F", 0), frame_of("delta", "F", 4)])
    assert seqs(screen) == [4]
    assert board.seq == 4
    await hub.leave(board)


async def test_a_round_of_sends_waits_at_its_next_yield_while_a_snapshot_is_read(
    make_hub, monkeypatch
):
    monkeypatch.setattr("wallboard.board.fanout.YIELD_EVERY", 2)
    monkeypatch.setattr("wallboard.board.fanout.GIVE_WAY_MAX_S", 60.0)  # only the test lets go
    hub = make_hub()
    screens = [Screen() for _ in range(6)]
    for screen in screens:
        await live(hub, screen)
    async with urgent().first():  # as a board's snapshot read does (consumers.py)
        round_ = asyncio.create_task(hub.deliver([frame_of("delta", "E", 1)]))
        for _ in range(20):
            await asyncio.sleep(0)
        assert sum(1 for s in screens if s.texts) == 1  # stopped at its first yield
        assert not round_.done()
    await round_
    assert all(seqs(s) == [1] for s in screens)  # then on, nothing lost


async def test_a_snapshot_read_that_hangs_does_not_stop_the_stream(make_hub, monkeypatch):
    monkeypatch.setattr("wallboard.board.fanout.YIELD_EVERY", 2)
    monkeypatch.setattr("wallboard.board.fanout.GIVE_WAY_MAX_S", 0.01)
    hub = make_hub()
    screens = [Screen() for _ in range(6)]
    for screen in screens:
        await live(hub, screen)
    async with urgent().first():  # never lets go while the round runs
        await hub.deliver([frame_of("delta", "E", 1)])
        assert all(seqs(s) == [1] for s in screens)


async def test_the_last_board_leaving_lets_go_of_the_processs_redis_connections(store, monkeypatch):
    monkeypatch.setattr("wallboard.board.fanout.LET_GO_AFTER_S", 0.05)
    name = f"fanout-test-{uuid.uuid4().hex[:8]}"
    client = aioredis.Redis.from_url(settings.REDIS_URL, client_name=name)
    observer = aioredis.Redis.from_url(settings.REDIS_URL)

    async def connections():
        return sum(1 for c in await observer.client_list() if c.get("name") == name)

    try:
        hub = Fanout(client, store.prefix)
        boards = [await live(hub, Screen()) for _ in range(3)]
        await asyncio.gather(*(client.get("x") for _ in range(4)))  # reads side by side
        assert await connections() >= 2  # the subscription and the pooled reads
        read = asyncio.ensure_future(client.get("x"))  # a read still under way as they leave
        for board in boards:
            await hub.leave(board)
        await read

        async def none_left() -> bool:
            return not await connections()

        await until(none_left, within_s=5)  # once the reads under way are done
        await client.get("x")  # the next screen's reads connect again
        assert await connections() == 1
    finally:
        await client.aclose()
        await observer.aclose()


async def test_a_send_guard_abandons_each_send_that_waits_and_leaves_the_task_usable(monkeypatch):
    monkeypatch.setattr("wallboard.board.fanout.SLOW_SEND_S", 0.02)
    guard = SendGuard()
    outcomes = []
    for wait in [0, 1.0, 0, 1.0, 0]:  # fast, stuck, fast, stuck, fast
        try:
            async with guard:
                await asyncio.sleep(wait)
            outcomes.append("sent")
        except TimeoutError:
            outcomes.append("abandoned")
    guard.close()
    assert outcomes == ["sent", "abandoned", "sent", "abandoned", "sent"]
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    await asyncio.sleep(0.03)  # and the task awaits as usual afterwards


async def test_a_send_guard_arms_one_timer_for_a_round_not_one_per_send(monkeypatch):
    loop = asyncio.get_running_loop()
    armed = []
    real_call_at = loop.call_at

    def call_at(*args, **kwargs):
        armed.append(args[0])
        return real_call_at(*args, **kwargs)

    monkeypatch.setattr(loop, "call_at", call_at)
    guard = SendGuard()
    screens = [Screen() for _ in range(500)]
    for screen in screens:
        async with guard:
            await screen.send(text_data="frame")
    guard.close()
    assert len(armed) == 1
    assert all(s.texts == ["frame"] for s in screens)


async def test_a_round_stopped_during_a_send_is_stopped_not_taken_for_a_slow_screen(monkeypatch):
    monkeypatch.setattr("wallboard.board.fanout.SLOW_SEND_S", 0.02)
    entered = asyncio.Event()

    async def round_():
        guard = SendGuard()
        try:
            async with guard:
                entered.set()
                await asyncio.sleep(1.0)
        finally:
            guard.close()

    task = asyncio.create_task(round_())
    await entered.wait()
    task.cancel()  # as the fan-out's leave() does
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_round_waits_for_snapshots_at_most_its_budget_in_all(make_hub, monkeypatch):
    monkeypatch.setattr("wallboard.board.fanout.YIELD_EVERY", 2)
    monkeypatch.setattr("wallboard.board.fanout.GIVE_WAY_MAX_S", 0.02)
    asked = []
    real_give_way = Urgent.give_way

    async def give_way(self, at_most):
        waited = await real_give_way(self, at_most)
        asked.append((at_most, waited))
        return waited

    monkeypatch.setattr(Urgent, "give_way", give_way)
    hub = make_hub()
    screens = [Screen() for _ in range(40)]
    for screen in screens:
        await live(hub, screen)
    async with urgent().first():  # snapshots one after the other, all round long
        await hub.deliver([frame_of("delta", "E", 1)])
    assert all(seqs(s) == [1] for s in screens)
    spent = [waited for _, waited in asked]
    assert spent[0] > 0  # it gave way while it could
    assert all(at_most <= 0 and waited == 0 for at_most, waited in asked[-5:])  # then no more
    assert asked[1][0] == pytest.approx(0.02 - spent[0])  # one budget for the whole round


async def test_a_screen_joining_as_the_last_one_leaves_keeps_its_subscription(store, make_hub):
    hub = make_hub()
    leaving = await live(hub, Screen())
    newcomer = Screen()
    _, board = await asyncio.gather(hub.leave(leaving), hub.join(newcomer))
    board.took_snapshot("E", 0)
    await board.go_live()
    await publish(store, "delta", "E", 1)
    await until(lambda: seqs(newcomer) == [1])
