"""The history's pure core (realtime/history.py): call records into hours, days and weeks with
the worker's own fold, in the account's time zone and business day, DST days included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from realtime.history import ALL, TOTAL, agent_rows, groups, report, slot, tally
from realtime.metrics import CountedCall, QueueDay, QueueRules, RecordedCall, figures, fold

pytestmark = pytest.mark.pure

TZ = ZoneInfo("Asia/Jerusalem")
DAY = date(2026, 11, 30)


def at(day: date, hour: int, minute: int = 0, second: int = 0, fold: int = 0) -> float:
    return datetime(
        day.year, day.month, day.day, hour, minute, second, tzinfo=TZ, fold=fold
    ).timestamp()


def rec(call_id, started, outcome="answered", wait=10.0, queue="7", talk=None, name="Sales"):
    return RecordedCall(call_id, queue, name, outcome, started, wait, talk_s=talk)


def flat(slots):
    return [(s, q, t) for s, queues in slots.items() for q, t in queues.items()]


def one(result, group, queue="7"):
    return next(r for r in result["rows"] if r["group"] == group and r["queue"] == queue)


def total(result, queue="7"):
    return next(r for r in result["totals"] if r["queue"] == queue)


def test_a_days_slots_sum_to_the_workers_fold_of_the_same_calls():
    rules = {"7": QueueRules(sl_threshold_s=15, formula="no_short", short_abandon_s=5)}
    records = [
        rec("a", at(DAY, 9, 5), wait=12), rec("b", at(DAY, 9, 50), wait=40),
        rec("c", at(DAY, 13, 0), "abandoned", wait=3), rec("d", at(DAY, 13, 1), "abandoned", 30),
        rec("e", at(DAY, 23, 59, 50), wait=25),  # answered the next day
        rec("f", at(DAY, 14), wait=None),  # a wait nobody knows
    ]  # fmt: skip
    slots, unmatched = tally(records, rules, TZ)
    assert unmatched == 0
    settled: list[CountedCall] = [
        {"q": "7", "d": DAY.isoformat(), "j": r.started_at, "o": r.outcome, "w": r.wait_s,
         "c": (DAY + timedelta(days=r.call_id == "e")).isoformat()}
        for r in records
    ]  # fmt: skip
    worker = fold(settled, rules, [DAY, DAY + timedelta(days=1)])
    result = report(flat(slots), rules, DAY, DAY + timedelta(days=1), "day")
    for day in (DAY, DAY + timedelta(days=1)):
        expected: dict[str, object] = dict(figures(worker[day]["7"], rules["7"]))
        got = one(result, day.isoformat())
        assert {k: v for k, v in got.items() if k in expected} == {
            k: v for k, v in expected.items() if k in got
        }
    offered, answered = (
        one(result, DAY.isoformat())["offered"],
        one(result, "2026-12-01")["answered"],
    )
    assert (offered, answered) == (6, 1)


def test_a_call_is_offered_in_the_hour_it_began_and_answered_in_the_hour_it_left():
    slots, _ = tally([rec("a", at(DAY, 9, 59, 50), wait=30)], {}, TZ)
    assert slots[(DAY, 9)]["7"].day == QueueDay(offered=1)
    answered = slots[(DAY, 10)]["7"].day
    assert (answered.offered, answered.answered, answered.wait_answered_s) == (0, 1, 30)


def test_the_newest_record_of_a_queues_call_wins_and_another_queues_is_another_call():
    records = [
        rec("a", at(DAY, 9), "abandoned", 40), rec("a", at(DAY, 9), "answered", 10),
        rec("a", at(DAY, 9), "answered", 5, queue="8"),
    ]  # fmt: skip
    result = report(flat(tally(records, {}, TZ)[0]), {}, DAY, DAY, "day")
    assert [(r["queue"], r["offered"], r["answered"], r["abandoned"]) for r in result["rows"]] == [
        ("7", 1, 1, 0), ("8", 1, 1, 0), (ALL, 2, 2, 0),
    ]  # fmt: skip


def test_a_name_only_record_counts_in_the_queue_of_its_name_and_an_unknown_one_is_counted_out():
    records = [
        rec("a", at(DAY, 9), queue=None, name="Sales"),
        rec("b", at(DAY, 9), queue=None, name="Nobody"),
    ]
    slots, unmatched = tally(records, {}, TZ, named={"Sales": "7"}.get)
    assert unmatched == 1
    assert slots[(DAY, 9)]["7"].day.answered == 1


def test_the_25_hour_day_puts_both_of_its_one_oclock_hours_in_one_group():
    autumn = date(2026, 10, 25)  # 02:00 goes back to 01:00
    first, second = at(autumn, 1, 30, fold=0), at(autumn, 1, 30, fold=1)
    assert second - first == 3600
    records = [rec("a", first, wait=5), rec("b", second, wait=5), rec("c", at(autumn, 2, 30))]
    result = report(flat(tally(records, {}, TZ)[0]), {}, autumn, autumn, "hour")
    assert [r["group"] for r in result["rows"]] == [f"{h:02d}:00" for h in range(24)]
    assert (one(result, "01:00")["offered"], one(result, "02:00")["offered"]) == (2, 1)
    assert total(result)["offered"] == 3


def test_the_23_hour_day_has_no_calls_in_the_hour_the_clock_skips():
    spring = date(2026, 3, 27)  # 02:00 jumps to 03:00
    assert at(spring, 3) - at(spring, 1) == 3600
    records = [rec("a", at(spring, 1, 59, 59), wait=2), rec("b", at(spring, 3, 0), wait=2)]
    slots, _ = tally(records, {}, TZ)
    assert sorted(slots) == [(spring, 1), (spring, 3)]  # the 1:59:59 caller answered at 03:00:01
    result = report(flat(slots), {}, spring, spring, "hour")
    assert (one(result, "01:00")["offered"], one(result, "02:00")["offered"]) == (1, 0)
    assert (one(result, "01:00")["answered"], one(result, "03:00")["answered"]) == (0, 2)


def test_a_business_day_from_six_puts_the_small_hours_on_the_day_before_and_orders_its_hours():
    early = at(date(2026, 12, 1), 3)  # 03:00 on Dec 1: business day Nov 30 when days begin at 6
    assert slot(early, TZ, 6) == (DAY, 3)
    result = report(flat(tally([rec("a", early)], {}, TZ, 6)[0]), {}, DAY, DAY, "hour", 6)
    assert result["rows"][0]["group"] == "06:00"
    assert result["rows"][-1]["group"] == "05:00"
    assert one(result, "03:00")["answered"] == 1


def test_weeks_begin_on_sunday_and_days_and_weeks_cover_the_range():
    assert groups(date(2026, 11, 27), date(2026, 12, 2), "week") == ["2026-11-22", "2026-11-29"]
    assert groups(DAY, date(2026, 12, 2), "day") == ["2026-11-30", "2026-12-01", "2026-12-02"]
    records = [rec("a", at(date(2026, 11, 28), 10)), rec("b", at(date(2026, 11, 29), 10))]
    result = report(flat(tally(records, {}, TZ)[0]), {}, date(2026, 11, 27), DAY, "week")
    assert (one(result, "2026-11-22")["answered"], one(result, "2026-11-29")["answered"]) == (1, 1)


def test_average_talk_counts_the_answered_calls_whose_talk_is_known():
    records = [rec("a", at(DAY, 9), talk=100), rec("b", at(DAY, 9), talk=50), rec("c", at(DAY, 9))]
    result = report(flat(tally(records, {}, TZ)[0]), {}, DAY, DAY, "day")
    assert total(result)["avg_talk_s"] == 75.0


def test_every_number_is_the_queues_rules_and_all_queues_under_several_rules_are_strict():
    rules = {"7": QueueRules(formula="answered"), "8": QueueRules(sl_threshold_s=60)}
    records = [
        rec("a", at(DAY, 9), wait=10), rec("b", at(DAY, 9), "abandoned", wait=50),
        rec("c", at(DAY, 9), wait=45, queue="8"),
    ]  # fmt: skip
    result = report(flat(tally(records, rules, TZ)[0]), rules, DAY, DAY, "day")
    assert (total(result, "7")["service_level_pct"], total(result, "7")["formula"]) == (
        100.0,
        "answered",
    )
    assert total(result, "8")["service_level_pct"] == 100.0  # 45 s within its 60
    everyone = total(result, ALL)
    assert (everyone["group"], everyone["sl_threshold_s"], everyone["formula"]) == (
        TOTAL,
        None,
        "strict",
    )
    assert everyone["service_level_pct"] == 66.7  # 2 within each queue's own of 3 served
    assert everyone["abandon_rate_pct"] == 33.3


def test_queues_asked_for_are_shown_without_calls_and_others_are_left_out():
    records = [rec("a", at(DAY, 9), queue="8")]
    result = report(flat(tally(records, {}, TZ)[0]), {}, DAY, DAY, "day", queues=["7"])
    assert [(r["queue"], r["offered"], r["service_level_pct"]) for r in result["rows"]] == [
        ("7", 0, None)
    ]


def test_slots_outside_the_range_are_left_out():
    records = [rec("a", at(DAY - timedelta(days=1), 9)), rec("b", at(DAY, 9))]
    result = report(flat(tally(records, {}, TZ)[0]), {}, DAY, DAY, "hour")
    assert total(result)["offered"] == 1
    assert datetime.fromtimestamp(at(DAY, 9), UTC).hour == 7  # (Jerusalem is UTC+2 in winter)


def test_the_agents_report_sums_each_agents_days_with_aht_and_login_time():
    days = [
        (date(2026, 11, 29), "SIP2", {"name": "Avi", "answered": 2, "missed": 1, "talk_s": 100,
                                      "status_s": {"1": 3000, "3": 600, "2": 900}}),
        (date(2026, 11, 30), "SIP2", {"name": "אבי 2", "answered": 2, "talk_s": 140.4,
                                      "status_s": {"1": 1000}}),  # stored before "missed"
        (date(2026, 11, 30), "SIP10", {"name": "Dana", "answered": 0, "missed": 3, "talk_s": 0,
                                       "status_s": {"2": 86400}}),
    ]  # fmt: skip
    rows = agent_rows(days)
    assert [r["extension"] for r in rows] == ["SIP10", "SIP2", ALL]
    avi = rows[1]
    assert avi["name"] == "אבי 2"  # the newest day's
    assert (avi["answered"], avi["missed"], avi["talk_s"], avi["aht_s"]) == (4, 1, 240.4, 60.1)
    assert avi["status_s"] == {"1": 4000, "2": 900, "3": 600}
    assert avi["login_s"] == 4600  # every status but Logout
    dana = rows[0]
    assert (dana["aht_s"], dana["login_s"]) == (None, 0)
    everyone = rows[2]
    assert (everyone["answered"], everyone["missed"], everyone["login_s"]) == (4, 4, 4600)
    assert everyone["status_s"]["2"] == 87300
    assert agent_rows([]) == [
        {"extension": ALL, "name": "", "answered": 0, "missed": 0, "talk_s": 0.0,
         "status_s": {}, "aht_s": None, "login_s": 0}
    ]  # fmt: skip
