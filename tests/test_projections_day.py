"""Today's numbers from the event stream (realtime/projections/day/), with the real Redis:
each call counted once across duplicates, snapshots, replays and restarts; the day of the
event's own time; rules changes recount; the board's `today` collection; the agents' numbers."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from realtime.daystore import DayStore
from realtime.events import (
    Agent,
    AgentChanged,
    AgentsSnapshot,
    Call,
    Queue,
    QueueChanged,
    QueuesSnapshot,
    WaitingCall,
)
from realtime.metrics import RecordedCall
from realtime.pipeline import Pipeline, Step
from realtime.projections.board import BoardState
from realtime.projections.day import DayCounters

TZ = ZoneInfo("Asia/Jerusalem")
NOON = datetime(2026, 11, 30, 12, 0, tzinfo=TZ).timestamp()
TODAY = date(2026, 11, 30)


class Clock:
    def __init__(self, now: float = NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def caller(call_id: str, joined: float) -> WaitingCall:
    return WaitingCall(call_id, "0501234567", "", joined)


def joined(queue: str, at: float, *waiting: WaitingCall) -> QueueChanged:
    queue_now = Queue(queue, "Sales", waiting)
    return QueueChanged("queue_changed", "JOIN", queue_now, waiting[-1].call_id, at, None)


def left(queue: str, call_id: str, at: float, reason: str = "EXIT", *rest: WaitingCall):
    return QueueChanged("queue_changed", reason, Queue(queue, "Sales", rest), call_id, at, None)


@pytest.fixture
def days(aredis, prefix):
    return DayStore(aredis, prefix)


async def counting(days, clock=None, board=None) -> DayCounters:
    projection = DayCounters(days, TZ, 0, board=board, clock=clock or Clock())
    await projection.load()
    return projection


async def feed(projection: DayCounters, *events) -> None:
    for event in events:
        await projection.apply(event)
    await projection.commit()


async def committed(board: BoardState, projection: DayCounters) -> None:
    """What the worker's pipeline does once a batch is applied (realtime/pipeline.py): its
    ``today`` step puts the counted numbers on the board, then both commit, the board first."""
    await Pipeline([board, projection], steps=[Step("today", projection.show_counted)]).commit()


async def stored(days, day=TODAY, queue="7"):
    return (await days.counters(day)).get(queue, {})


async def test_a_call_that_waits_then_is_answered_counts_once_with_its_wait(days):
    projection = await counting(days)
    a = caller("a", NOON)
    await feed(projection, joined("7", NOON, a), left("7", "a", NOON + 12))
    await feed(projection, joined("7", NOON, a), left("7", "a", NOON + 12))  # repeated
    counters = await stored(days)
    assert (counters["offered"], counters["answered"], counters["answered_within_sl"]) == (1, 1, 1)
    assert counters["wait_answered_s"] == 12
    assert projection.take_stats()["day_duplicates"] == 1


async def test_a_snapshot_after_a_reconnect_does_not_offer_a_known_caller_again(days):
    projection = await counting(days)
    a = caller("a", NOON)
    await feed(projection, joined("7", NOON, a))
    snapshot = QueuesSnapshot("queues_snapshot", (Queue("7", "Sales", (a,)),), NOON + 5, None)
    await feed(projection, snapshot, left("7", "a", NOON + 30, "ABANDONED"))
    counters = await stored(days)
    assert (counters["offered"], counters["abandoned"], counters["abandoned_within_sl"]) == (
        1, 1, 0,
    )  # fmt: skip


async def test_a_restarted_worker_continues_the_count_from_redis_without_double_counting(days):
    first = await counting(days)
    a, b = caller("a", NOON), caller("b", NOON + 1)
    await feed(first, joined("7", NOON, a), joined("7", NOON + 1, a, b), left("7", "a", NOON + 9))
    second = await counting(days)  # the worker restarted: the same events come again, and more
    await feed(second, joined("7", NOON + 1, a, b), left("7", "a", NOON + 9))
    await feed(second, left("7", "b", NOON + 41, "EXIT"))
    counters = await stored(days)
    assert (counters["offered"], counters["answered"], counters["answered_within_sl"]) == (2, 2, 1)


async def test_events_count_on_the_business_day_of_their_own_time_not_the_clocks(days):
    projection = await counting(days)  # the clock says today...
    yesterday = NOON - 86_400
    await feed(projection, joined("7", yesterday, caller("y", yesterday)),
               left("7", "y", yesterday + 5))  # fmt: skip
    assert (await stored(days, TODAY - timedelta(days=1)))["answered"] == 1
    assert await stored(days, TODAY) == {}


async def test_a_call_answered_after_midnight_is_offered_one_day_and_answered_the_next(days):
    projection = await counting(days)
    late = datetime(2026, 11, 29, 23, 59, 50, tzinfo=TZ).timestamp()
    await feed(projection, joined("7", late, caller("n", late)), left("7", "n", late + 20))
    assert (await stored(days, TODAY - timedelta(days=1)))["offered"] == 1
    counters = await stored(days, TODAY)
    assert (counters["answered"], counters["wait_answered_s"]) == (1, 20)


async def test_new_rules_recount_the_day_from_the_call_records(days, aredis, prefix):
    projection = await counting(days)
    for n, wait in enumerate((10, 25, 35)):
        c = caller(f"c{n}", NOON + n)
        await feed(projection, joined("7", NOON + n, c), left("7", c.call_id, NOON + n + wait))
    assert (await stored(days))["answered_within_sl"] == 1  # the default threshold: 20 s
    await aredis.hset(prefix + "queue_rules", "7", orjson.dumps({"sl_threshold_s": 30}))
    await aredis.set(prefix + "queue_rules:version", "v2")
    assert await projection.verify()
    await projection.commit()
    counters = await stored(days)
    assert (counters["answered"], counters["answered_within_sl"]) == (3, 2)


async def test_the_board_shows_today_and_starts_from_zero_at_the_next_business_day(store, days):
    board = BoardState(store)
    await board.load()
    clock = Clock()
    projection = await counting(days, clock, board)
    await feed(projection, joined("7", NOON, caller("a", NOON)), left("7", "a", NOON + 4))
    await committed(board, projection)
    today = (await store.snapshot()).state["today"]["7"]
    assert (today["day"], today["answered"], today["service_level_pct"]) == (
        "2026-11-30", 1, 100.0,
    )  # fmt: skip
    clock.now = NOON + 86_400  # a quiet night: no event, yet tomorrow is another day
    assert await projection.verify()
    await board.commit()
    assert (await store.snapshot()).state["today"] == {}


async def test_a_batch_puts_each_queues_numbers_on_the_board_once_as_its_last_event_left_them(
    store, days, monkeypatch
):
    board = BoardState(store)
    await board.load()
    projection = await counting(days, board=board)
    puts = []
    real_put = board.put

    def put(collection, entities, replace=False):
        puts.append((collection, sorted(entities)))
        real_put(collection, entities, replace)

    monkeypatch.setattr(board, "put", put)
    calls = [caller(str(n), NOON + n) for n in range(20)]
    for n in range(len(calls)):  # 20 callers join queue 7, the first 10 are answered
        await projection.apply(joined("7", NOON + n, *calls[: n + 1]))
    for n in range(10):
        await projection.apply(left("7", str(n), NOON + 30 + n, "EXIT", *calls[n + 1 :]))
    await projection.apply(joined("8", NOON, caller("b", NOON)))
    assert puts == []  # nothing drawn while the batch is applied
    await committed(board, projection)
    assert puts == [("today", ["7", "8"])]  # one put, each queue once
    today = (await store.snapshot()).state["today"]
    assert (today["7"]["offered"], today["7"]["answered"], today["8"]["offered"]) == (20, 10, 1)


async def test_a_board_rebuild_keeps_todays_numbers(store, days):
    board = BoardState(store)
    await board.load()
    projection = await counting(days, board=board)
    await feed(projection, joined("7", NOON, caller("a", NOON)))
    await committed(board, projection)
    board.begin_rebuild()  # a reconnect: fresh snapshots replace the queues and agents...
    await board.apply(QueuesSnapshot("queues_snapshot", (), NOON, None))
    await board.apply(AgentsSnapshot("agents_snapshot", (), NOON, None))
    await board.commit()
    assert (await store.snapshot()).state["today"]["7"]["offered"] == 1  # ...not today's numbers


async def test_redis_that_lost_todays_counters_gets_them_back(days, aredis, prefix):
    projection = await counting(days)
    await feed(projection, joined("7", NOON, caller("a", NOON)))
    await aredis.delete(days.queues_key(TODAY), days.calls_key(TODAY))
    assert await projection.verify()
    assert (await stored(days))["offered"] == 1
    assert await days.calls(TODAY)


def agent(status: int, since: float | None = None) -> Agent:
    return Agent("SIP1", "101", 7, "Dana", "Dana", status, "", since, None, None)


def agent_event(reason: str, at: float, call_id: str = "", status: int = 1) -> AgentChanged:
    return AgentChanged("agent_changed", reason, agent(status), call_id, "", at, None)


def answers(ext: str, call_id: str, queue: str | None, at: float) -> AgentChanged:
    """Extension ``ext`` answers ``call_id``, which came through ``queue`` (None: a direct call)."""
    call = Call(call_id, "Incoming", "Talking", "0501234567", "", "", at, at, queue, None)
    who = Agent(ext, "101", 7, "Dana", "Dana", 1, "", None, None, (call,))
    return AgentChanged("agent_changed", "ANSWER", who, call_id, "", at, None)


async def test_the_agents_who_answer_a_queues_calls_are_on_its_tile_and_kept(store, days):
    board = BoardState(store)
    await board.load()
    projection = await counting(days, board=board)
    await feed(
        projection,
        joined("7", NOON, caller("a", NOON)),
        answers("SIP2", "a", "7", NOON + 5),
        answers("SIP1", "b", "7", NOON + 50),
        answers("SIP1", "c", "7", NOON + 90),  # again: named once
        answers("SIP3", "d", None, NOON + 99),  # a direct call: no queue's agent
    )
    await committed(board, projection)
    assert (await store.snapshot()).state["today"]["7"]["answered_by"] == ["SIP1", "SIP2"]
    again = await counting(days)  # a restarted worker reads them back from Redis
    assert again.agents.answered_by(TODAY, "7") == ["SIP1", "SIP2"]


async def test_an_agents_answered_calls_talk_time_and_time_in_each_status(days):
    projection = await counting(days)
    await feed(
        projection,
        AgentsSnapshot("agents_snapshot", (agent(1, NOON - 600),), NOON, None),
        agent_event("ANSWER", NOON + 10, "c1"),
        agent_event("ANSWER", NOON + 10, "c1"),  # repeated
        agent_event("HANGUP", NOON + 70, "c1"),
        agent_event("userStatusUpdate", NOON + 100, status=3),  # lunch, after 700 s logged in
        agent_event("userStatusUpdate", NOON + 1900, status=1),  # back after 30 minutes
    )
    numbers = (await days.agents(TODAY))["SIP1"]
    assert (numbers["name"], numbers["answered"], numbers["talk_s"]) == ("Dana", 1, 60)
    assert numbers["status_s"] == {"1": 700, "3": 1800}


async def test_time_in_a_status_across_midnight_is_split_between_the_days(days):
    projection = await counting(days)
    evening = datetime(2026, 11, 29, 23, 0, tzinfo=TZ).timestamp()
    await feed(
        projection,
        AgentsSnapshot("agents_snapshot", (agent(3, evening),), evening, None),
        agent_event("userStatusUpdate", evening + 7200, status=1),  # 01:00 the next day
    )
    assert (await days.agents(TODAY - timedelta(days=1)))["SIP1"]["status_s"] == {"3": 3600}
    assert (await days.agents(TODAY))["SIP1"]["status_s"] == {"3": 3600}


async def test_a_queues_settings_reach_the_board_at_once_even_without_calls(
    store, days, aredis, prefix
):
    board = BoardState(store)
    await board.load()
    projection = await counting(days, board=board)
    settings = {"display_name": "VIP", "alert_waiting": 3, "alert_sl_pct": 80, "bogus": 1}
    await aredis.hset(prefix + "queue_rules", "9", orjson.dumps(settings))
    await aredis.set(prefix + "queue_rules:version", "v1")
    assert await projection.verify()
    await board.commit()
    vip = (await store.snapshot()).state["today"]["9"]
    assert (vip["display_name"], vip["alert_waiting"], vip["alert_sl_pct"]) == ("VIP", 3, 80)
    assert vip["alert_longest_wait_s"] is None
    assert "bogus" not in vip
    assert (vip["offered"], vip["service_level_pct"]) == (0, None)  # no calls yet: shown anyway


async def test_after_a_restart_an_agents_calls_are_neither_counted_again_nor_lost(days):
    first = await counting(days)
    await feed(first, agent_event("ANSWER", NOON, "c1"))
    second = await counting(days)  # the worker restarted during the call
    await feed(second, agent_event("ANSWER", NOON, "c1"), agent_event("HANGUP", NOON + 90, "c1"))
    numbers = (await days.agents(TODAY))["SIP1"]
    assert (numbers["answered"], numbers["talk_s"]) == (1, 90)


async def test_new_rules_after_a_restart_recount_with_the_agents_calls_in_redis(
    days, aredis, prefix
):
    first = await counting(days)
    c = caller("c", NOON)
    await feed(first, joined("7", NOON, c), left("7", "c", NOON + 25),
               agent_event("ANSWER", NOON + 25, "c"))  # fmt: skip
    second = await counting(days)
    await aredis.hset(prefix + "queue_rules", "7", orjson.dumps({"sl_threshold_s": 30}))
    await aredis.set(prefix + "queue_rules:version", "v2")
    assert await second.verify()
    await second.commit()
    assert (await stored(days))["answered_within_sl"] == 1  # 25 s is within 30 s


async def test_a_restart_shows_todays_numbers_over_the_stored_boards(store, days):
    board = BoardState(store)
    await board.load()
    stale: Any = {"day": "2026-11-29", "offered": 99}  # (cut down: Any)
    board.put("today", {"7": stale}, replace=True)
    await board.commit()  # what a worker stopped yesterday left on the board
    projection = await counting(days)
    await feed(projection, joined("7", NOON, caller("a", NOON)))
    board, projection = BoardState(store), DayCounters(days, TZ, 0, clock=Clock())
    projection.board = board
    await board.load()  # the worker's order: the board's state first, then the day's
    await projection.load()
    await board.commit()
    today = (await store.snapshot()).state["today"]["7"]
    assert (today["day"], today["offered"]) == ("2026-11-30", 1)


async def test_an_old_recording_counts_on_its_own_day_once_however_often_it_is_replayed(days):
    old = NOON - 10 * 86_400
    for _ in range(2):
        projection = await counting(days)
        await feed(projection, joined("7", old, caller("o", old)), left("7", "o", old + 8))
    counters = await stored(days, TODAY - timedelta(days=10))
    assert (counters["offered"], counters["answered"]) == (1, 1)
    assert await stored(days, TODAY) == {}


async def test_the_tiles_chart_keeps_the_most_callers_waiting_in_each_minute(store, days):
    board = BoardState(store)
    await board.load()
    clock = Clock(NOON)
    projection = await counting(days, clock, board)
    callers = [caller(f"c{n}", NOON) for n in range(3)]
    await projection.verify()  # the first look starts the minute
    for waiting in (callers, callers[:1]):  # three at once, then one: the minute's most is 3
        await board.apply(joined("7", NOON, *waiting))
        clock.now += 20
        await projection.verify()
    clock.now = NOON + 125  # two minutes later, with one waiting all along
    await projection.verify()
    await board.commit()
    chart = (await store.snapshot()).state["today"]["7"]["waiting_last_hour"]
    assert chart == [3, 1]


# --- call records win (realtime.metrics, "Call records win") ---------------------------------


class Records:
    """Stored call records, as the database hands them (wallboard/reports/records.py)."""

    def __init__(self, *calls: RecordedCall) -> None:
        self.calls = list(calls)
        self.failing = False
        self.hanging = False
        self.asked: list[int] = []

    async def since(self, cursor: int, start: float, limit: int):
        self.asked.append(cursor)
        if self.hanging:
            await asyncio.Event().wait()
        if self.failing:
            raise ConnectionError("the database is away")
        listed = [(i, c) for i, c in enumerate(self.calls, 1) if i > cursor][:limit]
        found = [c for _, c in listed if c.started_at >= start]
        return found, max([cursor, *(i for i, _ in listed)])


def recorded(call_id, outcome="answered", wait=12.0, queue="7", at=NOON, name="Sales"):
    return RecordedCall(call_id, queue, name, outcome, at, wait)


async def settled(days, records, clock=None, board=None) -> DayCounters:
    projection = DayCounters(days, TZ, 0, board=board, clock=clock or Clock(), records=records)
    await projection.load()
    return projection


async def look(projection: DayCounters) -> bool:
    """A verify that starts a look at the records, then the one that takes what it found."""
    await projection.verify()
    if projection.settling.look is not None:
        await asyncio.wait([projection.settling.look])
    return await projection.verify()


async def test_a_call_the_events_never_showed_is_counted_from_its_record(days):
    projection = await settled(days, Records(recorded("a", wait=30), recorded("b", "abandoned", 5)))
    assert await look(projection)
    counters = await stored(days)
    assert (counters["offered"], counters["answered"], counters["abandoned"]) == (2, 1, 1)
    assert (counters["answered_within_sl"], counters["wait_answered_s"]) == (0, 30)
    assert projection.take_stats()["day_settled_by_records"] == 2


async def test_a_record_that_agrees_with_the_events_changes_nothing(days):
    records = Records(recorded("a", wait=13))  # a second off: whole seconds, another clock
    projection = await settled(days, records)
    await feed(projection, joined("7", NOON, caller("a", NOON)), left("7", "a", NOON + 12))
    before = await stored(days)
    assert not await look(projection)
    assert await stored(days) == before
    assert projection.take_stats()["day_settled_by_records"] == 0


async def test_a_record_that_says_otherwise_wins_and_the_difference_is_logged(days, caplog):
    projection = await settled(days, Records(recorded("a", "abandoned", wait=40)))
    await feed(projection, joined("7", NOON, caller("a", NOON)), left("7", "a", NOON + 12))
    with caplog.at_level("INFO", logger="realtime.projections.day"):
        assert await look(projection)
    counters = await stored(days)
    assert (counters["offered"], counters["answered"], counters["abandoned"]) == (1, 0, 1)
    assert counters["longest_wait_s"] == 40
    assert "answered 1 -> 0, abandoned 0 -> 1" in caplog.text
    # the events repeating the old story change nothing now
    await feed(projection, left("7", "a", NOON + 12))
    assert (await stored(days))["answered"] == 0


async def test_the_newest_of_two_records_of_a_call_wins(days):
    records = Records(recorded("a", "abandoned", wait=40), recorded("a", "answered", wait=10))
    projection = await settled(days, records)
    assert await look(projection)
    counters = await stored(days)
    assert (counters["offered"], counters["answered"], counters["abandoned"]) == (1, 1, 0)


async def test_records_rebuild_a_day_redis_lost_when_the_worker_starts(days, aredis, prefix):
    records = Records(recorded("a", wait=10), recorded("b", "abandoned", wait=3))
    projection = await settled(days, records)
    await feed(projection, joined("7", NOON, caller("a", NOON)), left("7", "a", NOON + 10))
    await look(projection)
    await aredis.flushdb()
    restarted = await settled(days, records)
    await look(restarted)
    counters = await stored(days)
    assert (counters["offered"], counters["answered"], counters["abandoned"]) == (2, 1, 1)
    assert (counters["answered_within_sl"], counters["abandoned_within_sl"]) == (1, 1)


async def test_a_recount_of_yesterday_keeps_the_calls_offered_the_day_before(days):
    """A call offered the day before yesterday and answered yesterday stays counted when a
    record changes yesterday (the calls of that day, not loaded, are read for the recount)."""
    two_days_ago = NOON - 2 * 86_400
    midnight = datetime(2026, 11, 29, 0, 0, tzinfo=TZ).timestamp()
    clock = Clock(two_days_ago)
    early = await counting(days, clock)
    await feed(early, joined("7", midnight - 30, caller("late", midnight - 30)))
    clock.now = midnight + 10
    await feed(early, left("7", "late", midnight + 10))
    clock.now = NOON
    restarted = await settled(days, Records(recorded("x", at=NOON - 86_400)), clock=clock)
    assert await look(restarted)
    counters = await stored(days, TODAY - timedelta(days=1))
    assert (counters["offered"], counters["answered"]) == (1, 2)


async def test_name_only_records_wait_for_the_boards_queues_and_an_ambiguous_name_is_left_out(
    store, days
):
    board = BoardState(store)
    await board.load()
    records = Records(
        recorded("a", queue=None, name=" sales ", wait=None),
        recorded("b", queue=None, name="Nowhere"),
        recorded("c", queue=None, name="Twice"),
    )
    projection = await settled(days, records, board=board)
    assert not await look(projection)  # the board knows no queue yet: nothing is lost
    queues = (Queue("7", "Sales", ()), Queue("8", "Twice", ()), Queue("9", "twice", ()))
    await board.apply(QueuesSnapshot("queues_snapshot", queues, NOON, None))
    projection.settling.next_at = 0  # (due again)
    assert await look(projection)
    counters = await stored(days)
    assert (counters["offered"], counters["answered"], counters["answered_timed"]) == (1, 1, 0)
    assert projection.take_stats()["day_records_unmatched"] == 2
    assert await stored(days, queue="8") == {}
    assert await stored(days, queue="9") == {}


async def test_records_are_read_past_a_cursor_and_a_database_away_stops_nothing(days):
    clock = Clock()
    records = Records(recorded("a"))
    projection = await settled(days, records, clock=clock)
    await look(projection)
    records.calls.append(recorded("b", "abandoned"))
    records.failing = True
    clock.now += 5
    assert not await look(projection)  # logged and counted, not raised
    await feed(projection, joined("7", NOON, caller("c", NOON)))  # the events still count
    records.failing = False
    clock.now += 5
    await look(projection)
    assert records.asked == [0, 1, 1]
    counters = await stored(days)
    assert (counters["offered"], counters["answered"], counters["abandoned"]) == (3, 1, 1)
    assert projection.take_stats()["day_records_errors"] == 1


async def test_a_hung_database_delays_the_records_not_the_counting(days, caplog):
    clock = Clock()
    records = Records(recorded("a"))
    records.hanging = True
    projection = await settled(days, records, clock=clock)
    for _ in range(3):
        assert not await projection.verify()  # returns at once: the look has a task of its own
        await feed(projection, joined("7", NOON, caller(f"c{clock.now}", NOON)))
        clock.now += 20
    assert len(records.asked) == 1  # one look in flight at a time
    assert "have not answered for 30 s" in caplog.text
    assert projection.take_stats()["day_records_errors"] == 1
    assert projection.settling.look is not None
    projection.settling.look.cancel()


async def test_many_records_are_read_a_look_at_a_time_and_all_again_every_so_often(
    days, monkeypatch
):
    from realtime.projections.day import settling

    monkeypatch.setattr(settling, "RECORDS_PER_LOOK", 2)
    clock = Clock()
    records = Records(*(recorded(f"r{i}") for i in range(5)))
    projection = await settled(days, records, clock=clock)
    for _ in range(3):  # a full look asks again at the next verify, not RECORDS_EVERY_S later
        await look(projection)
    assert (await stored(days))["answered"] == 5
    clock.now += settling.RECORDS_AGAIN_S
    await look(projection)
    assert records.asked == [0, 2, 4, 0]


async def test_the_records_stored_in_redis_have_the_fields_of_their_types(days):
    from realtime.metrics import CountedCall
    from realtime.projections.day.agents import AgentDay, AnsweredCall

    projection = await counting(days)
    await feed(
        projection,
        joined("7", NOON, caller("c", NOON)),
        left("7", "c", NOON + 9),
        AgentsSnapshot("agents_snapshot", (agent(1, NOON - 60),), NOON, None),
        answers("SIP1", "c", "7", NOON + 9),
        agent_event("HANGUP", NOON + 70, "c"),
    )
    for read, typed in (
        (days.calls, CountedCall),
        (days.answered, AnsweredCall),
        (days.agents, AgentDay),
    ):
        [record] = (await read(TODAY)).values()
        assert set(record) == set(typed.__annotations__), typed.__name__
