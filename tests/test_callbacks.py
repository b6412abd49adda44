"""The list of callers who gave up and repeat callers (realtime/callbacks.py, its spec): a row
per number for the day of its last abandon, gone once a call of theirs is answered after it; a
waiting caller's count of earlier calls."""

from __future__ import annotations

import pytest

from realtime.callbacks import Repeats, gave_up
from realtime.events import Queue, QueueChanged, QueuesSnapshot, WaitingCall
from realtime.metrics import CountedCall

pytestmark = pytest.mark.pure

DAY = "2026-11-30"
T = 1_796_032_800.0  # 2026-11-30 12:00 in Israel


def call(outcome: str, joined: float, wait: float | None = 30.0, queue: str = "7", **more):
    record: CountedCall = {
        "q": queue, "d": more.pop("d", DAY), "j": joined, "o": outcome,  # type: ignore[typeddict-item]
        "w": wait if outcome else None, "c": more.pop("c", DAY) if outcome else None,
        "n": "0501234567",
    }  # fmt: skip
    if outcome:
        record["e"] = joined + (wait or 0.0)
    record.update(more)  # type: ignore[typeddict-item]
    return record


def test_a_caller_who_abandoned_is_listed_with_queue_time_wait_and_calls():
    row = gave_up("0501234567", [("7:a", call("abandoned", T, 41.0))], DAY)
    assert row == {"n": "0501234567", "q": "7", "k": "7:a", "a": T + 41, "w": 41.0, "c": 1}


def test_the_row_tells_the_last_abandon_and_counts_every_call_of_the_day():
    calls = [
        ("7:a", call("abandoned", T, 20.0)),
        ("8:b", call("abandoned", T + 600, 70.0, queue="8")),
        ("7:c", call("", T + 900)),  # waiting now
    ]
    row = gave_up("0501234567", calls, DAY)
    assert row is not None
    assert (row["k"], row["q"], row["w"], row["c"]) == ("8:b", "8", 70.0, 3)


def test_one_call_moved_between_two_queues_counts_once():
    calls = [
        ("7:a", call("abandoned", T, 20.0)),
        ("8:a", call("abandoned", T + 25, 5.0, queue="8")),
    ]
    row = gave_up("0501234567", calls, DAY)
    assert row is not None
    assert row["c"] == 1


def test_a_caller_answered_after_giving_up_leaves_the_list():
    calls = [("7:a", call("abandoned", T, 20.0)), ("7:b", call("answered", T + 300, 10.0))]
    assert gave_up("0501234567", calls, DAY) is None


def test_a_call_answered_before_the_abandon_keeps_the_caller_on_the_list():
    calls = [("7:a", call("answered", T, 10.0)), ("7:b", call("abandoned", T + 3600, 90.0))]
    row = gave_up("0501234567", calls, DAY)
    assert row is not None
    assert (row["k"], row["c"]) == ("7:b", 2)


def test_a_caller_who_gives_up_again_is_listed_for_the_new_abandon():
    calls = [
        ("7:a", call("abandoned", T, 20.0)),
        ("7:b", call("answered", T + 300, 10.0)),
        ("7:c", call("abandoned", T + 900, 60.0)),
    ]
    row = gave_up("0501234567", calls, DAY)
    assert row is not None
    assert row["k"] == "7:c"


def test_an_abandon_of_another_day_is_not_on_this_days_list():
    calls = [("7:a", call("abandoned", T - 86_400, 20.0, d="2026-11-29", c="2026-11-29"))]
    assert gave_up("0501234567", calls, DAY) is None
    assert gave_up("0501234567", calls, "2026-11-29") is not None


@pytest.mark.parametrize("number", ["", "Anonymous", "unknown"])
def test_a_withheld_number_is_on_no_list(number):
    assert gave_up(number, [("7:a", call("abandoned", T, 20.0))], DAY) is None


def test_a_record_without_its_end_time_is_placed_by_its_join_and_wait():
    record = call("abandoned", T, 20.0)
    del record["e"]
    row = gave_up("0501234567", [("7:a", record)], DAY)
    assert row is not None
    assert row["a"] == T + 20


def waiting(call_id: str, number: str = "0501234567") -> WaitingCall:
    return WaitingCall(call_id, number, "", T)


def test_a_waiting_callers_earlier_counts_their_other_calls():
    repeats = Repeats()
    repeats.add("0501234567", "7:a")
    repeats.add("0501234567", "8:a")  # the same call in another queue
    repeats.add("0501234567", "7:b")
    assert repeats.earlier(waiting("c")) == 2
    assert repeats.earlier(waiting("b")) == 1  # itself is not earlier
    assert repeats.earlier(waiting("z", "0529999999")) == 0


def test_enrich_sets_earlier_on_a_queue_events_list_and_its_joiner_only_when_it_changes():
    repeats = Repeats()
    repeats.add("0501234567", "7:a")
    first, other = waiting("b"), waiting("c", "0529999999")
    event = QueueChanged(
        "queue_changed", "JOIN", Queue("7", "Sales", (first, other)), "b", T, None, first
    )
    enriched = repeats.enrich(event)
    assert isinstance(enriched, QueueChanged)
    assert enriched.queue.waiting is not None
    assert [c.earlier for c in enriched.queue.waiting] == [1, 0]
    assert enriched.joined is not None
    assert enriched.joined.earlier == 1
    assert enriched.queue.waiting[1] is other  # unchanged callers are the very same
    assert repeats.enrich(enriched) is enriched
    snapshot = QueuesSnapshot("queues_snapshot", (Queue("7", "Sales", (other,)),), T, None)
    assert repeats.enrich(snapshot).queues[0] is snapshot.queues[0]  # type: ignore[union-attr]
