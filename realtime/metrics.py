"""Today's numbers: the business day, the per-queue counters, and every metric's definition.

Pure: no I/O, no framework imports. This docstring is the spec of the metrics; the board and the
``queue_stats`` command show what it computes; nothing else computes them.

The business day
================

A day runs from ``start_hour`` (0-23, ``WALLBOARD_DAY_START_HOUR``) in the account's time zone
(``TIME_ZONE``) to the same hour the next calendar day: a 24/7 center may start its day at 06:00.
:func:`business_day` names the day a moment belongs to, by the wall clock of that moment in that
zone (so a day is 23 or 25 hours long across a DST change). Every count goes on the business day
of the Voicenter time of the event that causes it, not of the wall clock when it is processed: a
recording of yesterday replayed today fills yesterday.

Counting (per queue, per business day)
======================================

A call is one caller in one queue, known by its call id (``ivruniqueid``). Each is counted once,
whatever repeats it: a duplicate event, a fresh snapshot after a reconnect, a recording replayed.

- **offered**: the caller is first seen waiting in the queue (a ``QueueEvent`` JOIN, or any
  waiting list: a snapshot's, or another event's); counted on the day it joined.
- **answered**: the caller left the queue to an agent (``QueueEvent`` EXIT or ANSWER), with its
  wait (the event's time minus the time it joined); **abandoned**: ``ABANDONED``, with its wait.
  Counted on the day of that event. A caller seen leaving whose join we never saw is counted as
  offered too, with an unknown wait (then it counts in no threshold and not in ASA).
- **short abandoned**: abandoned after at most ``short_abandon_s`` seconds (0: none are short).
- **answered within SL**, **abandoned within SL**: with a wait of at most ``sl_threshold_s``.
- **longest wait**: the longest wait of the day's answered or abandoned calls.

Call records win
================

Voicenter's call records (CDRs, :mod:`realtime.voicenter.cdr`: pushed a few minutes after each
call, or fetched from the Call log API) are checked against what the events counted. A queue
call's record (:class:`RecordedCall`: status ``ANSWER`` or ``ABANDONE``, a queue) settles that
call:

- a call the events never showed (the worker was away) is counted from its record: offered on
  the day it began, answered or abandoned with the record's wait (the day it began plus that
  wait; unknown without one, as a Call log record has none);
- a call the events counted otherwise (another outcome; a wait more than ``WAIT_TOLERANCE_S``
  apart, or unknown where the record knows it) takes the record's outcome and wait;
- a call the events counted as the record says, or one with no record, stays as counted.

The day is then recounted from its calls (:func:`fold`, below), and each queue whose counters
moved is logged with the difference. A record without a queue id (the Call log lists the
queue's name only) is matched to the queue of that name; other statuses (``NOANSWER``,
``VOEND``...) settle nothing.

A day from its calls
====================

Each call counted is kept as a :class:`CountedCall` record (what makes it count once; the worker
keeps them in Redis, :mod:`realtime.daystore`, one-letter keys to keep a busy day's records
small)::

    {"q": "12345678", "d": "2026-11-30", "j": 1764496800.0, "o": "answered", "w": 12.0,
     "c": "2026-11-30"}

``q`` the queue's id; ``d`` the business day it was offered; ``j`` when it joined (UTC epoch,
null: unknown); ``o`` its outcome, ``answered`` or ``abandoned`` (``""`` while it waits); ``w``
its wait in seconds (null: unknown); ``c`` the business day it closed (null while it waits);
and, when known, ``n`` the caller's number and ``e`` when the call left the queue (UTC epoch):
what the list of callers who gave up is made from (:mod:`realtime.callbacks`; the counters do
not read them).

:func:`fold` gives a day's counters per queue from its calls' records, under the queues' rules:
each call offered on the day it was offered, answered or abandoned with its wait on the day it
closed. Counting event by event (:func:`offered`, :func:`closed`) and folding the records give
the same counters; a recount (new rules, call records that said otherwise, a day Redis lost)
folds them. A day's answers include calls offered the day before: their records are folded in
too. :func:`fold` is :func:`fold_by` with business days for periods; the history of past days
(:mod:`realtime.history`) folds the call records with it into the hours of the wall clock.

Metrics (``QueueRules`` per queue; percentages 0-100, rounded to one decimal; None when the
denominator is 0)
================================================================================================

- **Service level** (``formula``):

  ============  ====================================================  ========================
  formula       service level                                         read as
  ============  ====================================================  ========================
  ``strict``    answered within T / (answered + abandoned)            the default
  ``answered``  answered within T / answered                          abandons ignored
  ``both``      (answered within T + abandoned within T)              quick abandons count
                / (answered + abandoned)                              as served
  ``no_short``  answered within T / (answered + abandoned - short)    short abandons ignored
  ============  ====================================================  ========================

- **ASA** (average speed of answer): total wait of the answered calls whose wait is known /
  their number, in seconds.
- **Abandon rate**: abandoned / offered; with the ``no_short`` formula, short abandons are
  left out of both. At most 100: just after the day begins, callers who joined the day before
  may leave before as many have joined.

Example::

    >>> day = QueueDay(offered=10, answered=8, abandoned=2, short_abandoned=1,
    ...                answered_within_sl=6, abandoned_within_sl=1,
    ...                answered_timed=8, wait_answered_s=96)
    >>> figures(day, QueueRules(sl_threshold_s=20))["service_level_pct"]
    60.0
    >>> figures(day, QueueRules(formula="no_short"))["service_level_pct"]
    66.7
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Literal, NotRequired, TypedDict, TypeGuard, TypeVar

Formula = Literal["strict", "answered", "both", "no_short"]
K = TypeVar("K")  # a period the fold counts in (a day; an hour)

#: The service-level formulas' names (as a person reads them, in words:
#: ``wallboard/reports/models.py`` FORMULA_WORDS, and the board's catalog, ``formula.<name>``).
FORMULAS: tuple[Formula, ...] = ("strict", "answered", "both", "no_short")
#: The industry's common default threshold (80/20: 80% answered within 20 s).
DEFAULT_SL_THRESHOLD_S = 20
#: ... and its target: a queue's service level today below this is shown as below target
#: (every queue's, out of the box; each queue's own in its settings, or none).
DEFAULT_SL_TARGET_PCT = 80


@dataclass(frozen=True, slots=True)
class QueueRules:
    """A queue's settings for its numbers (the admin's queue settings)."""

    sl_threshold_s: int = DEFAULT_SL_THRESHOLD_S
    formula: Formula = "strict"
    short_abandon_s: int = 0

    @classmethod
    def from_mapping(cls, raw: object) -> QueueRules:
        """Rules from their stored JSON form; anything unreadable keeps its default."""
        if not isinstance(raw, dict):
            return cls()
        threshold = raw.get("sl_threshold_s")
        short = raw.get("short_abandon_s")
        formula = raw.get("formula")
        return cls(
            sl_threshold_s=threshold if _count(threshold) else DEFAULT_SL_THRESHOLD_S,
            formula=formula if _formula(formula) else "strict",
            short_abandon_s=short if _count(short) else 0,
        )


def _formula(value: object) -> TypeGuard[Formula]:
    return isinstance(value, str) and value in FORMULAS


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 86_400


@dataclass(frozen=True, slots=True)
class QueueDay:
    """One queue's counters for one business day."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answered_within_sl: int = 0
    abandoned_within_sl: int = 0
    answered_timed: int = 0  # answered calls whose wait is known (ASA's denominator)
    wait_answered_s: float = 0.0  # their total wait
    longest_wait_s: float = 0.0

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> QueueDay:
        names = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: v for k, v in raw.items() if k in names and isinstance(v, int | float)
        }
        return cls(**values)

    def as_mapping(self) -> dict[str, Any]:
        # (what dataclasses.asdict gives, without its deep copy: every field is a number;
        # asdict was a tenth of the worker's time at full speed, bench/bench_ingest.py)
        return {name: getattr(self, name) for name in _QUEUE_DAY_FIELDS}


_QUEUE_DAY_FIELDS = tuple(f.name for f in fields(QueueDay))

Outcome = Literal["answered", "abandoned"]

#: A recorded wait this close to the counted one agrees with it (a record's wait is whole
#: seconds, and its clock is not the socket's).
WAIT_TOLERANCE_S = 2.0


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """A queue call as its call record tells it (see "Call records win")."""

    call_id: str
    queue_id: str | None  # None: known by ``queue_name`` only (the Call log API)
    queue_name: str
    outcome: Outcome
    started_at: float  # UTC epoch
    wait_s: float | None
    caller_number: str = ""  # the caller's number ("": unknown)
    talk_s: float | None = None  # seconds of conversation (the record's ``duration``; None:
    # unknown): the history's talk time (:mod:`realtime.history`); the day's counters ignore it

    def differs(self, outcome: str, wait: float | None) -> bool:
        """Does this record say otherwise than a call counted with ``outcome`` and ``wait``?"""
        if outcome != self.outcome:
            return True
        if self.wait_s is None:
            return False
        return wait is None or abs(wait - self.wait_s) > WAIT_TOLERANCE_S


def offered(day: QueueDay) -> QueueDay:
    """``day`` with one more call offered."""
    # (each field by hand: a fold of a month's records makes millions of these)
    return QueueDay(
        day.offered + 1, day.answered, day.abandoned, day.short_abandoned,
        day.answered_within_sl, day.abandoned_within_sl, day.answered_timed,
        day.wait_answered_s, day.longest_wait_s,
    )  # fmt: skip


def closed(day: QueueDay, outcome: Outcome, wait: float | None, rules: QueueRules) -> QueueDay:
    """``day`` with one more call answered or abandoned after ``wait`` seconds (None: unknown)."""
    known = wait is not None and wait >= 0
    w = float(wait) if known and wait is not None else 0.0
    within = int(known and w <= rules.sl_threshold_s)
    longest = max(day.longest_wait_s, w) if known else day.longest_wait_s
    if outcome == "answered":
        return QueueDay(
            day.offered, day.answered + 1, day.abandoned, day.short_abandoned,
            day.answered_within_sl + within, day.abandoned_within_sl,
            day.answered_timed + known, day.wait_answered_s + w if known else day.wait_answered_s,
            longest,
        )  # fmt: skip
    short = int(known and rules.short_abandon_s > 0 and w <= rules.short_abandon_s)
    return QueueDay(
        day.offered, day.answered, day.abandoned + 1, day.short_abandoned + short,
        day.answered_within_sl, day.abandoned_within_sl + within, day.answered_timed,
        day.wait_answered_s, longest,
    )  # fmt: skip


class CountedCall(TypedDict):
    """One call as the day's numbers counted it (see "A day from its calls")."""

    q: str  # the queue's id
    d: str  # the business day it was offered, YYYY-MM-DD
    j: float | None  # when it joined (UTC epoch); None: unknown
    o: Outcome | Literal[""]  # "": still waiting
    w: float | None  # its wait in seconds; None: unknown
    c: str | None  # the business day it closed, YYYY-MM-DD; None: still waiting
    n: NotRequired[str]  # the caller's number as Voicenter sent it (absent: unknown)
    e: NotRequired[float | None]  # when it closed (UTC epoch); None or absent: unknown


def fold(
    calls: Iterable[CountedCall], rules: Mapping[str, QueueRules], days: Collection[date]
) -> dict[date, dict[str, QueueDay]]:
    """The counters of each of ``days``, per queue, from the records of its calls (a queue
    without rules: the defaults); records of other days count on none of them. Hand in the
    calls offered the day before each day too: some were answered on it."""
    wanted = set(days)

    def offered_on(call: CountedCall) -> date | None:
        day = date.fromisoformat(call["d"])
        return day if day in wanted else None

    def closed_on(call: CountedCall) -> date | None:
        day = date.fromisoformat(call["c"]) if call["c"] else None
        return day if day in wanted else None

    counted: dict[date, dict[str, QueueDay]] = {day: {} for day in days}
    counted.update(fold_by(calls, rules, offered_on, closed_on))
    return counted


def fold_by(
    calls: Iterable[CountedCall],
    rules: Mapping[str, QueueRules],
    offered_in: Callable[[CountedCall], K | None],
    closed_in: Callable[[CountedCall], K | None],
) -> dict[K, dict[str, QueueDay]]:
    """The one fold: the counters per period and queue from the calls' records, each call
    offered in the period ``offered_in`` names and answered or abandoned, with its wait, in the
    one ``closed_in`` names (None: in no period). :func:`fold` folds into business days; the
    history (:mod:`realtime.history`) into the hours of the account's wall clock."""
    counted: dict[K, dict[str, QueueDay]] = {}
    default = QueueRules()
    for call in calls:
        queue = call["q"]
        offered_key = offered_in(call)
        if offered_key is not None:
            on = counted.setdefault(offered_key, {})
            on[queue] = offered(on.get(queue, QueueDay()))
        outcome = call["o"]
        closed_key = closed_in(call) if outcome and call["c"] else None
        if outcome and closed_key is not None:
            on = counted.setdefault(closed_key, {})
            queue_rules = rules.get(queue, default)
            on[queue] = closed(on.get(queue, QueueDay()), outcome, call["w"], queue_rules)
    return counted


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole > 0 else None


def service_level_pct(day: QueueDay, rules: QueueRules) -> float | None:
    served = day.answered + day.abandoned
    if rules.formula == "answered":
        return _pct(day.answered_within_sl, day.answered)
    if rules.formula == "both":
        return _pct(day.answered_within_sl + day.abandoned_within_sl, served)
    if rules.formula == "no_short":
        return _pct(day.answered_within_sl, served - day.short_abandoned)
    return _pct(day.answered_within_sl, served)


def asa_s(day: QueueDay) -> float | None:
    if day.answered_timed <= 0:
        return None
    return round(day.wait_answered_s / day.answered_timed, 1)


def abandon_rate_pct(day: QueueDay, rules: QueueRules) -> float | None:
    if rules.formula == "no_short":
        rate = _pct(day.abandoned - day.short_abandoned, day.offered - day.short_abandoned)
    else:
        rate = _pct(day.abandoned, day.offered)
    return None if rate is None else min(rate, 100.0)  # (callers offered the day before)


class Figures(TypedDict):
    """A queue's counters (:class:`QueueDay`), the metrics derived from them and the rules
    they were derived under: :func:`figures`."""

    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_within_sl: int
    abandoned_within_sl: int
    answered_timed: int
    wait_answered_s: float
    longest_wait_s: float
    service_level_pct: float | None
    asa_s: float | None
    abandon_rate_pct: float | None
    sl_threshold_s: int
    short_abandon_s: int
    formula: Formula


def figures(day: QueueDay, rules: QueueRules) -> Figures:
    """The counters and the metrics derived from them, as the board and ``queue_stats`` show
    them."""
    return {
        "offered": day.offered,
        "answered": day.answered,
        "abandoned": day.abandoned,
        "short_abandoned": day.short_abandoned,
        "answered_within_sl": day.answered_within_sl,
        "abandoned_within_sl": day.abandoned_within_sl,
        "answered_timed": day.answered_timed,
        "wait_answered_s": day.wait_answered_s,
        "longest_wait_s": day.longest_wait_s,
        "service_level_pct": service_level_pct(day, rules),
        "asa_s": asa_s(day),
        "abandon_rate_pct": abandon_rate_pct(day, rules),
        "sl_threshold_s": rules.sl_threshold_s,
        "short_abandon_s": rules.short_abandon_s,
        "formula": rules.formula,
    }


# --- the business day ----------------------------------------------------------------------


def business_day(ts: float, tz: tzinfo, start_hour: int = 0) -> date:
    """The business day the UTC epoch ``ts`` belongs to."""
    local = datetime.fromtimestamp(ts, tz)
    day = local.date()
    return day - timedelta(days=1) if local.hour < start_hour else day


def day_start(day: date, tz: tzinfo, start_hour: int = 0) -> float:
    """The UTC epoch at which business day ``day`` begins (its start hour's first instant on
    the wall clock; an hour DST skips begins at the first instant after the gap)."""
    # an hour a DST change skips reads as the same wall time before the change: the first
    # instant after the gap (zoneinfo, fold=0)
    return datetime.combine(day, time(start_hour), tzinfo=tz).timestamp()


def day_bounds(day: date, tz: tzinfo, start_hour: int = 0) -> tuple[float, float]:
    """Business day ``day`` as the UTC interval [start, end)."""
    return day_start(day, tz, start_hour), day_start(day + timedelta(days=1), tz, start_hour)
