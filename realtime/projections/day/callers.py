"""The day's callers: the list of callers who gave up, and who is a repeat caller.

What the list holds, and who is a repeat caller, is specified in :mod:`realtime.callbacks`;
this part keeps both from the calls' records that the queue counts hold
(:class:`realtime.projections.day.queues.QueueCounts`), in memory (the projection,
:mod:`realtime.projections.day.projection`, reads and writes Redis):

- every call record with a number is indexed by it (the records loaded from Redis, and each
  one a batch wrote), and :class:`realtime.callbacks.Repeats` sets each waiting caller's
  ``earlier`` from the same index;
- each record a batch changed (a join, an abandon, an answer, a call record that settled one)
  is folded into its number's calls (:class:`realtime.callbacks.CallerDays`: what a row is made
  of, so that a number that called a thousand times costs no more per call than one that
  called once), its number's rows are worked out again, and what differs from what Redis
  holds is written with the batch's records, in the same transaction;
- at start (and at a new day) every number's rows are worked out again from the records, so a
  list Redis lost or a worker that stopped mid-day comes back right.

Counters (:meth:`Callers.take_stats`): ``day_gave_up_listed`` (rows that joined a list),
``day_gave_up_left`` (rows that left one: the caller got through).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

from realtime.callbacks import CallerDays, GaveUp, Repeats, callable_number
from realtime.metrics import CountedCall
from realtime.projections.day.queues import QueueCounts

#: What a commit writes: day -> number -> its row, or None (the number left that day's list).
RowChanges = dict[date, dict[str, GaveUp | None]]


class Callers:
    def __init__(self, queues: QueueCounts) -> None:
        self.queues = queues
        self.repeats = Repeats()
        self.folded: dict[str, CallerDays] = {}  # number -> its calls, folded
        self.by_number: dict[str, set[str]] = {}  # number -> its calls' keys held
        self.seen: dict[str, str] = {}  # call key -> the outcome it was folded with
        self.rows: dict[date, dict[str, GaveUp]] = {}  # the lists as Redis holds them
        self.pending: set[str] = set()  # numbers whose rows are to be worked out again
        self._stats: Counter[str] = Counter()

    def index(self, calls: Iterable[tuple[str, CountedCall]]) -> None:
        """Calls' records held (loaded, or changed by a batch): each folded into its number's
        (:class:`realtime.callbacks.CallerDays`; a number whose closed call changed outcome is
        folded afresh), and its rows to be worked out again. A busy number costs the same per
        call as any: nothing here walks a number's calls but that rare refold."""
        for key, call in calls:
            number = call.get("n")
            if not number or not callable_number(number):
                continue  # a withheld number is on no list and repeats nobody
            keys = self.by_number.setdefault(number, set())
            keys.add(key)
            before, outcome = self.seen.get(key), call["o"]
            if before and before != outcome:
                self._refold(number)
            else:
                self.folded.setdefault(number, CallerDays()).add(key, call)
            self.seen[key] = outcome
            self.repeats.add(number, key)
            self.pending.add(number)

    def _refold(self, number: str) -> None:
        folded, calls = CallerDays(), self.queues.calls
        for key in self.by_number.get(number, ()):
            if key in calls:
                folded.add(key, calls[key])
        self.folded[number] = folded

    def loaded(self, day: date, rows: Mapping[str, GaveUp]) -> None:
        """Day ``day``'s list as Redis holds it; every number on it is worked out again."""
        self.rows[day] = dict(rows)
        self.pending |= set(rows)

    def forget_before(self, oldest: date) -> None:
        """The days before ``oldest`` are gone from memory: so are their calls' numbers."""
        self.rows = {d: rows for d, rows in self.rows.items() if d >= oldest}
        self.folded, self.by_number, self.seen, self.pending = {}, {}, {}, set()
        self.repeats.clear()
        self.index(self.queues.calls.items())

    def to_write(self, changed: Iterable[str]) -> RowChanges:
        """The rows that differ from Redis's, once the records ``changed`` (their keys) are
        folded in; a day's row None: the number left that day's list."""
        calls = self.queues.calls
        self.index((k, calls[k]) for k in changed if k in calls)
        changes: RowChanges = {}
        for number in self.pending:
            folded = self.folded.get(number)
            days = {date.fromisoformat(d) for d in folded.days()} if folded else set()
            days |= {day for day, rows in self.rows.items() if number in rows}
            for day in days:
                row = folded.row(number, day.isoformat()) if folded else None
                if row != self.rows.get(day, {}).get(number):
                    changes.setdefault(day, {})[number] = row
        return changes

    def written(self, changes: RowChanges) -> None:
        """``changes`` are in Redis now."""
        for day, rows in changes.items():
            held = self.rows.setdefault(day, {})
            for number, row in rows.items():
                if row is None:
                    held.pop(number, None)
                    self._stats["day_gave_up_left"] += 1
                else:
                    if number not in held:
                        self._stats["day_gave_up_listed"] += 1
                    held[number] = row
        self.pending = set()

    def take_stats(self) -> Counter[str]:
        stats, self._stats = self._stats, Counter()
        return stats
