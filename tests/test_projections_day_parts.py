"""The day's numbers, part by part (realtime/projections/day/: queues, agents, chart,
display, settling), in memory, with no Redis: what the projection composes
(tests/test_projections_day.py runs them whole, against Redis)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from realtime.events import Agent, Call, Queue, WaitingCall
from realtime.metrics import QueueDay, QueueRules, RecordedCall, business_day, day_bounds
from realtime.projections.day.agents import AgentDays
from realtime.projections.day.chart import HISTORY_MINUTES, WaitingChart
from realtime.projections.day.display import NOT_SET, TodayOnBoard, board_settings
from realtime.projections.day.queues import QueueCounts
from realtime.projections.day.settling import Settling
from realtime.state import State, TodayView, empty_state, queue_view

pytestmark = pytest.mark.pure

TZ = ZoneInfo("Asia/Jerusalem")
NOON = datetime(2026, 11, 30, 12, 0, tzinfo=TZ).timestamp()
TODAY = date(2026, 11, 30)


def day_of(ts: float) -> date:
    return business_day(ts, TZ)


def clock() -> float:
    return NOON


def caller(call_id: str, joined: float | None = NOON) -> WaitingCall:
    return WaitingCall(call_id, "0501234567", "", joined)


def test_a_call_is_offered_once_and_closed_once_with_its_wait():
    queues = QueueCounts(day_of, clock)
    queues.offer("7", caller("a"), NOON)
    queues.offer("7", caller("a"), NOON + 5)  # seen waiting again
    queues.close("7", "a", "answered", NOON + 12)
    queues.close("7", "a", "answered", NOON + 12)  # repeated
    counted = queues.days[TODAY]["7"]
    assert (counted.offered, counted.answered, counted.wait_answered_s) == (1, 1, 12)
    assert queues.calls["7:a"] == {
        "q": "7", "d": "2026-11-30", "j": NOON, "o": "answered", "w": 12, "c": "2026-11-30",
        "n": "0501234567", "e": NOON + 12,
    }  # fmt: skip
    assert queues.take_stats() == {"day_offered": 1, "day_answered": 1, "day_duplicates": 1}


def test_the_queues_counted_on_the_boards_day_are_noted_once_each_until_taken():
    queues = QueueCounts(day_of, clock)
    queues.noted_day = TODAY
    queues.offer("7", caller("a"), NOON)
    queues.offer("7", caller("b"), NOON)
    queues.offer("8", caller("c", NOON - 86_400), NOON)  # joined yesterday: not today's
    assert queues.take_noted() == {"7"}
    assert queues.take_noted() == set()


def test_a_recount_under_new_rules_moves_the_counters_and_marks_them_to_write():
    queues = QueueCounts(day_of, clock)
    for n, wait in enumerate((10, 25)):
        queues.offer("7", caller(f"c{n}"), NOON)
        queues.close("7", f"c{n}", "answered", NOON + wait)
    queues.written()
    queues.rules = {"7": QueueRules(sl_threshold_s=30)}
    queues.recount("under new rules", {TODAY})
    assert queues.days[TODAY]["7"].answered_within_sl == 2
    assert queues.dirty_days == {(TODAY, "7")}


def agent(status: int, name: str = "Dana") -> Agent:
    return Agent("SIP1", "101", 7, name, name, status, "", None, None, None)


def test_an_agents_time_in_a_status_is_split_at_midnight_and_counted_from_the_first_day_kept():
    agents = AgentDays(day_of, lambda day: day_bounds(day, TZ), clock)
    evening = datetime(2026, 11, 29, 23, 0, tzinfo=TZ).timestamp()
    agents.since = evening - 3600  # the first day in memory began an hour before
    agents.status(agent(3), evening - 7200, snapshot=True)  # since 21:00: counted from 22:00
    agents.status(agent(1), evening + 7200, snapshot=False)  # 01:00 the next day
    assert agents.agents[date(2026, 11, 29)]["SIP1"]["status_s"] == {"3": 7200}
    assert agents.agents[TODAY]["SIP1"]["status_s"] == {"3": 3600}


def test_an_answer_counts_once_and_its_talk_time_on_the_day_it_ended():
    agents = AgentDays(day_of, lambda day: day_bounds(day, TZ), clock)
    agents.answer(agent(1), "c", NOON)
    agents.answer(agent(1), "c", NOON)
    agents.hang_up(agent(1), "c", NOON + 90)
    agents.hang_up(agent(1), "c", NOON + 95)  # counted already
    assert agents.agents[TODAY]["SIP1"] == {
        "name": "Dana", "answered": 1, "talk_s": 90, "status_s": {}, "missed": 0
    }  # fmt: skip
    assert agents.take_stats() == {"day_duplicates": 1}


def ringing(status: int, *calls: tuple[str, str, str]) -> Agent:
    """An agent whose event lists ``calls`` (call id, direction, state)."""
    listed = tuple(
        Call(c, direction, state, "0501234567", "", "", NOON, None, "7", None)
        for c, direction, state in calls
    )
    return Agent("SIP1", "101", 7, "Dana", "Dana", status, "", None, None, listed)


def test_an_incoming_call_that_rang_and_left_unanswered_is_one_miss_on_the_day_it_left():
    agents = AgentDays(day_of, lambda day: day_bounds(day, TZ), clock)
    agents.rang(ringing(1, ("a", "Incoming", "Ringing"), ("o", "Outgoing", "Ringing")))
    agents.rang(ringing(1, ("a", "Incoming", "Ringing")))  # listed again: one ring
    agents.rang(ringing(1, ("b", "Incoming", "Ringing")))
    agents.answer(agent(1), "b", NOON)  # answered: no miss
    agents.hang_up(agent(1), "b", NOON + 60)
    agents.hang_up(agent(1), "a", NOON + 20)  # the caller gave up, or another agent answered
    agents.hang_up(agent(1), "a", NOON + 21)  # (repeated)
    agents.hang_up(agent(1), "o", NOON + 30)  # an outgoing call the far end never took
    numbers = agents.agents[TODAY]["SIP1"]
    assert numbers["missed"] == 1
    assert (numbers["answered"], numbers["talk_s"]) == (1, 60)


def test_rings_whose_hangup_never_came_are_forgotten_once_too_many_are_kept(monkeypatch):
    from realtime.projections.day import agents as module

    monkeypatch.setattr(module, "RINGING_KEPT", 3)
    now = [NOON]
    agents = AgentDays(day_of, lambda day: day_bounds(day, TZ), lambda: now[0])
    for n in range(3):
        agents.rang(ringing(1, (f"old{n}", "Incoming", "Ringing")))
    now[0] += module.RING_FORGET_S + 1
    agents.rang(ringing(1, ("new", "Incoming", "Ringing")))
    assert set(agents.ringing) == {"SIP1:new"}


def queues_waiting(**waiting: int) -> dict:
    return {
        q: queue_view(Queue(q, q, tuple(caller(f"{q}{n}") for n in range(count))))
        for q, count in waiting.items()
    }


def test_the_chart_keeps_the_most_waiting_in_each_minute_and_fills_minutes_not_sampled():
    chart = WaitingChart()
    minute = NOON - NOON % 60
    assert not chart.sample(queues_waiting(q=3), minute)  # the first look starts the minute
    assert not chart.sample(queues_waiting(q=1), minute + 30)
    assert chart.sample(queues_waiting(q=2), minute + 3 * 60)  # two minutes with no sample
    assert chart.points("q") == [3, 2, 2]
    assert chart.points("unknown") == []
    for n in range(HISTORY_MINUTES + 5):
        chart.sample(queues_waiting(q=n), minute + (4 + n) * 60)
    assert len(chart.points("q")) == HISTORY_MINUTES


class Board:
    def __init__(self) -> None:
        self.state: State = empty_state()
        self.puts: list[tuple[list[str], bool]] = []

    def put(self, collection, entities: dict[str, TodayView], replace: bool = False) -> None:
        self.puts.append((sorted(entities), replace))
        self.state["today"] = {**({} if replace else self.state["today"]), **entities}


def test_the_board_gets_every_queue_of_the_day_then_each_counted_queue_once_a_batch():
    queues, chart, board = QueueCounts(day_of, clock), WaitingChart(), Board()
    display = TodayOnBoard(board, queues, chart)
    display.shown = {"9": board_settings({"display_name": "VIP", "alert_sl_pct": 80})}
    queues.offer("7", caller("a"), NOON)
    display.show(TODAY)
    queues.offer("8", caller("b"), NOON)
    queues.close("8", "b", "abandoned", NOON + 3)
    display.show_counted()
    display.show_counted()  # nothing counted since
    assert board.puts == [(["7", "9"], True), (["8"], False)]
    eight, vip = board.state["today"]["8"], board.state["today"]["9"]
    assert (eight["offered"], eight["abandoned"], eight["display_name"]) == (1, 1, "")
    assert (vip["display_name"], vip["alert_sl_pct"], vip["offered"]) == ("VIP", 80, 0)


def test_unreadable_or_impossible_settings_are_unset():
    assert board_settings("garbage") == NOT_SET
    assert board_settings({"alert_waiting": True, "alert_sl_pct": 101, "display_name": 7}) == (
        NOT_SET
    )
    assert board_settings({"display_name": "x" * 300})["display_name"] == "x" * 200


def test_every_queue_has_the_80_20_target_unless_its_settings_say_none():
    assert NOT_SET["alert_sl_pct"] == 80  # no settings at all
    assert board_settings({"display_name": "VIP"})["alert_sl_pct"] == 80
    assert board_settings({"alert_sl_pct": 90})["alert_sl_pct"] == 90
    assert board_settings({"alert_sl_pct": 0})["alert_sl_pct"] == 0  # a target never missed
    assert board_settings({"alert_sl_pct": None})["alert_sl_pct"] is None  # none, as asked
    assert board_settings({"alert_sl_pct": "80%"})["alert_sl_pct"] == 80  # unreadable: default


def recorded(call_id, outcome="answered", wait=12.0, queue="7", name="Sales"):
    return RecordedCall(call_id, queue, name, outcome, NOON, wait)


def test_a_record_settles_a_call_counted_otherwise_and_one_never_seen_and_says_which_days():
    queues = QueueCounts(day_of, clock)
    queues.offer("7", caller("a"), NOON)
    queues.close("7", "a", "answered", NOON + 12)
    settling = Settling(None, day_of, clock)
    days = settling.settle(
        [recorded("a", "abandoned", 40), recorded("b"), recorded("c", wait=12.0)],
        queues,
        {TODAY},
        lambda name: None,
    )
    assert days == {TODAY}
    assert (queues.calls["7:a"]["o"], queues.calls["7:a"]["w"]) == ("abandoned", 40)
    assert queues.calls["7:b"]["o"] == "answered"
    assert "7:b" in queues.dirty_calls
    # the counters stay as the events left them until the days are recounted
    as_counted = QueueDay(1, 1, 0, 0, 1, 0, 1, 12, 12)
    assert queues.days[TODAY]["7"] == as_counted
    assert settling.take_stats() == {"day_settled_by_records": 3}


def test_a_records_queue_name_is_the_one_queue_so_called_else_none():
    settling = Settling(None, day_of, clock)
    queues = queues_waiting(**{"1": 0, "2": 0, "3": 0})
    queues["1"]["name"], queues["2"]["name"], queues["3"]["name"] = "Sales", "Twice", "twice"
    shown = {"4": board_settings({"display_name": "VIP"})}
    assert settling.queue_named(" sales ", queues, shown) == "1"
    assert settling.queue_named("VIP", queues, shown) == "4"  # our name, when Voicenter's is not
    assert settling.queue_named("Twice", queues, shown) is None  # which one: not ours to guess
    assert settling.queue_named("Nowhere", queues, shown) is None
    assert settling.take_stats() == {"day_records_unmatched": 2}
