"""The reports' numbers from the stored call records, through roll-ups (``realtime/history.py``
is their spec; this module reads and keeps them).

Roll-ups
========

A month of a large center is about 1.5 million records: folding them all for each report is
too slow, and a per-hour table of numbers alone cannot tell calls within a new threshold. So the
roll-up (:class:`~wallboard.reports.models.QueueHour`) is the fold's own output: per hour the
calls began in (``source_day``, ``source_hour``: a business day and an hour of the wall clock),
per queue and per hour of the wall clock they count in, the :class:`~realtime.metrics.QueueDay`
counters folded from those calls under the queue's rules, with their talk time. A report sums
the rows of its range (a group's counters are the sums of its slots'), which is what folding
the range's calls gives, to the call (each call's records began in one hour).

An hour's rows are folded again, from its records, when they may say otherwise than its records
(:class:`~wallboard.reports.models.ReportHour`):

- a record stored of a call that began in the hour (a late one too, or one replacing the
  Call log's) moves the hour's ``changed`` (:func:`record_stored`, in the transaction that
  stores it); its rows were folded at an older one;
- the time zone, the day start hour or any queue's rules are not those the rows were folded
  under (``basis``): the first report after a change folds its hours again;
- the hour was never folded.

That check is one query per report; the fold runs only for the hours that need it (during the
day, the last hour or two, whose records are still coming; a past hour once, then again only
for a late record or new rules). A report marks its hours before it reads their records, so a
record stored meanwhile leaves its hour to be folded again; two reports folding one day take
turns (its ``ReportHour`` rows locked).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Sum

from realtime.history import Grouping, Slot, Slots, Tally, report, slot, tally
from realtime.metrics import QueueDay, QueueRules, RecordedCall, day_start
from realtime.voicenter.cdr import ABANDONED, ANSWERED
from wallboard.core import services
from wallboard.core.services import account_tz
from wallboard.reports.models import (
    CallRecord,
    QueueHour,
    QueueSettings,
    ReportHour,
    recorded_call,
)

log = logging.getLogger("wallboard.reports.history")

COUNTERS = (
    "offered", "answered", "abandoned", "short_abandoned", "answered_within_sl",
    "abandoned_within_sl", "answered_timed", "wait_answered_s",
)  # fmt: skip


#: The first day a report may begin on (and the last is at most a year from now): days no clock
#: of ours reaches are no report's.
EARLIEST = date(2000, 1, 1)


def within_reach(first: date, last: date) -> bool:
    """Are the days ``first``-``last`` ones a report can cover?"""
    return EARLIEST <= first <= last <= date.today() + timedelta(days=366)


def queue_names() -> dict[str, str]:
    """Each queue's name: its display name, else the board's (Voicenter's) when Redis answers."""
    names: dict[str, str] = {}
    try:
        names = asyncio.run(_board_names())
    except Exception as exc:  # Redis away: the names we keep ourselves, else the ids alone
        log.warning("the board's queue names were not read: %s", type(exc).__name__)
    for q in QueueSettings.objects.exclude(display_name=""):
        names[q.queue_id] = q.display_name
    return names


async def _board_names() -> dict[str, str]:
    store = services.state_store()
    try:
        return await store.queue_names()
    finally:
        await store.redis.aclose()


def queue_rules() -> dict[str, QueueRules]:
    return {q.queue_id: QueueRules.from_mapping(q.rules()) for q in QueueSettings.objects.all()}


def record_stored(started_at: float | None, status: str) -> None:
    """A queue call's record was stored: the roll-ups of the hour it began in are out of date."""
    if started_at is None or status not in (ANSWERED, ABANDONED):
        return
    day, hour = slot(started_at, account_tz(), settings.WALLBOARD_DAY_START_HOUR)
    ReportHour.objects.filter(day=day, hour=hour).update(changed=F("changed") + 1)


def basis_of(rules: dict[str, QueueRules]) -> str:
    told = f"{settings.TIME_ZONE}|{settings.WALLBOARD_DAY_START_HOUR}|" + ";".join(
        f"{q}:{r.sl_threshold_s}:{r.formula}:{r.short_abandon_s}" for q, r in sorted(rules.items())
    )
    return hashlib.sha256(told.encode()).hexdigest()[:32]


def days_of(first: date, last: date) -> list[date]:
    """The days whose calls a report of ``first``-``last`` counts: the day before too (its
    calls answered after midnight)."""
    return [first + timedelta(days=n) for n in range(-1, (last - first).days + 1)]


def out_of_date(days: Sequence[date], rules: dict[str, QueueRules]) -> int:
    """How many hours of ``days`` a report would fold first (never folded counts too)."""
    basis = basis_of(rules)
    rows = ReportHour.objects.filter(day__in=days)
    fresh = rows.filter(rolled=F("changed"), basis=basis).count()
    return 24 * len(days) - fresh


def roll_up(days: Sequence[date], rules: dict[str, QueueRules]) -> list[Slot]:
    """Fold again the hours of ``days`` whose roll-ups are out of date; the hours folded."""
    basis = basis_of(rules)
    seen = {(r.day, r.hour): r for r in ReportHour.objects.filter(day__in=days)}
    missing = [ReportHour(day=d, hour=h) for d in days for h in range(24) if (d, h) not in seen]
    if missing:
        ReportHour.objects.bulk_create(missing, ignore_conflicts=True)
        seen = {(r.day, r.hour): r for r in ReportHour.objects.filter(day__in=days)}
    stale = sorted(at for at, r in seen.items() if r.rolled != r.changed or r.basis != basis)
    tz, start = account_tz(), settings.WALLBOARD_DAY_START_HOUR
    by_day: dict[date, list[int]] = {}
    for day, hour in stale:
        by_day.setdefault(day, []).append(hour)
    for day, hours in by_day.items():  # (a day at a time: a cold month is a million records)
        slot_of = Slots(tz, start)
        began_in: dict[int, list[RecordedCall]] = {hour: [] for hour in hours}
        for record in _records(day, hours):
            at = slot_of(record.started_at)
            if at[0] == day and at[1] in began_in:
                began_in[at[1]].append(record)
        named = _names(r for began in began_in.values() for r in began)
        rows: list[QueueHour] = []
        for hour, began in began_in.items():
            slots, unmatched = tally(began, rules, tz, start, named)
            if unmatched:
                log.warning("%d call records of %s %02d:00 name a queue no one queue has",
                            unmatched, day, hour)  # fmt: skip
            rows += [
                _row((day, hour), queue, at, counted)
                for at, queues in slots.items()
                for queue, counted in queues.items()
            ]
        with transaction.atomic():
            locked = ReportHour.objects.select_for_update().filter(day=day, hour__in=hours)
            list(locked.order_by("hour"))
            QueueHour.objects.filter(source_day=day, source_hour__in=hours).delete()
            QueueHour.objects.bulk_create(rows, batch_size=5_000)
            for hour in hours:
                ReportHour.objects.filter(day=day, hour=hour).update(
                    rolled=seen[(day, hour)].changed, basis=basis
                )
    return stale


def _records(day: date, hours: list[int]) -> list[RecordedCall]:
    """The queue calls recorded that began on business day ``day``, in (at least) the span of
    ``hours``, oldest stored first."""
    tz, start = account_tz(), settings.WALLBOARD_DAY_START_HOUR
    begins, ends = day_start(day, tz, start), day_start(day + timedelta(days=1), tz, start)
    # the hours' span on the wall clock, an hour wider each side (a DST change moves it)
    positions = [(h - start) % 24 for h in hours]
    since = max(begins, begins + (min(positions) - 1) * 3600)
    until = min(ends, begins + (max(positions) + 2) * 3600)
    rows = (
        CallRecord.objects.filter(
            started_at__gte=datetime.fromtimestamp(since, UTC),
            started_at__lt=datetime.fromtimestamp(until, UTC),
            status__in=(ANSWERED, ABANDONED),
        )
        .exclude(queue_id="", queue_name="")
        .order_by("id")
        .values_list(
            "call_id", "queue_id", "queue_name", "status", "started_at", "queue_wait_s", "talk_s"
        )
    )
    return [
        recorded_call(call_id, queue_id, name, status, started, wait, talk=talk)
        for call_id, queue_id, name, status, started, wait, talk in rows.iterator(10_000)
        if started is not None  # (the filter leaves none)
    ]


def _names(records: Iterable[RecordedCall]) -> Any:
    """The queue of a name-only record: the one queue the records or the settings call so."""
    ids: dict[str, set[str]] = {}
    for record in records:
        if record.queue_id and record.queue_name.strip():
            ids.setdefault(record.queue_name.strip().casefold(), set()).add(record.queue_id)
    for q in QueueSettings.objects.exclude(display_name=""):
        ids.setdefault(q.display_name.strip().casefold(), set()).add(q.queue_id)

    def named(name: str) -> str | None:
        found = ids.get(name.strip().casefold(), set())
        return next(iter(found)) if len(found) == 1 else None

    return named


def _row(source: Slot, queue: str, at: Slot, counted: Tally) -> QueueHour:
    return QueueHour(
        source_day=source[0],
        source_hour=source[1],
        queue_id=queue,
        day=at[0],
        hour=at[1],
        talk_s=counted.talk_s,
        talk_counted=counted.talk_counted,
        **counted.day.as_mapping(),
    )


def slots(
    first: date, last: date, queues: Iterable[str] | None, grouping: Grouping = "day"
) -> list[tuple[Slot, str, Tally]]:
    """The roll-ups of the business days ``first``-``last``, summed by the database per queue
    and hour of day (``grouping`` ``hour``: each in the slot of ``first`` at that hour) or per
    queue and day (each in its day's first slot); ``realtime.history.report`` groups them."""
    rows = QueueHour.objects.filter(day__gte=first, day__lte=last)
    if queues is not None:
        rows = rows.filter(queue_id__in=list(queues))
    by = ("queue_id", "hour") if grouping == "hour" else ("queue_id", "day")
    summed = (
        rows.values(*by)
        .order_by()
        .annotate(
            **{f"sum_{name}": Sum(name) for name in (*COUNTERS, "talk_s", "talk_counted")},
            max_longest=Max("longest_wait_s"),
        )
    )
    out: list[tuple[Slot, str, Tally]] = []
    for r in summed:
        day = QueueDay(
            **{name: r[f"sum_{name}"] for name in COUNTERS}, longest_wait_s=r["max_longest"]
        )
        counted = Tally(day, float(r["sum_talk_s"]), int(r["sum_talk_counted"]))
        at = (first, r["hour"]) if grouping == "hour" else (r["day"], 0)
        out.append((at, r["queue_id"], counted))
    return out


def history(
    first: date,
    last: date,
    grouping: Grouping,
    queues: Iterable[str] | None = None,
    *,
    fold: bool = True,
) -> dict[str, Any]:
    """The report of the business days ``first``-``last`` (``realtime.history.report``), its
    days rolled up first where they need it (``fold`` False: just rolled up, by another report
    of the same days). ``queues``: only these (None: all)."""
    rules = queue_rules()
    wanted = None if queues is None else list(queues)
    if fold:
        roll_up(days_of(first, last), rules)
    found = report(
        slots(first, last, wanted, grouping), rules, first, last, grouping,
        settings.WALLBOARD_DAY_START_HOUR, wanted,
    )  # fmt: skip
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "group": grouping,
        "time_zone": settings.TIME_ZONE,
        "day_start_hour": settings.WALLBOARD_DAY_START_HOUR,
        **found,
    }
