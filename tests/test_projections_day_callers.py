"""The day's callers (realtime/projections/day/callers.py), with the real Redis: the worker
keeps the list of callers who gave up from the events and the call records, writes it with the
batch, takes a caller off once answered, rebuilds it at a restart, and marks repeat callers on
the board."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from realtime.daystore import DayStore
from realtime.events import Queue, QueueChanged, WaitingCall
from realtime.keys import Keys
from realtime.metrics import RecordedCall
from realtime.projections.board import BoardState
from realtime.projections.day import DayCounters
from tests.test_projections_day import NOON, TODAY, Clock

TZ = ZoneInfo("Asia/Jerusalem")
DANA = "0501234567"


def waiting(call_id: str, joined: float, number: str = DANA) -> WaitingCall:
    return WaitingCall(call_id, number, "", joined)


def joined(queue: str, at: float, *callers: WaitingCall) -> QueueChanged:
    last = callers[-1]
    return QueueChanged("queue_changed", "JOIN", Queue(queue, "Sales", callers), last.call_id, at,
                        None)  # fmt: skip


def left(queue: str, call_id: str, at: float, reason: str) -> QueueChanged:
    return QueueChanged("queue_changed", reason, Queue(queue, "Sales", ()), call_id, at, None)


@pytest.fixture
def days(aredis, prefix):
    return DayStore(aredis, prefix)


async def counting(days: DayStore, clock: Clock | None = None, records=None) -> DayCounters:
    projection = DayCounters(days, TZ, 0, clock=clock or Clock(), records=records)
    await projection.load()
    return projection


async def feed(projection: DayCounters, *events) -> None:
    for event in events:
        await projection.apply(projection.enrich(event))
    await projection.commit()


async def version(days: DayStore) -> int:
    return int(await days.redis.get(Keys(days.prefix).gave_up_version) or 0)


async def test_a_caller_who_abandons_is_listed_in_redis_with_the_batch(days):
    projection = await counting(days)
    before = await version(days)
    await feed(
        projection, joined("7", NOON, waiting("a", NOON)), left("7", "a", NOON + 41, "ABANDONED")
    )
    listed = await days.gave_up(TODAY)
    assert listed == {DANA: {"n": DANA, "q": "7", "k": "7:a", "a": NOON + 41, "w": 41.0, "c": 1}}
    assert await version(days) > before
    assert projection.take_stats()["day_gave_up_listed"] == 1


async def test_a_caller_who_calls_again_and_is_answered_leaves_the_list(days):
    projection = await counting(days)
    await feed(
        projection, joined("7", NOON, waiting("a", NOON)), left("7", "a", NOON + 41, "ABANDONED")
    )
    await feed(projection, joined("7", NOON + 300, waiting("b", NOON + 300)))
    assert (await days.gave_up(TODAY))[DANA]["c"] == 2  # called again: still to call back
    await feed(projection, left("7", "b", NOON + 310, "EXIT"))
    assert await days.gave_up(TODAY) == {}
    assert projection.take_stats()["day_gave_up_left"] == 1


async def test_a_repeat_callers_earlier_calls_show_on_the_boards_waiting_caller(store, days):
    board = BoardState(store)
    projection = DayCounters(days, TZ, 0, board=board, clock=Clock())
    await board.load()
    await projection.load()
    await feed(
        projection, joined("7", NOON, waiting("a", NOON)), left("7", "a", NOON + 41, "ABANDONED")
    )
    again = projection.enrich(joined("7", NOON + 300, waiting("b", NOON + 300)))
    await board.apply(again)
    await board.commit()
    [caller] = (await store.snapshot()).state["queues"]["7"]["waiting"]
    assert (caller["call_id"], caller["earlier"]) == ("b", 1)


async def test_a_restarted_worker_keeps_the_list_and_takes_off_who_got_through(days):
    first = await counting(days)
    await feed(first, joined("7", NOON, waiting("a", NOON)), left("7", "a", NOON + 41, "ABANDONED"))
    await days.redis.delete(days.gave_up_key(TODAY))  # Redis lost the list, not the calls
    second = await counting(days)
    await second.commit()
    assert DANA in await days.gave_up(TODAY)  # worked out again from the calls' records
    await feed(
        second, joined("7", NOON + 60, waiting("b", NOON + 60)), left("7", "b", NOON + 70, "EXIT")
    )
    assert await days.gave_up(TODAY) == {}


class Records:
    """Call records as the database would hand them (realtime/projections/day/settling.py)."""

    def __init__(self, calls: list[RecordedCall]) -> None:
        self.calls = calls

    async def since(self, cursor: int, start: float, limit: int):
        return ([] if cursor else self.calls), 1


async def test_a_call_record_lists_a_caller_the_events_never_showed(days):
    record = RecordedCall("z", "7", "Sales", "abandoned", NOON, 50.0, caller_number="0529876543")
    clock = Clock()
    projection = await counting(days, clock, Records([record]))
    for _ in range(3):  # a look is started, then finished on the next verify
        await projection.verify()
        clock.now += 1
    row = (await days.gave_up(TODAY)).get("0529876543")
    assert row is not None
    assert (row["k"], row["w"], row["a"]) == ("7:z", 50.0, NOON + 50)


async def test_withheld_numbers_are_not_listed_nor_repeat_callers(days):
    projection = await counting(days)
    hidden = waiting("a", NOON, "Anonymous")
    await feed(projection, joined("7", NOON, hidden), left("7", "a", NOON + 41, "ABANDONED"))
    assert await days.gave_up(TODAY) == {}
    again = projection.enrich(joined("7", NOON + 60, waiting("b", NOON + 60, "Anonymous")))
    assert isinstance(again, QueueChanged)
    assert again.queue.waiting is not None
    assert [c.earlier for c in again.queue.waiting] == [0]  # nobody's repeat calls


def test_the_list_key_is_per_day(days):
    assert days.gave_up_key(date(2026, 11, 30)).endswith("day:2026-11-30:gave_up")


async def test_a_call_record_that_says_abandoned_where_the_events_said_answered_lists_them(days):
    clock = Clock()
    record = RecordedCall("a", "7", "Sales", "abandoned", NOON, 41.0, caller_number=DANA)
    projection = await counting(days, clock, Records([record]))
    await feed(projection, joined("7", NOON, waiting("a", NOON)), left("7", "a", NOON + 41, "EXIT"))
    assert await days.gave_up(TODAY) == {}  # answered, as far as the events told
    for _ in range(3):  # the record is read on a verify and settles the call on the next
        await projection.verify()
        clock.now += 1
    row = (await days.gave_up(TODAY)).get(DANA)
    assert row is not None
    assert (row["k"], row["w"]) == ("7:a", 41.0)


async def test_a_number_that_called_many_times_is_counted_once_per_call(days):
    projection = await counting(days)
    for i in range(200):  # one busy number (a switchboard): each call joins and gives up
        at = NOON + i * 60
        await feed(
            projection,
            joined("7", at, waiting(f"c{i}", at)),
            left("7", f"c{i}", at + 5, "ABANDONED"),
        )
    row = (await days.gave_up(TODAY))[DANA]
    assert (row["k"], row["c"]) == ("7:c199", 200)
