"""The reports on a month of a 1,000-agent center: `manage.py report` by hour, all queues.

Run: .venv/bin/python bench/bench_reports.py [--records 1500000] [--days 30] [--queues 50]
     [--runs 5] [--database-url postgres://...]
Makes a database of its own beside ``--database-url`` (default ``DATABASE_URL``; PostgreSQL:
``<name>_bench_reports``, dropped at the end; without one, a SQLite file in a temporary
directory), migrates it and fills it with ``--records`` queue call records (80 % answered,
waits and talk times drawn as a busy center's, most calls in the day's working hours) over the
``--days`` business days ending today, today's part up to now, by PostgreSQL's ``COPY``. Then
times the report by hour of the day for all queues over those days
(``wallboard.reports.history.history``, what the command and the page run):

- cold: the first report, which folds every hour's records into the roll-ups (once; again
  for all only when a queue's rules, the time zone or the day start hour change);
- warm: p50 and max over ``--runs`` reports, each after one more record of today was stored
  (so each folds today's last hour again, as a report during the day does); and the same
  after a late record of yesterday too (its hour folded again: the target is held against
  this one);

then the page's numbers (the table by hour and its by-day chart); then a queue's rules changed
and the worker's keeper (``wallboard/reports/keeper.py``) folding the days back pass after pass
(each within its budget), and a report after it;

and beside them the ceiling: the same report's roll-up query alone (its bare SQL, p50), and
for scale a bare SQL ``GROUP BY`` of the raw records by queue and hour (what a report without
roll-ups would at least cost). Target (issue 31): under 2 s warm on PostgreSQL at 1.5 million
records.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
os.environ.setdefault("WALLBOARD_DEV_SECRET_KEY", "1")  # a benchmark, not a site

TARGET_S = 2.0
ANSWERED_P = 0.8
WAIT_MEAN_S = 30.0
TALK_MEAN_S = 180.0
#: the share of a day's calls in each local hour: most between 08:00 and 20:00
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 10, 9, 9, 10, 10, 9, 8, 6, 4, 3, 2, 1, 1]


def own_database(url: str | None) -> tuple[str, str | None]:
    """The bench's own database URL (made here) and the server's URL to drop it from."""
    if not url:
        path = Path(tempfile.mkdtemp()) / "bench_reports.sqlite3"
        return f"sqlite:///{path}", None
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("--database-url: PostgreSQL (postgres://...), or none for SQLite")
    name = (parts.path.lstrip("/") or "postgres") + "_bench_reports"
    server = urlunsplit(parts._replace(path="/postgres"))
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), server


def drop(url: str, server: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_500_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--keep", action="store_true", help="keep the bench's database")
    a = parser.parse_args()
    url, server = own_database(a.database_url)
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        print(
            f"{a.records:,} call records, {a.days} days, {a.queues} queues, "
            f"{connection.vendor}, TIME_ZONE {settings.TIME_ZONE}"
        )
        first, last = fill(a.records, a.days, a.queues, a.seed)
        measure(first, last, a.runs)
    finally:
        if server is not None and not a.keep:
            drop(url, server)
        elif url.startswith("sqlite:///") and not a.keep:
            shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)


def fill(records: int, days: int, queues: int, seed: int) -> tuple[date, date]:
    """The records of ``days`` business days ending today; the first and last day."""
    from django.conf import settings
    from django.db import connection

    from realtime.metrics import business_day, day_start
    from wallboard.core.services import account_tz

    tz, start_hour = account_tz(), settings.WALLBOARD_DAY_START_HOUR
    now = time.time()
    last = business_day(now, tz, start_hour)
    first = last - timedelta(days=days - 1)
    rng = random.Random(seed)
    began = time.perf_counter()
    cumulative = list(itertools.accumulate(w for _ in range(days) for w in HOUR_WEIGHTS))
    hours = [
        day_start(first + timedelta(days=n // 24), tz, start_hour) + (n % 24) * 3600
        for n in range(days * 24)
    ]
    columns = (
        "key", "call_id", "type", "status", "queue_id", "queue_name", "caller", "target",
        "caller_extension", "target_extension", "did", "started_at", "talk_s", "ring_s",
        "queue_wait_s", "agent_name", "agent_code", "record_url", "original_call_id", "raw",
        "source", "received_at",
    )  # fmt: skip

    def rows() -> Iterator[tuple[Any, ...]]:
        made = 0
        while made < records:
            hour = rng.choices(hours, cum_weights=cumulative)[0]
            at = hour + rng.random() * 3600
            if at > now:
                continue  # (today's part: up to now)
            made += 1
            queue = 1000 + rng.randrange(queues)
            answered = rng.random() < ANSWERED_P
            wait = int(rng.expovariate(1 / WAIT_MEAN_S))
            talk = int(rng.expovariate(1 / TALK_MEAN_S)) if answered else 0
            call_id = f"{int(at)}{made:09d}bench"
            agent = f"SIP{rng.randrange(1000):04d}" if answered else ""
            status = "ANSWER" if answered else "ABANDONE"
            started = datetime.fromtimestamp(int(at), UTC)
            yield (
                f"{call_id}|Queue|{queue}|{agent}|{int(at)}", call_id, "Queue", status,
                str(queue), f"Queue {queue}", f"05{rng.randrange(10**8):08d}", "0722776772",
                "", agent, "0722776772", started, talk, rng.randint(1, 8), wait,
                f"Agent {agent}" if agent else "", "", "", "", "{}", "push", started,
            )  # fmt: skip

    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor:
            sql = f"COPY reports_callrecord ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in rows():
                    copy.write_row(row)
        raw.commit()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_callrecord")
    else:
        from wallboard.reports.models import CallRecord

        batch: list[CallRecord] = []
        for row in rows():
            values = dict(zip(columns, row, strict=True))
            values["raw"] = {}
            batch.append(CallRecord(**values))
            if len(batch) >= 10_000:
                CallRecord.objects.bulk_create(batch)
                batch = []
        CallRecord.objects.bulk_create(batch)
    print(f"filled in {time.perf_counter() - began:.1f} s: {first} to {last}")
    return first, last


def one_more_record(n: int, days_ago: int = 0) -> None:
    """A record of a call that began a minute ago, or ``days_ago`` days before that: that
    day's roll-ups out of date."""
    import json

    from realtime.voicenter.cdr import parse
    from wallboard.core.services import account_tz
    from wallboard.reports.records import store

    at = time.time() - 60 - days_ago * 86_400
    offset = datetime.fromtimestamp(at, account_tz()).utcoffset() or timedelta()
    body = {
        "ivruniqueid": f"late{n}-{days_ago}", "type": "Queue", "status": "ANSWER", "queueid": 1000,
        "queuename": "Queue 1000", "time": int(at + offset.total_seconds()), "duration": 60,
        "seconds_waiting_in_queue": 12, "targetextension": "SIP0001",
    }  # fmt: skip
    record, _ = parse(json.dumps(body).encode(), account_tz())
    store(record, "push")


def measure(first: date, last: date, runs: int) -> None:
    from django.conf import settings
    from django.db import connection

    from wallboard.reports.history import history

    began = time.perf_counter()
    cold = history(first, last, "hour")
    cold_s = time.perf_counter() - began
    offered = next(r for r in cold["totals"] if r["queue"] == "all")["offered"]
    print(f"cold (every hour folded): {cold_s:.2f} s, {offered:,} calls offered")
    warm: list[float] = []  # today changed (a report during the day)
    late: list[float] = []  # and a late record of yesterday: its hour folded again
    for n in range(runs):
        one_more_record(n)
        began = time.perf_counter()
        history(first, last, "hour")
        warm.append(time.perf_counter() - began)
        one_more_record(n, days_ago=1)
        one_more_record(n + runs)
        began = time.perf_counter()
        history(first, last, "hour")
        late.append(time.perf_counter() - began)
    bare_rollup = timed_sql(  # (what history() asks the database for a report by hour)
        "SELECT queue_id, hour, sum(offered), sum(answered), sum(abandoned), "
        "sum(short_abandoned), sum(answered_within_sl), sum(abandoned_within_sl), "
        "sum(answered_timed), sum(wait_answered_s), sum(talk_s), sum(talk_counted), "
        "max(longest_wait_s) FROM reports_queuehour WHERE day >= %s AND day <= %s "
        "GROUP BY queue_id, hour",
        [first, last],
        runs,
    )
    bare_records: float | None = None
    if connection.vendor == "postgresql":
        bare_records = timed_sql(
            "SELECT queue_id, extract(hour FROM started_at AT TIME ZONE %s) AS h, "
            "count(*), count(*) FILTER (WHERE status = 'ANSWER'), "
            "count(*) FILTER (WHERE queue_wait_s <= 20), sum(queue_wait_s), max(queue_wait_s), "
            "sum(talk_s) FROM reports_callrecord WHERE started_at >= %s "
            "AND status IN ('ANSWER', 'ABANDONE') GROUP BY queue_id, h",
            [settings.TIME_ZONE, datetime.combine(first, datetime.min.time(), UTC)],
            max(1, runs // 2),
        )
    p50, worst = statistics.median(warm), statistics.median(late)
    print(
        f"warm, today's last hour folded again: p50 {p50:.3f} s, max {max(warm):.3f} s "
        f"over {runs} runs"
    )
    print(
        f"warm, with a late record of yesterday too: p50 {worst:.3f} s, "
        f"max {max(late):.3f} s; target {TARGET_S:.0f} s: "
        f"{'met' if worst < TARGET_S else 'MISSED'}"
    )
    print(f"ceiling: the roll-up query's bare SQL p50 {bare_rollup:.3f} s")
    if bare_records is not None:
        print(
            f"for scale: a bare GROUP BY of the raw records by queue and hour {bare_records:.2f} s"
        )
    page: list[float] = []  # the page's numbers: the table by hour, and its by-day chart
    for n in range(runs):
        one_more_record(n + 2 * runs)
        began = time.perf_counter()
        history(first, last, "hour")
        history(first, last, "day", fold=False)
        page.append(time.perf_counter() - began)
    print(
        f"the page (table by hour and its by-day chart): p50 {statistics.median(page):.3f} s, "
        f"max {max(page):.3f} s"
    )
    kept_by_the_worker(first, last, runs)


def kept_by_the_worker(first: date, last: date, runs: int) -> None:
    """A queue's rules change (every hour folded again): the worker's keeper passes fold the
    days back, each within its budget; then a report, as after a change the worker has kept."""
    from wallboard.reports import keeper
    from wallboard.reports.history import history, queue_rules
    from wallboard.reports.models import QueueSettings

    QueueSettings.objects.update_or_create(queue_id="1000", defaults={"sl_threshold_s": 30})
    passes, began = 0, time.perf_counter()
    while keeper.stale_days(first, last, queue_rules()) and passes < 1_000:
        keeper.keep()
        passes += 1
    spent = time.perf_counter() - began
    after: list[float] = []
    for n in range(runs):
        one_more_record(n + 3 * runs)
        began = time.perf_counter()
        history(first, last, "hour")
        after.append(time.perf_counter() - began)
    print(
        f"new rules, kept by the worker: {passes} keeper passes ({keeper.KEEP_BUDGET_S:.0f} s "
        f"budget each, one a minute) folded the month again in {spent:.1f} s; then a report: "
        f"p50 {statistics.median(after):.3f} s, max {max(after):.3f} s; target {TARGET_S:.0f} s: "
        f"{'met' if statistics.median(after) < TARGET_S else 'MISSED'}"
    )


def timed_sql(sql: str, params: list[Any], runs: int) -> float:
    from django.db import connection

    times: list[float] = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            began = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append(time.perf_counter() - began)
    return statistics.median(times)


if __name__ == "__main__":
    main()
