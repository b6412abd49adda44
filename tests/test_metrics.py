"""Today's metrics (realtime/metrics.py): each formula on worked examples, and the business
day across midnight, a late start hour and DST."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from realtime.metrics import (
    CountedCall,
    QueueDay,
    QueueRules,
    abandon_rate_pct,
    asa_s,
    business_day,
    closed,
    day_bounds,
    figures,
    fold,
    offered,
    service_level_pct,
)

pytestmark = pytest.mark.pure

TZ = ZoneInfo("Asia/Jerusalem")
TODAY = date(2026, 11, 30)


def worked_day(rules: QueueRules) -> QueueDay:
    """10 offered; answered after 5, 10, 15, 20, 25, 40 s; abandoned after 3 and 30 s; two
    still waiting."""
    day = QueueDay()
    for _ in range(10):
        day = offered(day)
    for wait in (5, 10, 15, 20, 25, 40):
        day = closed(day, "answered", wait, rules)
    for wait in (3, 30):
        day = closed(day, "abandoned", wait, rules)
    return day


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("strict", 50.0),  # 4 answered within 20 / (6 + 2)
        ("answered", 66.7),  # 4 / 6
        ("both", 62.5),  # (4 + 1 abandoned within 20) / 8
        ("no_short", 57.1),  # 4 / (8 - 1 short abandon under 5 s)
    ],
)
def test_each_service_level_formula_on_a_worked_day(formula, expected):
    rules = QueueRules(sl_threshold_s=20, formula=formula, short_abandon_s=5)
    assert service_level_pct(worked_day(rules), rules) == expected


def test_asa_abandon_rate_and_longest_wait_on_a_worked_day():
    rules = QueueRules(sl_threshold_s=20, short_abandon_s=5)
    day = worked_day(rules)
    assert asa_s(day) == 19.2  # (5 + 10 + 15 + 20 + 25 + 40) / 6
    assert abandon_rate_pct(day, rules) == 20.0  # 2 / 10
    short = QueueRules(sl_threshold_s=20, formula="no_short", short_abandon_s=5)
    assert abandon_rate_pct(worked_day(short), short) == 11.1  # (2 - 1) / (10 - 1)
    assert (day.longest_wait_s, day.short_abandoned) == (40.0, 1)


def test_a_wait_exactly_at_the_threshold_is_within_it():
    rules = QueueRules(sl_threshold_s=20)
    day = closed(offered(QueueDay()), "answered", 20, rules)
    assert day.answered_within_sl == 1


def test_an_unknown_wait_counts_the_call_but_in_no_threshold_and_not_in_asa():
    rules = QueueRules()
    day = closed(offered(QueueDay()), "answered", None, rules)
    day = closed(offered(day), "answered", 30, rules)
    assert (day.answered, day.answered_within_sl, day.answered_timed) == (2, 0, 1)
    assert asa_s(day) == 30.0


def test_nothing_counted_gives_no_percentage_rather_than_zero():
    shown = figures(QueueDay(), QueueRules())
    assert shown["service_level_pct"] is None
    assert shown["asa_s"] is None
    assert shown["abandon_rate_pct"] is None


def test_unreadable_rules_fall_back_to_the_defaults():
    assert QueueRules.from_mapping({"sl_threshold_s": -3, "formula": "magic"}) == QueueRules()
    assert QueueRules.from_mapping("garbage") == QueueRules()
    assert QueueRules.from_mapping({"sl_threshold_s": 30}).sl_threshold_s == 30


def ts(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=TZ).timestamp()


def test_the_business_day_follows_the_accounts_midnight_not_utcs():
    assert business_day(ts(2026, 11, 30, 0, 30), TZ) == date(2026, 11, 30)  # 22:30 UTC the 29th
    assert business_day(ts(2026, 11, 29, 23, 59), TZ) == date(2026, 11, 29)


def test_a_day_that_starts_at_six_keeps_the_night_with_the_day_before():
    assert business_day(ts(2026, 11, 30, 5, 59), TZ, start_hour=6) == date(2026, 11, 29)
    assert business_day(ts(2026, 11, 30, 6, 0), TZ, start_hour=6) == date(2026, 11, 30)


def test_dst_days_are_23_and_25_hours_long():
    # Israel: summer time begins Friday 2026-03-27 02:00, ends Sunday 2026-10-25 02:00
    start, end = day_bounds(date(2026, 3, 27), TZ)
    assert end - start == 23 * 3600
    start, end = day_bounds(date(2026, 10, 25), TZ)
    assert end - start == 25 * 3600
    assert business_day(start, TZ) == date(2026, 10, 25)
    assert business_day(end - 1, TZ) == date(2026, 10, 25)


def test_a_start_hour_that_dst_skips_begins_right_after_the_gap():
    start, _ = day_bounds(date(2026, 3, 27), TZ, start_hour=2)  # 02:00 does not exist that day
    assert business_day(start, TZ, start_hour=2) == date(2026, 3, 27)
    assert business_day(start - 1, TZ, start_hour=2) == date(2026, 3, 26)


def test_a_queue_days_mapping_holds_every_counter_as_dataclasses_asdict_would():
    from dataclasses import asdict, fields

    day = QueueDay(**{f.name: n + 1 for n, f in enumerate(fields(QueueDay))})
    assert day.as_mapping() == asdict(day)
    assert QueueDay.from_mapping(day.as_mapping()) == day


def test_the_figures_hold_every_counter_in_the_counters_order_then_the_metrics():
    from dataclasses import fields

    day = QueueDay(**{f.name: n + 1 for n, f in enumerate(fields(QueueDay))})
    shown = figures(day, QueueRules())
    assert list(shown)[: len(fields(QueueDay))] == list(day.as_mapping())
    assert {k: v for k, v in shown.items() if k in day.as_mapping()} == day.as_mapping()


def call(queue: str, offered_on: str, outcome: str = "", wait=None, closed_on=None) -> CountedCall:
    record: Any = {"q": queue, "d": offered_on, "j": None, "o": outcome, "w": wait, "c": closed_on}
    return record


def test_a_day_folds_from_its_calls_each_on_the_day_it_was_offered_and_the_day_it_closed():
    calls = [
        call("7", "2026-11-29", "answered", 10.0, "2026-11-30"),  # offered the day before
        call("7", "2026-11-30", "answered", 25.0, "2026-11-30"),
        call("7", "2026-11-30", "abandoned", 3.0, "2026-11-30"),
        call("7", "2026-11-30"),  # still waiting
        call("8", "2026-11-30", "answered", None, "2026-12-01"),  # answered the next day
        call("9", "2026-11-28", "answered", 5.0, "2026-11-28"),  # another day: nowhere
    ]
    days = fold(calls, {"7": QueueRules(sl_threshold_s=30, short_abandon_s=5)}, [TODAY])
    assert set(days) == {TODAY}
    assert set(days[TODAY]) == {"7", "8"}
    seven = days[TODAY]["7"]
    assert (seven.offered, seven.answered, seven.abandoned, seven.short_abandoned) == (3, 2, 1, 1)
    assert (seven.answered_within_sl, seven.wait_answered_s, seven.longest_wait_s) == (2, 35, 25)
    assert days[TODAY]["8"] == QueueDay(offered=1)  # the defaults' rules; its answer tomorrow


def test_folding_a_days_calls_gives_what_counting_them_one_by_one_gave():
    rules = QueueRules(sl_threshold_s=20, formula="no_short", short_abandon_s=4)
    waits = [("answered", 5), ("abandoned", 2), ("answered", 40), ("abandoned", 30)]
    calls = [call("7", "2026-11-30", o, float(w), "2026-11-30") for o, w in waits]
    one_by_one = QueueDay()
    for c in calls:
        outcome: Any = c["o"]
        one_by_one = closed(offered(one_by_one), outcome, c["w"], rules)
    assert fold(calls, {"7": rules}, {TODAY}) == {TODAY: {"7": one_by_one}}
    assert fold(calls, {}, set()) == {}
