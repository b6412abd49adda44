"""The reports over past days (`manage.py report`, wallboard/reports/history.py) from stored
call records, with real Redis and the real database: the roll-ups kept up to date (late
records, new rules), the command's JSON and CSV, teams, and today's numbers equal to the
worker's and `queue_stats`' on a simulated day."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from realtime.voicenter.cdr import parse
from tests.helpers import downloaded
from wallboard.reports.models import QueueHour, QueueSettings, ReportHour
from wallboard.reports.records import store

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Jerusalem")
DAY = date(2026, 11, 29)


def local_epoch(day: date, hour: int, minute: int = 0) -> int:
    """A Voicenter ``time``: the account's wall clock as an epoch."""
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
    offset = moment.utcoffset()
    assert offset is not None
    return int(moment.timestamp() + offset.total_seconds())


def push(
    call_id, hour, status="ANSWER", wait=10, queue=7, name="Sales", talk=60, day=DAY, minute=0
):
    body = {
        "ivruniqueid": call_id, "type": "Queue", "status": status, "queueid": queue,
        "queuename": name, "time": local_epoch(day, hour, minute), "duration": talk,
        "seconds_waiting_in_queue": wait, "caller": "0501234567", "target": "0722776772",
        "targetextension": "SIP1" if status == "ANSWER" else "",
    }  # fmt: skip
    record, _ = parse(json.dumps(body).encode(), TZ)
    assert store(record, "push")


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def report_json(*args: str) -> dict:
    return json.loads(report(*args, "--format", "json"))


def row(found: dict, group: str, queue: str = "7") -> dict:
    return next(
        r for r in [*found["rows"], *found["totals"]] if (r["group"], r["queue"]) == (group, queue)
    )


@pytest.fixture(autouse=True)
def _prefix(use_prefix):
    """(the command reads the board's queue names from Redis: the tests' own prefix)"""


def test_the_json_has_queue_stats_field_names_a_row_per_hour_and_queue_and_totals():
    push("a", 9, wait=5), push("b", 9, wait=30), push("c", 10, "ABANDONE", wait=40, talk=0)
    push("d", 10, queue=8, name="Support")
    found = report_json("--from", DAY.isoformat(), "--group", "hour")
    assert (found["from"], found["to"], found["group"], found["time_zone"]) == (
        "2026-11-29", "2026-11-29", "hour", "Asia/Jerusalem",
    )  # fmt: skip
    nine = row(found, "09:00")
    assert set(nine) >= {
        "group", "queue", "name", "offered", "answered", "abandoned", "short_abandoned",
        "answered_within_sl", "sl_threshold_s", "service_level_pct", "asa_s", "abandon_rate_pct",
        "longest_wait_s", "formula", "avg_talk_s",
    }  # fmt: skip
    assert (nine["offered"], nine["answered"], nine["answered_within_sl"]) == (2, 2, 1)
    assert (nine["service_level_pct"], nine["asa_s"], nine["avg_talk_s"]) == (50.0, 17.5, 60.0)
    assert len([r for r in found["rows"] if r["queue"] == "7"]) == 24
    total = row(found, "total")
    assert (total["offered"], total["answered"], total["abandoned"], total["longest_wait_s"]) == (
        3, 2, 1, 40,
    )  # fmt: skip
    assert row(found, "10:00", "all")["offered"] == 2
    assert row(found, "total", "all")["offered"] == 4


def test_a_late_record_of_a_rolled_up_day_counts_at_the_next_report():
    push("a", 9)
    assert row(report_json("--from", DAY.isoformat()), "total")["offered"] == 1
    rolled = ReportHour.objects.get(day=DAY, hour=15)
    assert rolled.rolled == rolled.changed
    push("late", 15, "ABANDONE", wait=3)
    assert ReportHour.objects.get(day=DAY, hour=15).changed == rolled.changed + 1
    assert ReportHour.objects.get(day=DAY, hour=9).changed == 0
    total = row(report_json("--from", DAY.isoformat()), "total")
    assert (total["offered"], total["abandoned"]) == (2, 1)


def test_new_rules_fold_the_rolled_up_days_again():
    push("a", 9, wait=25), push("b", 9, wait=10)
    assert row(report_json("--from", DAY.isoformat()), "total")["service_level_pct"] == 50.0
    QueueSettings.objects.create(queue_id="7", sl_threshold_s=30, display_name="Sales line")
    total = row(report_json("--from", DAY.isoformat()), "total")
    assert (total["service_level_pct"], total["sl_threshold_s"], total["name"]) == (
        100.0, 30, "Sales line",
    )  # fmt: skip


def test_a_call_offered_before_midnight_and_answered_after_counts_on_each_day():
    push("a", 23, wait=120, minute=59, day=date(2026, 11, 28))
    found = report_json("--from", "2026-11-28", "--to", DAY.isoformat(), "--group", "day")
    before, after = row(found, "2026-11-28"), row(found, DAY.isoformat())
    assert (before["offered"], before["answered"], after["offered"], after["answered"]) == (
        1, 0, 0, 1,
    )  # fmt: skip
    assert QueueHour.objects.filter(
        source_day=date(2026, 11, 28), source_hour=23, day=DAY, hour=0
    ).exists()


def test_the_25_hour_days_roll_ups_count_both_one_oclocks_and_fold_a_late_record_again():
    import dataclasses

    autumn = date(2026, 10, 25)  # 02:00 goes back to 01:00 in Jerusalem

    def at(hour: int, minute: int, fold: int = 0) -> float:
        return datetime(2026, 10, 25, hour, minute, tzinfo=TZ, fold=fold).timestamp()

    def push_at(call_id: str, started: float) -> None:
        body = {"ivruniqueid": call_id, "type": "Queue", "status": "ANSWER", "queueid": 7,
                "queuename": "Sales", "time": 1, "seconds_waiting_in_queue": 5}  # fmt: skip
        record, _ = parse(json.dumps(body).encode(), TZ)
        assert store(dataclasses.replace(record, started_at=started), "push")

    push_at("first", at(1, 30))
    push_at("second", at(1, 30, fold=1))
    push_at("two", at(2, 30))
    assert at(1, 30, fold=1) - at(1, 30) == 3600
    hours = report_json("--from", autumn.isoformat(), "--group", "hour")
    assert (row(hours, "01:00")["offered"], row(hours, "02:00")["offered"]) == (2, 1)
    push_at("late", at(1, 45, fold=1))
    hours = report_json("--from", autumn.isoformat(), "--group", "hour")
    assert (row(hours, "01:00")["answered"], row(hours, "total")["offered"]) == (3, 4)


def test_the_csv_has_a_bom_a_header_and_no_cell_a_spreadsheet_would_run():
    push("a", 9)
    QueueSettings.objects.create(queue_id="7", display_name='=HYPERLINK("x") שירות')
    text = report("--from", DAY.isoformat(), "--format", "csv")
    assert text.startswith("\ufeffgroup,queue,name,offered,answered,abandoned,")
    first = text.splitlines()[1]
    assert first.startswith('2026-11-29,7,"\'=HYPERLINK(""x"") שירות",1,1,0,')


def test_a_team_reports_its_queues_and_an_unknown_team_or_bad_input_is_refused():
    from wallboard.teams.models import Team

    push("a", 9), push("b", 9, queue=8, name="Support")
    team = Team.objects.create(name="Support team")
    team.queues.create(queue_id="8", name="Support")
    found = report_json("--from", DAY.isoformat(), "--team", "support TEAM")
    assert {r["queue"] for r in found["rows"]} == {"8"}
    with pytest.raises(CommandError, match="No team is called 'Sales' \\(teams: Support team\\)"):
        report("--from", DAY.isoformat(), "--team", "Sales")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        report("--from", "yesterday")
    with pytest.raises(CommandError, match="before --from"):
        report("--from", DAY.isoformat(), "--to", "2026-11-01")
    with pytest.raises(CommandError, match="from 2000"):
        report("--from", "0001-01-01")
    only = report_json("--from", DAY.isoformat(), "--queues", "9")
    assert [(r["queue"], r["offered"]) for r in only["rows"]] == [("9", 0)]


@pytest.mark.django_db(transaction=True)
def test_todays_report_equals_the_workers_numbers_and_queue_stats_on_a_simulated_day(use_prefix):
    """The issue's "same numbers as live": the simulator's calls through the worker's own
    projections (events, then their records settling them) and through the report."""
    from realtime.events import Rejected
    from realtime.metrics import QueueDay, QueueRules, figures
    from realtime.projections.board import BoardState
    from realtime.projections.day import DayCounters
    from realtime.simulator.model import CallCenter
    from realtime.voicenter.wire import normalise
    from wallboard.core import services
    from wallboard.reports.records import StoredRecords

    QueueSettings.objects.create(
        queue_id="1000", sl_threshold_s=15, sl_formula="no_short", short_abandon_s=5
    )
    start = datetime(DAY.year, DAY.month, DAY.day, 10, tzinfo=TZ).timestamp()
    model = CallCenter(agents=6, queues=2, calls_per_minute=12, seed=5, now=start)
    raw = model.snapshot_events() + model.advance(start + 40 * 60)
    model.calls_per_minute = 1e-9  # no new callers: every call ends, and has its record
    raw += model.advance(start + 4 * 3600)
    end = model.now
    for body in model.drain_cdrs():
        record, _ = parse(json.dumps(body).encode(), TZ)
        store(record, "push")

    async def the_worker() -> dict:
        store_ = services.state_store()
        try:
            board = BoardState(store_)
            await board.load()
            days = services.day_store(store_.redis)
            counting = DayCounters(
                days, TZ, 0, board=board, clock=lambda: end, records=StoredRecords()
            )
            await counting.load()
            for name, payload in raw:
                for event in normalise(name, payload, offset_min=None, tz=TZ):
                    assert not isinstance(event, Rejected), event
                    await board.apply(event)
                    await counting.apply(event)
            await board.commit()
            await counting.commit()
            await counting.verify()  # (starts the look at the records)
            assert counting.settling.look is not None
            await asyncio.wait([counting.settling.look])
            await counting.verify()  # (takes what it found)
            return await days.counters(DAY)
        finally:
            await store_.redis.aclose()

    counted = asyncio.run(the_worker())
    out = io.StringIO()
    call_command("queue_stats", "--date", DAY.isoformat(), "--json", stdout=out)
    stats = json.loads(out.getvalue())["queues"]
    found = report_json("--from", DAY.isoformat(), "--group", "day")
    assert set(stats) == set(counted) == {"1000", "1001"}
    for queue, numbers in stats.items():
        reported = row(found, DAY.isoformat(), queue)
        assert reported["offered"] > 20
        assert {k: reported[k] for k in numbers if k != "name"} == {
            k: v for k, v in numbers.items() if k != "name"
        }
        rules = QueueRules(15, "no_short", 5) if queue == "1000" else QueueRules()
        worker = figures(QueueDay.from_mapping(counted[queue]), rules)
        assert {k: reported[k] for k in worker if k in reported} == {
            k: v for k, v in worker.items() if k in reported
        }
    hours = report_json("--from", DAY.isoformat(), "--group", "hour")
    assert row(hours, "total", "1000")["offered"] == stats["1000"]["offered"]
    assert (
        sum(r["offered"] for r in hours["rows"] if r["queue"] == "1000") == stats["1000"]["offered"]
    )


def test_the_presets_are_business_days_with_weeks_from_sunday():
    from wallboard.reports.pages import preset_range

    tuesday = date(2026, 12, 1)
    assert preset_range("today", tuesday) == (tuesday, tuesday)
    assert (
        preset_range("yesterday", tuesday) == (DAY - date.resolution, DAY - date.resolution) or True
    )
    assert preset_range("yesterday", tuesday) == (date(2026, 11, 30), date(2026, 11, 30))
    assert preset_range("this_week", tuesday) == (date(2026, 11, 29), tuesday)
    assert preset_range("last_week", tuesday) == (date(2026, 11, 22), date(2026, 11, 28))
    assert preset_range("this_month", tuesday) == (date(2026, 12, 1), tuesday)
    assert preset_range("last_month", tuesday) == (date(2026, 11, 1), date(2026, 11, 30))
    assert preset_range("last_week", date(2026, 11, 29)) == (date(2026, 11, 22), date(2026, 11, 28))


def page(client, **query) -> str:
    answer = client.get("/reports/", query)
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_reports_page_shows_a_supervisor_the_table_and_is_for_supervisors_only():
    from django.test import Client

    from tests.helpers import signed_in

    push("a", 9, wait=5), push("b", 10, "ABANDONE", wait=40), push("c", 9, queue=8, name="Support")
    agent = signed_in(Client(), "alice", voicenter_user_id="1", extension="SIP1")
    assert agent.get("/reports/").status_code == 403
    boss = signed_in(Client(), "boss", supervisor=True)
    html = page(boss, range="custom", **{"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert html.count('class="report-row"') == 48  # 24 hours, two queues
    assert 'data-group="09:00" data-queue="all"' in html
    assert html.count("report-total") == 3  # each queue, then all
    assert '<option value="8" dir="auto">8</option>' in html  # a queue with calls, no name
    far = page(boss, range="custom", **{"from": "0001-01-01", "to": "9999-12-31"})
    assert "Pick the first and last day of the range." in far
    by_day = page(boss, range="custom", group="day", queue="7", **{"from": DAY.isoformat()})
    assert by_day.count('class="report-row"') == 1
    assert 'data-group="2026-11-29" data-queue="7"' in by_day
    assert "<td>2</td>" in by_day  # offered


def test_the_reports_table_downloads_as_csv_and_xlsx_with_the_pages_numbers():
    import csv as csv_module
    import io as io_module

    from django.test import Client
    from openpyxl import load_workbook

    from tests.helpers import signed_in

    (
        push("a", 9, wait=5),
        push("b", 10, "ABANDONE", wait=40),
        push("c", 9, queue=8, name="=HYPERLINK(1)"),
    )
    QueueSettings.objects.create(queue_id="8", display_name="=HYPERLINK(1)")  # a stranger's text
    boss = signed_in(Client(), "boss", supervisor=True)
    query = {"range": "custom", "group": "day", "from": DAY.isoformat()}
    html = page(boss, **query)
    assert "format=csv" in html
    assert "format=xlsx" in html
    answer = boss.get("/reports/", {**query, "format": "csv"})
    body = downloaded(answer).decode()
    assert body.startswith("\ufeff")
    rows = list(csv_module.reader(io_module.StringIO(body[1:])))
    assert rows[0][:4] == ["Day", "Queue", "Queue id", "Offered"]
    by_queue = {(r[0], r[2]): r for r in rows[1:]}
    assert by_queue[(DAY.isoformat(), "7")][3:6] == ["2", "1", "1"]  # offered, answered, abandoned
    assert by_queue[("Total", "")][1] == "All queues"
    assert by_queue[(DAY.isoformat(), "8")][1] == "'=HYPERLINK(1)"  # a name is never a formula
    answer = boss.get("/reports/", {**query, "format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="he")
    book = load_workbook(io_module.BytesIO(downloaded(answer)))
    sheet = book.active
    assert sheet is not None
    assert sheet.sheet_view.rightToLeft
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][3] == "הוצעו"
    assert [r[3] for r in values[1:] if r[2] == "7"] == [2, 2]  # the day, then its total


def test_a_team_supervisor_sees_only_their_teams_queues():
    from django.contrib.auth.models import User
    from django.test import Client

    from tests.helpers import signed_in
    from wallboard.teams.models import Team

    push("a", 9), push("b", 9, queue=8, name="Support")
    boss = signed_in(Client(), "dana", supervisor=True)
    sales = Team.objects.create(name="Sales")
    sales.queues.create(queue_id="7", name="Sales")
    sales.supervisors.add(User.objects.get(username="dana"))
    other = Team.objects.create(name="Support")
    other.queues.create(queue_id="8", name="Support")
    html = page(boss, range="custom", group="day", **{"from": DAY.isoformat()})
    assert 'data-queue="7"' in html
    assert 'data-queue="8"' not in html
    assert ">Support</option>" not in html
    picked = page(boss, range="custom", group="day", queue=["7", "8"], **{"from": DAY.isoformat()})
    assert 'data-queue="8"' not in picked
    assert "not in your teams" in picked
    theirs = page(boss, range="custom", team=str(other.pk), **{"from": DAY.isoformat()})
    assert 'data-queue="8"' not in theirs
    assert "not one of yours" in theirs


def test_the_reports_page_is_in_hebrew_right_to_left_with_names_isolated():
    from django.test import Client

    from tests.helpers import signed_in

    push("a", 9)
    QueueSettings.objects.create(queue_id="7", display_name="מכירות")
    boss = signed_in(Client(), "boss", supervisor=True)
    query = {"range": "custom", "group": "day", "from": DAY.isoformat()}
    html = boss.get("/reports/", query, HTTP_ACCEPT_LANGUAGE="he").content.decode()
    assert 'dir="rtl"' in html
    assert "<title>דוחות · לוח מוקד</title>" in html
    assert '<th scope="col">הוצעו</th>' in html
    assert "<bdi>מכירות</bdi>" in html


@pytest.mark.django_db(transaction=True)
def test_a_range_with_many_hours_to_fold_is_prepared_in_the_background_then_shown():
    from django.test import Client

    from tests.helpers import signed_in
    from wallboard.reports import pages

    push("a", 9), push("b", 9, day=date(2026, 11, 20))
    boss = signed_in(Client(), "boss", supervisor=True)
    query = {"range": "custom", "group": "day", "from": "2026-11-15", "to": DAY.isoformat()}
    first = page(boss, **query)
    assert "being prepared" in first
    assert 'class="report-row"' not in first
    pages._folding["fold"].result(timeout=60)
    shown = page(boss, **query)
    assert "being prepared" not in shown
    total = 'data-group="total" data-queue="7"'
    assert total in shown
    assert ReportHour.objects.filter(rolled=-1).count() == 0
    # an hour a record changed is folded by the report itself
    push("c", 11)
    assert "being prepared" not in page(boss, **query)
    from django.db import connections

    # the fold's thread keeps its connection: the test database is dropped only once none does
    pages.FOLD_THREAD.submit(connections.close_all).result()
