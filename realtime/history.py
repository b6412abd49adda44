"""History: each queue's numbers by hour of the day, by day and by week, from the call records.

Pure: no I/O, no framework imports. This docstring is the spec of the reports (``manage.py
report``, ``wallboard/reports/history.py`` reads the records and keeps the roll-ups); every
number is defined in :mod:`realtime.metrics`, and counted by its fold (:func:`fold_by`), the
one the worker counts today with: today's report, the board and ``queue_stats`` agree to the
call once today's calls have their records.

Calls from their records
========================

The records are Voicenter's call records of queue calls (:class:`RecordedCall`: status
``ANSWER`` or ``ABANDONE``, a queue), oldest stored first. As when they settle the day
(:mod:`realtime.metrics`, "Call records win"), one call is one caller in one queue: the newest
record of a queue's call id wins, and it makes the call a record the events never showed would
make (:class:`CountedCall`): **offered** when it began (``started_at``), **answered** or
**abandoned** with the record's wait at ``started_at + wait`` (an unknown wait: when it began,
and the call counts in no threshold and not in ASA). A record that names its queue by name only
(the Call log API's) is matched by a ``named`` function (None: left out, and counted as
unmatched).

Hours, days and weeks
=====================

Every moment goes in a **slot**: its business day (:func:`realtime.metrics.business_day`: the
account's ``TIME_ZONE`` and day start hour) and the hour of the account's wall clock (0-23). A
call is offered in the slot it began in and closed in the slot it left the queue in, which may
be the next day's; the fold counts each slot's calls under the queue's rules
(:class:`QueueRules`). A DST day has 23 or 25 hours: the hour the clock skips is an empty slot,
the hour it repeats is one slot holding both.

Answered calls whose record tells their talk time (``duration``) add it to their closed slot:
``avg_talk_s`` is the total over their number.

A group is a set of slots, its counters their sums (the longest wait: the longest), which is
what the fold gives over the group's calls, since each call is offered in one slot and closed in
one:

- ``hour``: the hour of day, over every day of the range ("08:00": every day's 08:00-09:00),
  in the business day's order (from its start hour);
- ``day``: the business day ("2026-11-30");
- ``week``: the week of the business day, named by its first day, a Sunday as in Israel.

The report has a row per group and queue with :func:`realtime.metrics.figures`' numbers (the
fields ``queue_stats --json`` prints) and ``avg_talk_s``; per group a row of all the queues
(``queue`` ``all``); and the totals of the range, per queue and of all the queues (``group``
``total``). All the queues' rows sum the counters; their service level is the queues' rules when
they share them, else the strict formula over the sums, as the board's header says today's
(``sl_threshold_s`` then null: each queue's own).

Agents
======

The agents report sums, per agent (extension), the days the worker counted
(:mod:`realtime.projections.day.agents`: each business day's ``AgentDay``) over the range
(:func:`agent_rows`):

- ``answered``: calls the agent answered (queue calls and direct ones, as the board counts);
- ``missed``: incoming calls that rang at the agent and left unanswered there;
- ``talk_s``: seconds talking (counted on the day a call ended);
- ``aht_s``: average handle time, ``talk_s`` over ``answered`` (Voicenter tells no wrap-up
  time, and a held call is still the agent's), null when none was answered;
- ``status_s``: seconds in each status (its code as text), from the status changes the worker
  saw; ``login_s``: in every status but Logout (:data:`LOGGED_OUT`);
- ``name``: the name of the agent's newest day.

And a row of all the agents together (``extension`` ``all``), the same sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Literal

from realtime.metrics import (
    CountedCall,
    QueueDay,
    QueueRules,
    RecordedCall,
    business_day,
    figures,
    fold_by,
)

Grouping = Literal["hour", "day", "week"]
GROUPINGS: tuple[Grouping, ...] = ("hour", "day", "week")
#: (business day, wall-clock hour 0-23)
Slot = tuple[date, int]
#: The queue of a name-only record (None: no one queue has that name).
Named = Callable[[str], str | None]

#: What each row tells, in this order (``queue_stats --json``'s fields, then the history's).
FIELDS = (
    "offered", "answered", "abandoned", "short_abandoned", "answered_within_sl",
    "sl_threshold_s", "service_level_pct", "asa_s", "avg_talk_s", "longest_wait_s",
    "abandon_rate_pct", "formula",
)  # fmt: skip
ALL = "all"
TOTAL = "total"


@dataclass(slots=True)
class Tally:
    """One slot's (or group's) counters of one queue, and the talk time of its answered calls."""

    day: QueueDay = field(default_factory=QueueDay)
    talk_s: float = 0.0
    talk_counted: int = 0  # answered calls whose talk time is known

    def add(self, other: Tally) -> None:
        self.day = add_days(self.day, other.day)
        self.talk_s += other.talk_s
        self.talk_counted += other.talk_counted


def add_days(a: QueueDay, b: QueueDay) -> QueueDay:
    """The counters of two sets of calls together."""
    return QueueDay(
        a.offered + b.offered, a.answered + b.answered, a.abandoned + b.abandoned,
        a.short_abandoned + b.short_abandoned, a.answered_within_sl + b.answered_within_sl,
        a.abandoned_within_sl + b.abandoned_within_sl, a.answered_timed + b.answered_timed,
        a.wait_answered_s + b.wait_answered_s, max(a.longest_wait_s, b.longest_wait_s),
    )  # fmt: skip


def slot(ts: float, tz: tzinfo, start_hour: int = 0) -> Slot:
    """The business day and wall-clock hour of the UTC epoch ``ts``."""
    return business_day(ts, tz, start_hour), datetime.fromtimestamp(ts, tz).hour


class Slots:
    """:func:`slot`, remembered per minute (every zone's offset is whole minutes, so a minute
    is in one slot): a month's records fall in a few tens of thousands of minutes."""

    def __init__(self, tz: tzinfo, start_hour: int) -> None:
        self.tz, self.start_hour = tz, start_hour
        self.known: dict[int, Slot] = {}

    def __call__(self, ts: float) -> Slot:
        minute = int(ts // 60)
        found = self.known.get(minute)
        if found is None:
            found = self.known[minute] = slot(minute * 60.0, self.tz, self.start_hour)
        return found


def calls_of(
    records: Iterable[RecordedCall], slot_of: Slots, named: Named
) -> tuple[list[tuple[CountedCall, float | None]], int]:
    """Each call once, as its newest record tells it, with its talk time; and how many records
    name a queue no one queue has."""
    latest: dict[tuple[str, str], RecordedCall] = {}
    unmatched = 0
    for record in records:
        queue = record.queue_id or named(record.queue_name)
        if queue is None:
            unmatched += 1
            continue
        latest[(queue, record.call_id)] = record
    calls: list[tuple[CountedCall, float | None]] = []
    for (queue, _), record in latest.items():
        left = record.started_at + (record.wait_s or 0.0)
        call: CountedCall = {
            "q": queue,
            "d": slot_of(record.started_at)[0].isoformat(),
            "j": record.started_at,
            "o": record.outcome,
            "w": record.wait_s,
            "c": slot_of(left)[0].isoformat(),
            "e": left,
        }
        calls.append((call, record.talk_s))
    return calls, unmatched


def tally(
    records: Iterable[RecordedCall],
    rules: Mapping[str, QueueRules],
    tz: tzinfo,
    start_hour: int = 0,
    named: Named = lambda name: None,
) -> tuple[dict[Slot, dict[str, Tally]], int]:
    """The counters of each slot and queue the calls of ``records`` count in, by the fold; and
    how many records were left out (their queue unknown)."""
    slot_of = Slots(tz, start_hour)
    calls, unmatched = calls_of(records, slot_of, named)

    def offered_in(call: CountedCall) -> Slot | None:
        joined = call["j"]
        return None if joined is None else slot_of(joined)

    def closed_in(call: CountedCall) -> Slot | None:
        left = call.get("e")
        return None if left is None else slot_of(left)

    folded = fold_by((call for call, _ in calls), rules, offered_in, closed_in)
    slots: dict[Slot, dict[str, Tally]] = {
        at: {queue: Tally(day) for queue, day in queues.items()} for at, queues in folded.items()
    }
    for call, talk in calls:
        if call["o"] == "answered" and talk is not None and talk >= 0:
            at = closed_in(call)
            if at is not None:
                counted = slots[at][call["q"]]
                counted.talk_s += talk
                counted.talk_counted += 1
    return slots, unmatched


def group_of(at: Slot, grouping: Grouping) -> str:
    """The name of the group of ``grouping`` a slot is in."""
    day, hour = at
    if grouping == "hour":
        return f"{hour:02d}:00"
    if grouping == "day":
        return day.isoformat()
    return (day - timedelta(days=(day.weekday() + 1) % 7)).isoformat()


def groups(first: date, last: date, grouping: Grouping, start_hour: int = 0) -> list[str]:
    """Every group of the range ``first``-``last`` (business days), in order."""
    if grouping == "hour":
        return [f"{(start_hour + h) % 24:02d}:00" for h in range(24)]
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return list(dict.fromkeys(group_of((day, 0), grouping) for day in days))


def row(tallied: Tally, rules: QueueRules | None) -> dict[str, Any]:
    """A row's numbers (:data:`FIELDS`); ``rules`` None: queues under several rules."""
    shown: Mapping[str, Any] = figures(tallied.day, rules or QueueRules())
    out = {name: shown[name] for name in FIELDS if name in shown}
    out["avg_talk_s"] = (
        round(tallied.talk_s / tallied.talk_counted, 1) if tallied.talk_counted else None
    )
    if rules is None:
        out["sl_threshold_s"] = None
    return {name: out[name] for name in FIELDS}


def report(
    slots: Iterable[tuple[Slot, str, Tally]],
    rules: Mapping[str, QueueRules],
    first: date,
    last: date,
    grouping: Grouping,
    start_hour: int = 0,
    queues: Iterable[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The report of the business days ``first``-``last``: ``rows`` (per group and queue, then
    all the queues of each group) and ``totals`` (per queue, then all), from the slots' tallies
    (slots of other days are left out). ``queues``: only these, each shown even without calls
    (None: every queue with calls)."""
    wanted = None if queues is None else set(queues)
    grouped: dict[tuple[str, str], Tally] = {}
    seen: set[str] = set(wanted or ())
    for at, queue, tallied in slots:
        if not first <= at[0] <= last or (wanted is not None and queue not in wanted):
            continue
        seen.add(queue)
        grouped.setdefault((group_of(at, grouping), queue), Tally()).add(tallied)
    ordered = sorted(seen, key=queue_order)
    default = QueueRules()
    shared = {rules.get(q, default) for q in ordered}
    all_rules = next(iter(shared)) if len(shared) == 1 else None
    rows: list[dict[str, Any]] = []
    totals: dict[str, Tally] = {queue: Tally() for queue in [*ordered, ALL]}
    for name in groups(first, last, grouping, start_hour):
        everyone = Tally()
        for queue in ordered:
            tallied = grouped.get((name, queue), Tally())
            everyone.add(tallied)
            totals[queue].add(tallied)
            rows.append({"group": name, "queue": queue, **row(tallied, rules.get(queue, default))})
        totals[ALL].add(everyone)
        if len(ordered) > 1:
            rows.append({"group": name, "queue": ALL, **row(everyone, all_rules)})
    summed = [
        {"group": TOTAL, "queue": queue, **row(totals[queue], rules.get(queue, default))}
        for queue in ordered
    ]
    summed.append({"group": TOTAL, "queue": ALL, **row(totals[ALL], all_rules)})
    return {"rows": rows, "totals": summed}


def queue_order(queue_id: str) -> tuple[int, str]:
    """Queues in the order ``queue_stats`` prints them: numeric ids by number, then the rest."""
    return (0, queue_id.zfill(20)) if queue_id.isdigit() else (1, queue_id)


#: Voicenter's status code for logged out (the Login/Logout API's ``Status`` 2).
LOGGED_OUT = "2"


def agent_rows(days: Iterable[tuple[date, str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The agents report: ``days`` are (business day, extension, that day's ``AgentDay``);
    a row per extension (in :func:`queue_order`), then all of them (``extension`` ``all``)."""
    summed: dict[str, dict[str, Any]] = {}
    everyone = _agent_row(ALL)
    newest: dict[str, date] = {}
    for day, extension, numbers in days:
        row = summed.get(extension) or summed.setdefault(extension, _agent_row(extension))
        for adding in (row, everyone):
            adding["answered"] += int(numbers.get("answered", 0))
            adding["missed"] += int(numbers.get("missed", 0))
            adding["talk_s"] += float(numbers.get("talk_s", 0.0))
            spent = adding["status_s"]
            for status, seconds in dict(numbers.get("status_s") or {}).items():
                spent[str(status)] = spent.get(str(status), 0.0) + float(seconds)
        if numbers.get("name") and day >= newest.get(extension, day):
            row["name"], newest[extension] = str(numbers["name"]), day
    rows = [*(summed[e] for e in sorted(summed, key=queue_order)), everyone]
    for row in rows:
        row["talk_s"] = round(row["talk_s"], 1)
        row["aht_s"] = round(row["talk_s"] / row["answered"], 1) if row["answered"] else None
        row["status_s"] = {k: round(v, 1) for k, v in sorted(row["status_s"].items())}
        row["login_s"] = round(sum(v for k, v in row["status_s"].items() if k != LOGGED_OUT), 1)
    return rows


def _agent_row(extension: str) -> dict[str, Any]:
    return {"extension": extension, "name": "", "answered": 0, "missed": 0, "talk_s": 0.0,
            "status_s": {}}  # fmt: skip
