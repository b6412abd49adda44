"""The day's numbers: typed events -> per-queue counters per business day, in Redis and on the
board.

What is counted, and every metric, is specified in :mod:`realtime.metrics`; this projection only
applies it to the stream. It keeps, in memory and in Redis (:mod:`realtime.daystore`), one
record per call (queue + call id: what makes each count once, across duplicates, snapshots after
a reconnect, replays and restarts) and the counters of the days it has seen. Each batch's changes
are committed in one transaction.

The board shows the current business day (by the clock, in the account's time zone): the
counters of every queue with its metrics go into the board's ``today`` collection
(:meth:`realtime.projections.board.BoardState.put`, committed with the same batch), and at the
start of a new day (:meth:`DayCounters.verify`, about once a second) the board's numbers start
again from zero.

Each queue's ``today`` entity also carries the callers waiting over the last hour, one point a
minute (the most at once in that minute), for the tile's chart: sampled from the board's state
about once a second (:meth:`DayCounters.verify`), held in memory only.

The queues' rules (service-level threshold and formula, short abandons) come from Redis, kept
by the web side; when they change, the loaded days are recounted from the call records. The
same settings carry what the board shows a queue by (its display name and alert thresholds:
waiting callers, longest wait, service level), which ride in its ``today`` entity, so a screen
left on for days follows a change at once.

Per agent and business day: calls answered (an ``ExtensionEvent`` ANSWER, once per call),
talk time (from that answer to the call's HANGUP, counted on the day it ended) and the seconds
spent in each status (an interval is added, split at day boundaries, when the agent leaves the
status; a snapshot only says where an agent is and since when).

Voicenter's call records settle the calls they tell (:mod:`realtime.metrics`, "Call records
win"): every ``RECORDS_EVERY_S`` (in :meth:`DayCounters.verify`), the records stored since the
last look (:class:`CallRecords`: the database, ``wallboard/reports/records.py``) are folded in
and the days they changed recounted; at start, and every ``RECORDS_AGAIN_S``, every record of
the loaded days is (which rebuilds a day Redis lost, and catches a record whose transaction
committed after a later one's). Records that name their queue only by name (the Call log API's)
wait until the board knows the queues. The database is read by a task of its own: one out of
reach or hung is logged and tried again, and never holds up the counting.

Counters (:meth:`take_stats`): ``day_offered``, ``day_answered``, ``day_abandoned`` (calls
counted), ``day_duplicates`` (events about calls already counted), ``day_settled_by_records``
(calls the records counted otherwise), ``day_records_unmatched`` (records of a queue name no
queue has), ``day_records_errors`` (looks at the records that failed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta, tzinfo
from typing import Any, Final, Literal, Protocol

from realtime.daystore import DayStore
from realtime.events import (
    Agent,
    AgentChanged,
    AgentsSnapshot,
    Event,
    QueueChanged,
    QueuesSnapshot,
    WaitingCall,
)
from realtime.metrics import (
    CountedCall,
    Outcome,
    QueueDay,
    QueueRules,
    RecordedCall,
    business_day,
    closed,
    day_bounds,
    figures,
    fold,
    offered,
)
from realtime.state import LEAVING, BoardSettings, State, TodayView

log = logging.getLogger("realtime.projections.day")

#: The board's collection of today's numbers, keyed by queue id.
COLLECTION: Final = "today"
#: The chart of callers waiting: one point a minute (the most waiting at once in it), this many.
HISTORY_MINUTES = 60
#: Call records older than this many days are dropped from memory (a call may close after the
#: midnight that follows its join, not days later).
KEEP_IN_MEMORY_DAYS = 2
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


#: A queue's name and alert thresholds on the board, when it has no settings of its own.
NOT_SET: BoardSettings = {
    "display_name": "", "alert_waiting": None, "alert_longest_wait_s": None, "alert_sl_pct": None,
}  # fmt: skip


def board_settings(raw: object) -> BoardSettings:
    """What the board shows a queue by, from its stored settings (anything unreadable: unset)."""
    settings = raw if isinstance(raw, dict) else {}
    name = settings.get("display_name")
    return {
        "display_name": name[:200] if isinstance(name, str) else "",
        "alert_waiting": _at_most(settings.get("alert_waiting"), 100_000),
        "alert_longest_wait_s": _at_most(settings.get("alert_longest_wait_s"), 86_400),
        "alert_sl_pct": _at_most(settings.get("alert_sl_pct"), 100),
    }


def _at_most(value: object, top: int) -> int | None:
    """A threshold of 0 to ``top``; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top:
        return value
    return None


def _times(event: Event) -> list[float]:
    """The known times an event counts by: its own, and its waiting callers' joins."""
    times: list[float | None] = [getattr(event, "at", None)]
    if isinstance(event, QueuesSnapshot | QueueChanged):
        queues = event.queues if isinstance(event, QueuesSnapshot) else (event.queue,)
        times += [c.joined_at for q in queues for c in q.waiting or ()]
    return [t for t in times if t is not None]


class Board(Protocol):
    """Where today's numbers go (``realtime.projections.board.BoardState``)."""

    state: State

    def put(
        self, collection: Literal["today"], entities: dict[str, TodayView], replace: bool = False
    ) -> None: ...


class CallRecords(Protocol):
    """Where the stored call records come from (``wallboard.reports.records.StoredRecords``)."""

    async def since(self, cursor: int, start: float, limit: int) -> tuple[list[RecordedCall], int]:
        """At most ``limit`` queue calls recorded after ``cursor`` (0: from the first) that
        began at UTC ``start`` or later, oldest record first, and the cursor after them."""
        ...


class DayCounters:
    def __init__(
        self,
        store: DayStore,
        tz: tzinfo,
        start_hour: int = 0,
        board: Board | None = None,
        clock: Callable[[], float] = time.time,
        records: CallRecords | None = None,
    ) -> None:
        self.store = store
        self.records = records
        self._records_cursor = 0
        self._records_next = 0.0  # (clock) when to look at the records again
        self._records_again = 0.0  # (clock) when to look at all of them again
        self._records_failing = False
        self._records_look: asyncio.Future[tuple[list[RecordedCall], int]] | None = None
        self._records_since = 0.0  # (clock) when the look in flight began
        self._unmatched: set[str] = set()  # queue names of records no queue has (logged once)
        self.tz = tz
        self.start_hour = start_hour
        self.board = board  # the board today's numbers go to (None: counted and stored only)
        self.clock = clock
        self.rules: dict[str, QueueRules] = {}
        self.shown: dict[str, BoardSettings] = {}  # queue id -> its name and alerts (board)
        self.rules_version: str | None = ""  # "": never loaded
        self.days: dict[date, dict[str, QueueDay]] = {}
        self.calls: dict[str, CountedCall] = {}  # "<queue>:<call>" -> record
        self.agents: dict[date, dict[str, dict[str, Any]]] = {}  # day -> ext -> its numbers
        self.answered: dict[str, dict[str, Any]] = {}  # "a:<ext>:<call>" -> {d, a, e}
        self.statuses: dict[str, tuple[int | None, float | None]] = {}  # ext -> (status, since)
        self.shown_day: date | None = None  # the day the board's numbers are of
        self._dirty_calls: dict[str, None] = {}
        self._dirty_days: set[tuple[date, str]] = set()
        self._dirty_agents: set[tuple[date, str]] = set()
        self._stats: Counter[str] = Counter()
        # The days whose records and counters are in memory (read from Redis, or begun here),
        # and the UTC span they cover together: an event of another day waits for its commit,
        # which reads that day first (apply() does no I/O), so an old recording counts once too.
        self.loaded: set[date] = set()
        self.calls_loaded: set[date] = set()  # the days whose calls are in memory
        self._span = (0.0, 0.0)
        self._deferred: list[Event] = []
        # callers waiting, per queue: the most at once in each of the last HISTORY_MINUTES
        # minutes (oldest first; in memory: a restart starts the chart afresh), and in this one
        self.history: dict[str, deque[int]] = {}
        self._minute: int | None = None
        self._peak: dict[str, int] = {}
        self._unshown: set[str] = set()  # queues counted since the board last had their numbers

    # --- the Projection protocol ---------------------------------------------------------

    async def load(self) -> None:
        """The rules, and today's and yesterday's records and counters, from Redis; the board
        shows today's (this projection loads after the board's, whose stored state it
        replaces)."""
        await self._load_rules()
        today = self._day(self.clock())
        await self._load_days({today - timedelta(days=1), today})
        self._show(today)

    async def _load_calls(self, days: set[date]) -> None:
        """The calls offered on ``days`` (not their counters), if not in memory yet."""
        for day in sorted(days - self.calls_loaded):
            stored = await self.store.calls(day)
            self.calls.update({k: r for k, r in stored.items() if k not in self.calls})
            self.calls_loaded.add(day)

    async def _load_days(self, days: set[date]) -> None:
        for day in sorted(days - self.loaded):
            await self._load_calls({day})
            self.answered.update(await self.store.answered(day))
            stored = await self.store.counters(day)
            self.days[day] = {q: QueueDay.from_mapping(raw) for q, raw in stored.items()}
            self.agents[day] = await self.store.agents(day)
            self.loaded.add(day)
        self._span = self._loaded_span()

    def _loaded_span(self) -> tuple[float, float]:
        """The UTC span of the loaded days that touch today (yesterday and today)."""
        today = self._day(self.clock())
        days = [d for d in (today - timedelta(days=1), today) if d in self.loaded]
        if not days:
            return (0.0, 0.0)
        return (
            day_bounds(days[0], self.tz, self.start_hour)[0],
            day_bounds(days[-1], self.tz, self.start_hour)[1],
        )

    def begin_rebuild(self) -> None:
        """A reconnect: the counters go on (the fresh snapshots' callers are known already)."""

    @property
    def rebuilding(self) -> bool:
        return False

    async def apply(self, event: Event) -> None:
        if self._deferred or not self._in_loaded_days(event):
            self._deferred.append(event)  # after the days it needs are read (commit)
            return
        self._apply(event)

    def _in_loaded_days(self, event: Event) -> bool:
        lo, hi = self._span
        return all(lo <= t < hi for t in _times(event))

    def _days_of(self, event: Event) -> set[date]:
        return {self._day(t) for t in _times(event)}

    def _apply(self, event: Event) -> None:
        if isinstance(event, QueuesSnapshot):
            for queue in event.queues:
                for caller in queue.waiting or ():
                    self._offer(queue.id, caller, event.at)
        elif isinstance(event, QueueChanged):
            queue = event.queue
            for caller in queue.waiting or ():
                self._offer(queue.id, caller, event.at)
            if event.joined is not None:
                self._offer(queue.id, event.joined, event.at)
            if event.reason in LEAVING and event.call_id:
                outcome: Outcome = "abandoned" if event.reason == "ABANDONED" else "answered"
                self._close(queue.id, event.call_id, outcome, event.at)
        elif isinstance(event, AgentsSnapshot):
            for agent in event.agents:
                self._status(agent, event.at, snapshot=True)
        elif isinstance(event, AgentChanged):
            self._status(event.agent, event.at, snapshot=False)
            if event.reason == "ANSWER" and event.call_id:
                self._agent_answered(event.agent, event.call_id, event.at)
            elif event.reason == "HANGUP" and event.call_id:
                self._agent_hung_up(event.agent, event.call_id, event.at)

    async def commit(self) -> None:
        if self._deferred:  # events of days not in memory: read those days, then count them
            deferred = self._deferred
            await self._load_days(set().union(*(self._days_of(e) for e in deferred)))
            self._deferred = []
            for event in deferred:
                self._apply(event)
        if not self._dirty_calls and not self._dirty_days and not self._dirty_agents:
            return
        calls: dict[date, dict[str, CountedCall]] = {}
        answered: dict[date, dict[str, dict[str, Any]]] = {}
        for key in self._dirty_calls:
            call = self.calls.get(key)
            if call is not None:
                calls.setdefault(date.fromisoformat(call["d"]), {})[key] = call
            elif (record := self.answered.get(key)) is not None:
                answered.setdefault(date.fromisoformat(record["d"]), {})[key] = record
        counters: dict[date, dict[str, dict[str, Any]]] = {}
        for day, queue in self._dirty_days:
            rules = self.rules.get(queue, QueueRules())
            counted = self.days[day][queue].as_mapping()
            counters.setdefault(day, {})[queue] = {**counted, "rules": asdict(rules)}
        agents: dict[date, dict[str, dict[str, Any]]] = {}
        for day, ext in self._dirty_agents:
            agents.setdefault(day, {})[ext] = self.agents[day][ext]
        # raises while Redis is away: what is dirty stays so, for the next commit
        await self.store.write(counters, calls, agents, answered)
        self._dirty_calls, self._dirty_days, self._dirty_agents = {}, set(), set()

    async def verify(self) -> bool:
        """A new business day shows from zero; new rules recount; Redis that lost today's
        counters gets ours back. True if anything had to be redone. Also samples the callers
        waiting for the tiles' chart (this runs about once a second)."""
        self._sample_waiting()
        redone = await self._load_rules()
        today = self._day(self.clock())
        if today != self.shown_day:
            self._forget_before(today - timedelta(days=KEEP_IN_MEMORY_DAYS))
            await self._load_days({today})
            self._show(today)
            redone = True
        if self.days.get(today) and not await self.store.has_day(today):
            log.warning("the day's counters are gone from Redis; writing ours back")
            self._dirty_days |= {(d, q) for d, queues in self.days.items() for q in queues}
            self._dirty_agents |= {(d, e) for d, numbers in self.agents.items() for e in numbers}
            self._dirty_calls |= dict.fromkeys(self.calls) | dict.fromkeys(self.answered)
            await self.commit()
            redone = True
        return await self._settle_from_records() or redone

    def wants_resync(self) -> bool:
        return False

    def take_stats(self) -> Counter[str]:
        stats, self._stats = self._stats, Counter()
        return stats

    # --- counting ------------------------------------------------------------------------

    def _day(self, ts: float) -> date:
        return business_day(ts, self.tz, self.start_hour)

    def _offer(self, queue: str, caller: WaitingCall, at: float | None) -> None:
        key = f"{queue}:{caller.call_id}"
        if key in self.calls:
            return
        joined = caller.joined_at if caller.joined_at is not None else at
        self._new_record(key, queue, joined)

    def _new_record(
        self, key: str, queue: str, joined: float | None, at: float | None = None
    ) -> CountedCall:
        when = joined if joined is not None else at
        day = self._day(when if when is not None else self.clock())
        record: CountedCall = {
            "q": queue,
            "d": day.isoformat(),
            "j": joined,
            "o": "",
            "w": None,
            "c": None,
        }
        self.calls[key] = record
        self._dirty_calls[key] = None
        self._count(day, queue, offered)
        self._stats["day_offered"] += 1
        return record

    def _close(self, queue: str, call_id: str, outcome: Outcome, at: float | None) -> None:
        key = f"{queue}:{call_id}"
        record = self.calls.get(key)
        if record is None:  # we never saw it wait: offered as it leaves, its wait unknown
            record = self._new_record(key, queue, None, at)
        elif record["o"]:
            self._stats["day_duplicates"] += 1
            return
        joined = record["j"]
        wait = at - joined if at is not None and joined is not None else None
        day = self._day(at if at is not None else self.clock())
        record["o"], record["w"], record["c"] = outcome, wait, day.isoformat()
        self._dirty_calls[key] = None
        rules = self.rules.get(queue, QueueRules())
        self._count(day, queue, lambda counters: closed(counters, outcome, wait, rules))
        self._stats[f"day_{outcome}"] += 1

    def _count(self, day: date, queue: str, change: Callable[[QueueDay], QueueDay]) -> None:
        queues = self.days.setdefault(day, {})
        queues[queue] = change(queues.get(queue, QueueDay()))
        self._dirty_days.add((day, queue))
        if day == self.shown_day and self.board is not None:
            self._unshown.add(queue)  # put on the board once per batch: show_counted()

    def show_counted(self) -> None:
        """Put the numbers of the queues counted since the last call on the board, each once,
        however many of the batch's events counted it: the pipeline's ``today`` step, once a
        batch is applied and before it is committed (``realtime/pipeline.py``). Building a
        queue's figures at each event was a third of the worker's time at full speed
        (bench/bench_ingest.py)."""
        if self._unshown and self.board is not None and self.shown_day is not None:
            queues, self._unshown = self._unshown, set()
            day = self.shown_day
            self.board.put(COLLECTION, {queue: self._entity(day, queue) for queue in queues})

    def _entity(self, day: date, queue: str) -> TodayView:
        counters = self.days.get(day, {}).get(queue, QueueDay())
        return {
            **figures(counters, self.rules.get(queue, QueueRules())),
            "day": day.isoformat(),
            **self.shown.get(queue, NOT_SET),
            "waiting_last_hour": list(self.history.get(queue, ())),
        }

    def _sample_waiting(self) -> None:
        """The most callers waiting at once in each minute, per queue, from the board's state;
        at each new minute the tiles' charts move on (one change per queue a minute)."""
        if self.board is None:
            return
        queues = self.board.state.get("queues", {})
        for queue, view in queues.items():
            waiting = len(view.get("waiting", ()))
            if waiting > self._peak.get(queue, -1):
                self._peak[queue] = waiting
        minute = int(self.clock() // 60)
        if self._minute is None:
            self._minute = minute
            return
        if minute == self._minute:
            return
        gap = min(minute - self._minute, HISTORY_MINUTES)
        for queue in set(queues) | set(self.history):
            points = self.history.setdefault(queue, deque(maxlen=HISTORY_MINUTES))
            points.append(self._peak.get(queue, 0))
            now = queues.get(queue)
            points.extend([len(now.get("waiting", ())) if now is not None else 0] * (gap - 1))
        self._minute, self._peak = minute, {}
        if self.shown_day is not None:
            day = self.shown_day
            self.board.put(COLLECTION, {q: self._entity(day, q) for q in self.history})

    def _show(self, day: date) -> None:
        """The board's numbers become those of ``day``, for every queue with calls that day or
        settings of its own (at once)."""
        self.shown_day = day
        if self.board is not None:
            queues = set(self.days.get(day, {})) | set(self.shown)
            entities = {q: self._entity(day, q) for q in queues}
            self.board.put(COLLECTION, entities, replace=True)

    def _forget_before(self, oldest: date) -> None:
        for day in [d for d in self.days if d < oldest]:
            del self.days[day]
        cut = oldest.isoformat()
        for key in [k for k, r in self.calls.items() if r["d"] < cut]:
            del self.calls[key]
        for key in [k for k, r in self.answered.items() if r["d"] < cut]:
            del self.answered[key]
        for day in [d for d in self.agents if d < oldest]:
            del self.agents[day]
        self.loaded = {d for d in self.loaded if d >= oldest}
        self.calls_loaded = {d for d in self.calls_loaded if d >= oldest}

    # --- agents ---------------------------------------------------------------------------

    def _agent_day(self, day: date, agent: Agent) -> dict[str, Any]:
        numbers = self.agents.setdefault(day, {}).setdefault(
            agent.extension, {"name": "", "answered": 0, "talk_s": 0.0, "status_s": {}}
        )
        if agent.agent_name:
            numbers["name"] = agent.agent_name
        self._dirty_agents.add((day, agent.extension))
        return numbers

    def _agent_answered(self, agent: Agent, call_id: str, at: float | None) -> None:
        key = f"a:{agent.extension}:{call_id}"
        if key in self.answered:
            self._stats["day_duplicates"] += 1
            return
        when = at if at is not None else self.clock()
        day = self._day(when)
        self.answered[key] = {"d": day.isoformat(), "a": when, "e": None}
        self._dirty_calls[key] = None
        self._agent_day(day, agent)["answered"] += 1

    def _agent_hung_up(self, agent: Agent, call_id: str, at: float | None) -> None:
        record = self.answered.get(f"a:{agent.extension}:{call_id}")
        if record is None or record["e"] is not None:
            return  # never answered here (a missed call), or already counted
        ended = at if at is not None else self.clock()
        record["e"] = ended
        self._dirty_calls[f"a:{agent.extension}:{call_id}"] = None
        talk = max(0.0, ended - record["a"])
        self._agent_day(self._day(ended), agent)["talk_s"] += talk

    def _status(self, agent: Agent, at: float | None, *, snapshot: bool) -> None:
        """Time in each status: the interval of the status left is added to the day(s) it
        spans; a snapshot only says where an agent is (and since when, if Voicenter says)."""
        ext, status = agent.extension, agent.status
        before = self.statuses.get(ext)
        if before is not None and before[0] == status:
            return
        now = at if at is not None else self.clock()
        since = agent.status_since if agent.status_since is not None else now
        if before is not None and not snapshot:
            old_status, old_since = before
            if old_status is not None and old_since is not None and now > old_since:
                self._add_status_time(agent, old_status, old_since, now)
        self.statuses[ext] = (status, since if snapshot else now)

    def _add_status_time(self, agent: Agent, status: int, start: float, end: float) -> None:
        start = max(start, self._span[0])  # counted on the days in memory (yesterday, today)
        day = self._day(start)
        while start < end:
            _, day_end = day_bounds(day, self.tz, self.start_hour)
            part_end = min(end, day_end)
            spent = self._agent_day(day, agent)["status_s"]
            spent[str(status)] = round(spent.get(str(status), 0.0) + (part_end - start), 3)
            start, day = part_end, day + timedelta(days=1)

    # --- call records --------------------------------------------------------------------

    async def _settle_from_records(self) -> bool:
        """Fold in the call records stored since the last look; True if they changed a count.

        The database is read by a task of its own, never awaited here: a slow or hung database
        delays the records, not the counting (nor the worker's flushes). Each verify takes
        what a finished look found and starts the next one when it is due."""
        if self.records is None or not self.loaded:
            return False
        now = self.clock()
        look, changed = self._records_look, False
        if look is not None and look.done():
            self._records_look = None
            changed = await self._took(look)
        elif look is not None and now - self._records_since > RECORDS_SLOW_S:
            if not self._records_failing:
                log.warning("the call records have not answered for %.0f s", RECORDS_SLOW_S)
                self._stats["day_records_errors"] += 1
            self._records_failing = True
        if self._records_look is None and now >= self._records_next:
            if now >= self._records_again:
                self._records_cursor, self._records_again = 0, now + RECORDS_AGAIN_S
            self._records_next, self._records_since = now + RECORDS_EVERY_S, now
            self._records_look = asyncio.ensure_future(
                self.records.since(self._records_cursor, self._span[0], RECORDS_PER_LOOK)
            )
        return changed

    async def _took(self, look: asyncio.Future[tuple[list[RecordedCall], int]]) -> bool:
        """What a finished look at the records found, folded in; True if a count changed."""
        try:
            recorded, cursor = look.result()
        except Exception:  # the database away, or a bug in reading it: the events still count
            self._stats["day_records_errors"] += 1
            if not self._records_failing:
                log.warning("cannot read the call records; trying again", exc_info=True)
            self._records_failing = True
            return False
        if self._records_failing:
            log.info("the call records can be read again")
        self._records_failing = False
        if any(c.queue_id is None for c in recorded) and not self._queues_known():
            return False  # name-only records wait for the board's queues (the cursor stays)
        if len(recorded) >= RECORDS_PER_LOOK:
            self._records_next = self.clock()  # more are waiting: the next verify looks again
        self._records_cursor = cursor
        days = self._settle(recorded)
        if not days:
            return False
        await self._recount("from the call records", days)
        await self.commit()
        return True

    def _settle(self, recorded: list[RecordedCall]) -> set[date]:
        """Each record settles its call (:mod:`realtime.metrics`, "Call records win"); the
        days whose counts that changes (to recount)."""
        latest: dict[str, tuple[str, RecordedCall]] = {}  # the newest record of a call wins
        for call in recorded:
            queue = call.queue_id or self._queue_named(call.queue_name)
            if queue is not None:
                latest[f"{queue}:{call.call_id}"] = (queue, call)
        days: set[date] = set()
        changed = 0
        for key, (queue, call) in latest.items():
            record = self.calls.get(key)
            if record is not None and record["o"] and not call.differs(record["o"], record["w"]):
                continue  # the events counted it as the record says
            if record is None:
                began = self._day(call.started_at)
                if began not in self.loaded:
                    continue
                record = {"q": queue, "d": began.isoformat(), "j": call.started_at,
                          "o": "", "w": None, "c": None}  # fmt: skip
                self.calls[key] = record
            log.debug(
                "call %s: counted %s (wait %s), its record says %s (wait %s)", key,
                record["o"] or "not closed", record["w"], call.outcome, call.wait_s,
            )  # fmt: skip
            ended = self._day(call.started_at + (call.wait_s or 0.0)).isoformat()
            wait = call.wait_s if call.wait_s is not None else record["w"]
            closed_on = record["c"] or ended
            record["o"], record["w"], record["c"] = call.outcome, wait, closed_on
            self._dirty_calls[key] = None
            days |= {date.fromisoformat(record["d"]), date.fromisoformat(closed_on)}
            changed += 1
        if changed:
            self._stats["day_settled_by_records"] += changed
            log.info("%d call records said otherwise than the events: the records win", changed)
        return days & self.loaded

    def _queues_known(self) -> bool:
        return self.board is not None and bool(self.board.state.get("queues"))

    def _queue_named(self, name: str) -> str | None:
        """The id of the one queue called ``name`` on the board (Voicenter's name, else ours);
        None if none is, or several are."""
        wanted = name.strip().casefold()
        if wanted and self.board is not None:
            for names in (
                {q: str(v.get("name", "")) for q, v in self.board.state.get("queues", {}).items()},
                {q: shown["display_name"] for q, shown in self.shown.items()},
            ):
                found = [q for q, n in names.items() if n.strip().casefold() == wanted]
                if len(found) == 1:
                    return found[0]
                if found:
                    break  # two queues of that name: which one is not ours to guess
        self._stats["day_records_unmatched"] += 1
        if name not in self._unmatched and len(self._unmatched) < 100:
            self._unmatched.add(name)
            log.warning("a call record names queue %.100r, which no one queue has: left out", name)
        return None

    # --- rules ---------------------------------------------------------------------------

    async def _load_rules(self) -> bool:
        """Reload the queues' rules if they changed, and recount under them; True if so."""
        version, raw = await self.store.rules(self.rules_version)
        if raw is None:
            return False
        self.rules_version = version
        rules = {q: QueueRules.from_mapping(r) for q, r in raw.items()}
        shown = {q: board_settings(r) for q, r in raw.items()}
        if rules == self.rules and shown == self.shown:
            return False
        recount = rules != self.rules
        self.rules, self.shown = rules, shown
        if recount and self.calls:
            await self._recount("under the queues' new rules")
        elif self.shown_day is not None:
            self._show(self.shown_day)
        return True

    async def _recount(self, why: str, only: set[date] | None = None) -> None:
        """The counters of the loaded days (or of ``only`` those) again from the calls'
        records, under the current rules; each queue whose counters moved is logged with the
        difference. A day's answers include calls offered the day before: that day's calls are
        read first if they are not in memory."""
        wanted = set(self.days) if only is None else only & set(self.days)
        await self._load_calls({day - timedelta(days=1) for day in wanted})
        for day, queues in fold(self.calls.values(), self.rules, wanted).items():
            for queue, counters in queues.items():
                before = self.days[day].get(queue, QueueDay())
                if before != counters:
                    self._dirty_days.add((day, queue))
                    log.info("queue %s on %s, recounted %s: %s", queue, day, why,
                             _difference(before, counters))  # fmt: skip
            self.days[day] = queues
        if self.shown_day is not None:
            self._show(self.shown_day)


def _difference(before: QueueDay, after: QueueDay) -> str:
    """``answered 41 -> 42, abandoned 3 -> 2``: what moved."""
    old, new = before.as_mapping(), after.as_mapping()
    moved = [f"{k} {old[k]:g} -> {new[k]:g}" for k in new if old[k] != new[k]]
    return ", ".join(moved)
