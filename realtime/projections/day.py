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

Counters (:meth:`take_stats`): ``day_offered``, ``day_answered``, ``day_abandoned`` (calls
counted), ``day_duplicates`` (events about calls already counted).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta, tzinfo
from typing import Any, Protocol

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
    Outcome,
    QueueDay,
    QueueRules,
    business_day,
    closed,
    day_bounds,
    figures,
    offered,
)
from realtime.state import LEAVING, Entity

log = logging.getLogger("realtime.projections.day")

#: The board's collection of today's numbers, keyed by queue id.
COLLECTION = "today"
#: The chart of callers waiting: one point a minute (the most waiting at once in it), this many.
HISTORY_MINUTES = 60
#: Call records older than this many days are dropped from memory (a call may close after the
#: midnight that follows its join, not days later).
KEEP_IN_MEMORY_DAYS = 2


#: A queue's name and alert thresholds on the board, when it has no settings of its own.
NOT_SET: dict[str, Any] = {
    "display_name": "", "alert_waiting": None, "alert_longest_wait_s": None, "alert_sl_pct": None,
}  # fmt: skip


def board_settings(raw: object) -> dict[str, Any]:
    """What the board shows a queue by, from its stored settings (anything unreadable: unset)."""
    settings = raw if isinstance(raw, dict) else {}
    name = settings.get("display_name")
    shown: dict[str, Any] = {"display_name": name[:200] if isinstance(name, str) else ""}
    for key, top in (("alert_waiting", 100_000), ("alert_longest_wait_s", 86_400),
                     ("alert_sl_pct", 100)):  # fmt: skip
        value = settings.get(key)
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top
        shown[key] = value if ok else None
    return shown


def _times(event: Event) -> list[float]:
    """The known times an event counts by: its own, and its waiting callers' joins."""
    times: list[float | None] = [getattr(event, "at", None)]
    if isinstance(event, QueuesSnapshot | QueueChanged):
        queues = event.queues if isinstance(event, QueuesSnapshot) else (event.queue,)
        times += [c.joined_at for q in queues for c in q.waiting or ()]
    return [t for t in times if t is not None]


class Board(Protocol):
    """Where today's numbers go (``realtime.projections.board.BoardState``)."""

    state: dict[str, dict[str, Entity]]

    def put(self, collection: str, entities: dict[str, Entity], replace: bool = False) -> None: ...


class DayCounters:
    def __init__(
        self,
        store: DayStore,
        tz: tzinfo,
        start_hour: int = 0,
        board: Board | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.tz = tz
        self.start_hour = start_hour
        self.board = board
        self.clock = clock
        self.rules: dict[str, QueueRules] = {}
        self.shown: dict[str, dict[str, Any]] = {}  # queue id -> its name and alerts (board)
        self.rules_version: str | None = ""  # "": never loaded
        self.days: dict[date, dict[str, QueueDay]] = {}
        self.calls: dict[str, dict[str, Any]] = {}  # "<queue>:<call>" -> record
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
        self._span = (0.0, 0.0)
        self._deferred: list[Event] = []
        # callers waiting, per queue: the most at once in each of the last HISTORY_MINUTES
        # minutes (oldest first; in memory: a restart starts the chart afresh), and in this one
        self.history: dict[str, deque[int]] = {}
        self._minute: int | None = None
        self._peak: dict[str, int] = {}

    # --- the Projection protocol ---------------------------------------------------------

    async def load(self) -> None:
        """The rules, and today's and yesterday's records and counters, from Redis; the board
        shows today's (this projection loads after the board's, whose stored state it
        replaces)."""
        await self._load_rules()
        today = self._day(self.clock())
        await self._load_days({today - timedelta(days=1), today})
        self._show(today)

    async def _load_days(self, days: set[date]) -> None:
        for day in sorted(days - self.loaded):
            self.calls.update(await self.store.calls(day))
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
        calls: dict[date, dict[str, dict[str, Any]]] = {}
        answered: dict[date, dict[str, dict[str, Any]]] = {}
        for key in self._dirty_calls:
            record, into = self.calls.get(key), calls
            if record is None:
                record, into = self.answered.get(key), answered
            if record is not None:
                into.setdefault(date.fromisoformat(record["d"]), {})[key] = record
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
        return redone

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
    ) -> dict[str, Any]:
        when = joined if joined is not None else at
        day = self._day(when if when is not None else self.clock())
        record = {"q": queue, "d": day.isoformat(), "j": joined, "o": "", "w": None, "c": None}
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
        record.update(o=outcome, w=wait, c=day.isoformat())
        self._dirty_calls[key] = None
        rules = self.rules.get(queue, QueueRules())
        self._count(day, queue, lambda counters: closed(counters, outcome, wait, rules))
        self._stats[f"day_{outcome}"] += 1

    def _count(self, day: date, queue: str, change: Callable[[QueueDay], QueueDay]) -> None:
        queues = self.days.setdefault(day, {})
        queues[queue] = change(queues.get(queue, QueueDay()))
        self._dirty_days.add((day, queue))
        if day == self.shown_day and self.board is not None:
            self.board.put(COLLECTION, {queue: self._entity(day, queue)})

    def _entity(self, day: date, queue: str) -> Entity:
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
            points.extend([len(queues.get(queue, {}).get("waiting", ()))] * (gap - 1))
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
            self._recount()
        elif self.shown_day is not None:
            self._show(self.shown_day)
        return True

    def _recount(self) -> None:
        """Every loaded day's counters again from the call records, under the current rules."""
        days: dict[date, dict[str, QueueDay]] = {day: {} for day in self.days}
        for record in self.calls.values():
            queue, rules = record["q"], self.rules.get(record["q"], QueueRules())
            offered_on = date.fromisoformat(record["d"])
            if offered_on in days:
                on = days[offered_on]
                on[queue] = offered(on.get(queue, QueueDay()))
            if record["o"] and record["c"] and date.fromisoformat(record["c"]) in days:
                on = days[date.fromisoformat(record["c"])]
                on[queue] = closed(on.get(queue, QueueDay()), record["o"], record["w"], rules)
        for day, queues in days.items():
            for queue, counters in queues.items():
                if self.days[day].get(queue) != counters:
                    self._dirty_days.add((day, queue))
            self.days[day] = queues
        log.info("recounted %d days under the queues' new rules", len(days))
        if self.shown_day is not None:
            self._show(self.shown_day)
