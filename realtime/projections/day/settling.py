"""Call records win: Voicenter's call records settle the calls they tell
(:mod:`realtime.metrics`, "Call records win").

Every ``RECORDS_EVERY_S`` (the projection's verify, about once a second, asks), the records
stored since the last look (:class:`CallRecords`: the database, ``wallboard/reports/records.py``)
are read and each settles its call (:meth:`Settling.settle`); the days that changed are then
recounted (:meth:`realtime.projections.day.queues.QueueCounts.recount`). At start, and every
``RECORDS_AGAIN_S``, every record of the loaded days is read again (which rebuilds a day Redis
lost, and catches a record whose transaction committed after a later one's).

The database is read by a task of its own, never awaited: one out of reach or hung is logged and
tried again, and never holds up the counting (nor the worker's flushes). Records that name their
queue only by name (the Call log API's) wait until the board knows the queues; a name is the one
queue called so on the board (Voicenter's name, else ours: its display name).

Counters (:meth:`Settling.take_stats`): ``day_settled_by_records`` (calls the records counted
otherwise), ``day_records_unmatched`` (records of a queue name no one queue has),
``day_records_errors`` (looks at the records that failed or hung).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date
from typing import Protocol

from realtime.metrics import RecordedCall
from realtime.projections.day.queues import QueueCounts
from realtime.state import BoardSettings, QueueView

log = logging.getLogger("realtime.projections.day.settling")

#: Seconds between two looks at the stored call records (they come minutes after the call).
RECORDS_EVERY_S = 5.0
#: The most records folded in at one look (the rest at the next).
RECORDS_PER_LOOK = 5_000
#: Seconds between two looks at all the loaded days' records (a record whose transaction
#: committed after a later one's was passed by the cursor; folding a record twice changes
#: nothing).
RECORDS_AGAIN_S = 600.0
#: A look at the records this long unanswered is logged (and counted) as a failure.
RECORDS_SLOW_S = 30.0
#: Queue names no queue has are logged once each, up to this many.
MAX_UNMATCHED_LOGGED = 100


class CallRecords(Protocol):
    """Where the stored call records come from (``wallboard.reports.records.StoredRecords``)."""

    async def since(self, cursor: int, start: float, limit: int) -> tuple[list[RecordedCall], int]:
        """At most ``limit`` queue calls recorded after ``cursor`` (0: from the first) that
        began at UTC ``start`` or later, oldest record first, and the cursor after them."""
        ...


class Settling:
    def __init__(
        self,
        records: CallRecords | None,
        day_of: Callable[[float], date],
        clock: Callable[[], float],
    ) -> None:
        self.records = records  # None: the events count alone
        self.day_of = day_of  # the business day of a UTC epoch
        self.clock = clock
        self.cursor = 0  # the last record read
        self.next_at = 0.0  # (clock) when to look at the records again
        self.again_at = 0.0  # (clock) when to look at all of them again
        self.look: asyncio.Future[tuple[list[RecordedCall], int]] | None = None  # in flight
        self.look_began = 0.0  # (clock) when the look in flight began
        self.failing = False
        self._unmatched: set[str] = set()  # queue names of records no queue has (logged once)
        self._stats: Counter[str] = Counter()

    def finished(self, now: float, queues_known: bool) -> list[RecordedCall] | None:
        """What the look in flight found, if it finished (None: it has not, it failed, or its
        records name queues the board does not know yet: ``queues_known``)."""
        look = self.look
        if look is None:
            return None
        if not look.done():
            if now - self.look_began > RECORDS_SLOW_S:
                if not self.failing:
                    log.warning("the call records have not answered for %.0f s", RECORDS_SLOW_S)
                    self._stats["day_records_errors"] += 1
                self.failing = True
            return None
        self.look = None
        try:
            recorded, cursor = look.result()
        except Exception:  # the database away, or a bug in reading it: the events still count
            self._stats["day_records_errors"] += 1
            if not self.failing:
                log.warning("cannot read the call records; trying again", exc_info=True)
            self.failing = True
            return None
        if self.failing:
            log.info("the call records can be read again")
        self.failing = False
        if any(c.queue_id is None for c in recorded) and not queues_known:
            return None  # name-only records wait for the board's queues (the cursor stays)
        if len(recorded) >= RECORDS_PER_LOOK:
            self.next_at = self.clock()  # more are waiting: the next verify looks again
        self.cursor = cursor
        return recorded

    def look_again(self, now: float, start: float) -> None:
        """Start the next look, if it is due and none is in flight: the records of the calls
        that began at UTC ``start`` or later (the first day in memory)."""
        if self.records is None or self.look is not None or now < self.next_at:
            return
        if now >= self.again_at:
            self.cursor, self.again_at = 0, now + RECORDS_AGAIN_S
        self.next_at, self.look_began = now + RECORDS_EVERY_S, now
        self.look = asyncio.ensure_future(self.records.since(self.cursor, start, RECORDS_PER_LOOK))

    def settle(
        self,
        recorded: list[RecordedCall],
        queues: QueueCounts,
        loaded: set[date],
        named: Callable[[str], str | None],
    ) -> set[date]:
        """Each record settles its call in ``queues`` (:mod:`realtime.metrics`, "Call records
        win"; a call that began on a day not in memory, ``loaded``, is left out); the days
        whose counts that changes (to recount). ``named``: the queue of a record known by
        name only."""
        latest: dict[str, tuple[str, RecordedCall]] = {}  # the newest record of a call wins
        for call in recorded:
            queue = call.queue_id or named(call.queue_name)
            if queue is not None:
                latest[f"{queue}:{call.call_id}"] = (queue, call)
        days: set[date] = set()
        changed = 0
        for key, (queue, call) in latest.items():
            record = queues.calls.get(key)
            if record is not None and record["o"] and not call.differs(record["o"], record["w"]):
                continue  # the events counted it as the record says
            if record is None:
                began = self.day_of(call.started_at)
                if began not in loaded:
                    continue
                record = {"q": queue, "d": began.isoformat(), "j": call.started_at,
                          "o": "", "w": None, "c": None}  # fmt: skip
            if call.caller_number and not record.get("n"):
                record["n"] = call.caller_number
            log.debug(
                "call %s: counted %s (wait %s), its record says %s (wait %s)", key,
                record["o"] or "not closed", record["w"], call.outcome, call.wait_s,
            )  # fmt: skip
            left = call.started_at + call.wait_s if call.wait_s is not None else None
            ended = self.day_of(call.started_at + (call.wait_s or 0.0)).isoformat()
            wait = call.wait_s if call.wait_s is not None else record["w"]
            closed_on = queues.settled(key, record, call.outcome, wait, ended, left)
            days |= {date.fromisoformat(record["d"]), date.fromisoformat(closed_on)}
            changed += 1
        if changed:
            self._stats["day_settled_by_records"] += changed
            log.info("%d call records said otherwise than the events: the records win", changed)
        return days & loaded

    def queue_named(
        self, name: str, queues: Mapping[str, QueueView], shown: Mapping[str, BoardSettings]
    ) -> str | None:
        """The id of the one queue called ``name`` among the board's ``queues`` (Voicenter's
        name), else by its display name (``shown``); None if none is, or several are."""
        wanted = name.strip().casefold()
        if wanted:
            for names in (
                {q: str(v.get("name", "")) for q, v in queues.items()},
                {q: settings["display_name"] for q, settings in shown.items()},
            ):
                found = [q for q, n in names.items() if n.strip().casefold() == wanted]
                if len(found) == 1:
                    return found[0]
                if found:
                    break  # two queues of that name: which one is not ours to guess
        self._stats["day_records_unmatched"] += 1
        if name not in self._unmatched and len(self._unmatched) < MAX_UNMATCHED_LOGGED:
            self._unmatched.add(name)
            log.warning("a call record names queue %.100r, which no one queue has: left out", name)
        return None

    def take_stats(self) -> Counter[str]:
        stats, self._stats = self._stats, Counter()
        return stats
