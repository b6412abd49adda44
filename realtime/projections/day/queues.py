"""The day's numbers per queue: each call counted once, per queue and business day.

What is counted, and every metric, is specified in :mod:`realtime.metrics`; this part applies it
to the events, in memory (the projection, :mod:`realtime.projections.day.projection`, reads and
writes Redis). It keeps one record per call (:class:`realtime.metrics.CountedCall`, keyed
``<queue id>:<call id>``: what makes each call count once, across duplicates, snapshots after a
reconnect, replays and restarts) and each day's counters per queue
(:class:`realtime.metrics.QueueDay`):

- a caller seen waiting (a snapshot's, any ``QueueEvent``'s list, a JOIN) is offered on the day
  it joined, once (:meth:`QueueCounts.offer`);
- one leaving (EXIT or ANSWER: answered; ABANDONED) closes its call with its wait, on the day of
  the event (:meth:`QueueCounts.close`); a caller never seen waiting is offered as it leaves,
  its wait unknown;
- a recount (:meth:`QueueCounts.recount`: new rules, call records that said otherwise) folds the
  days' calls again (:func:`realtime.metrics.fold`); each queue whose counters moved is logged
  with the difference.

The queues counted on one day (the board's) are noted as they are counted, so that the board
gets each one's numbers once per batch (:mod:`realtime.projections.day.display`).

Counters (:meth:`QueueCounts.take_stats`): ``day_offered``, ``day_answered``,
``day_abandoned`` (calls counted), ``day_duplicates`` (events about calls already closed).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import date
from typing import Any

from realtime.events import WaitingCall
from realtime.metrics import CountedCall, Outcome, QueueDay, QueueRules, closed, fold, offered

log = logging.getLogger("realtime.projections.day.queues")


class QueueCounts:
    def __init__(self, day_of: Callable[[float], date], clock: Callable[[], float]) -> None:
        self.day_of = day_of  # the business day of a UTC epoch
        self.clock = clock
        self.rules: dict[str, QueueRules] = {}  # queue id -> its rules (defaults: none)
        self.days: dict[date, dict[str, QueueDay]] = {}
        self.calls: dict[str, CountedCall] = {}  # "<queue>:<call>" -> its record
        # what changed since the last write: the calls' records, the days' queues
        self.dirty_calls: dict[str, None] = {}
        self.dirty_days: set[tuple[date, str]] = set()
        # the queues counted on noted_day (the board's day) since they were last taken
        self.noted_day: date | None = None
        self.noted: set[str] = set()
        self._stats: Counter[str] = Counter()

    def offer(self, queue: str, caller: WaitingCall, at: float | None) -> None:
        """A caller seen waiting in ``queue`` (at ``at``, the event's time): offered once."""
        key = f"{queue}:{caller.call_id}"
        if key in self.calls:
            return
        joined = caller.joined_at if caller.joined_at is not None else at
        self._new_record(key, queue, joined, number=caller.caller_number)

    def _new_record(
        self, key: str, queue: str, joined: float | None, at: float | None = None, number: str = ""
    ) -> CountedCall:
        when = joined if joined is not None else at
        day = self.day_of(when if when is not None else self.clock())
        record: CountedCall = {
            "q": queue,
            "d": day.isoformat(),
            "j": joined,
            "o": "",
            "w": None,
            "c": None,
        }
        if number:
            record["n"] = number
        self.calls[key] = record
        self.dirty_calls[key] = None
        self._count(day, queue, offered)
        self._stats["day_offered"] += 1
        return record

    def close(self, queue: str, call_id: str, outcome: Outcome, at: float | None) -> None:
        """The caller ``call_id`` left ``queue`` at ``at``: answered or abandoned, once."""
        key = f"{queue}:{call_id}"
        record = self.calls.get(key)
        if record is None:  # we never saw it wait: offered as it leaves, its wait unknown
            record = self._new_record(key, queue, None, at)
        elif record["o"]:
            self._stats["day_duplicates"] += 1
            return
        joined = record["j"]
        wait = at - joined if at is not None and joined is not None else None
        day = self.day_of(at if at is not None else self.clock())
        record["o"], record["w"], record["c"] = outcome, wait, day.isoformat()
        record["e"] = at
        self.dirty_calls[key] = None
        rules = self.rules.get(queue, QueueRules())
        self._count(day, queue, lambda counters: closed(counters, outcome, wait, rules))
        self._stats[f"day_{outcome}"] += 1

    def _count(self, day: date, queue: str, change: Callable[[QueueDay], QueueDay]) -> None:
        queues = self.days.setdefault(day, {})
        queues[queue] = change(queues.get(queue, QueueDay()))
        self.dirty_days.add((day, queue))
        if day == self.noted_day:
            self.noted.add(queue)

    def note(self, day: date, queue: str) -> None:
        """``queue``'s entity changed on ``day`` otherwise than by a count (its agents)."""
        if day == self.noted_day:
            self.noted.add(queue)

    def take_noted(self) -> set[str]:
        """The queues counted on ``noted_day`` since the last call."""
        noted, self.noted = self.noted, set()
        return noted

    def settled(
        self,
        key: str,
        record: CountedCall,
        outcome: Outcome,
        wait: float | None,
        ended: str,
        ended_at: float | None = None,
    ) -> str:
        """A call as its call record tells it (:mod:`realtime.projections.day.settling`):
        ``record`` takes its outcome and wait, and keeps the day it closed if it had one, else
        takes ``ended`` (and ``ended_at``, when it left the queue); returns that day. The days
        it counts on are recounted by the caller."""
        closed_on = record["c"] or ended
        record["o"], record["w"], record["c"] = outcome, wait, closed_on
        if record.get("e") is None and ended_at is not None:
            record["e"] = ended_at
        self.calls[key] = record
        self.dirty_calls[key] = None
        return closed_on

    def recount(self, why: str, days: set[date]) -> None:
        """The counters of ``days`` (days in memory) again from the calls' records, under the
        current rules (the calls offered the day before each must be in memory: some were
        answered on it); each queue whose counters moved is logged with the difference."""
        for day, queues in fold(self.calls.values(), self.rules, days).items():
            for queue, counters in queues.items():
                before = self.days[day].get(queue, QueueDay())
                if before != counters:
                    self.dirty_days.add((day, queue))
                    log.info("queue %s on %s, recounted %s: %s", queue, day, why,
                             _difference(before, counters))  # fmt: skip
            self.days[day] = queues

    # --- memory and Redis -------------------------------------------------------------------

    def loaded(self, day: date, counters: Mapping[str, dict[str, Any]]) -> None:
        """Day ``day``'s counters as stored (its calls: :meth:`add_calls`)."""
        self.days[day] = {q: QueueDay.from_mapping(raw) for q, raw in counters.items()}

    def add_calls(self, stored: Mapping[str, CountedCall]) -> None:
        """Calls' records as stored; those in memory stay as they are."""
        self.calls.update({k: r for k, r in stored.items() if k not in self.calls})

    def forget_before(self, oldest: date) -> None:
        for day in [d for d in self.days if d < oldest]:
            del self.days[day]
        cut = oldest.isoformat()
        for key in [k for k, r in self.calls.items() if r["d"] < cut]:
            del self.calls[key]

    def all_dirty(self) -> None:
        """Everything in memory is to be written again (Redis lost it)."""
        self.dirty_days |= {(d, q) for d, queues in self.days.items() for q in queues}
        self.dirty_calls |= dict.fromkeys(self.calls)

    def to_write(self) -> tuple[dict[date, dict[str, Any]], dict[date, dict[str, CountedCall]]]:
        """What changed since the last write: the counters (each with the rules it was counted
        under) and the calls' records, by day."""
        calls: dict[date, dict[str, CountedCall]] = {}
        for key in self.dirty_calls:
            call = self.calls.get(key)
            if call is not None:
                calls.setdefault(date.fromisoformat(call["d"]), {})[key] = call
        counters: dict[date, dict[str, Any]] = {}
        for day, queue in self.dirty_days:
            rules = self.rules.get(queue, QueueRules())
            counted = self.days[day][queue].as_mapping()
            counters.setdefault(day, {})[queue] = {**counted, "rules": asdict(rules)}
        return counters, calls

    def written(self) -> None:
        self.dirty_calls, self.dirty_days = {}, set()

    def take_stats(self) -> Counter[str]:
        stats, self._stats = self._stats, Counter()
        return stats


def _difference(before: QueueDay, after: QueueDay) -> str:
    """``answered 41 -> 42, abandoned 3 -> 2``: what moved."""
    old, new = before.as_mapping(), after.as_mapping()
    moved = [f"{k} {old[k]:g} -> {new[k]:g}" for k in new if old[k] != new[k]]
    return ", ".join(moved)
