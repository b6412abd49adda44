"""The day projection: the parts of the day's numbers (:mod:`realtime.projections.day`) fed from
the event stream, read from and written to Redis, kept to the business day.

:class:`DayCounters` is a :class:`realtime.projections.Projection`. It hands each typed event to
the queue counts and the agent day, reads from Redis (:class:`realtime.daystore.DayStore`) the
days it needs and writes each batch's changes in one transaction, and about once a second
(:meth:`DayCounters.verify`) samples the waiting chart, reloads the queues' rules, starts the
board afresh at a new business day, settles the counted calls from their call records, and
gives Redis that lost today's numbers ours back. The list of callers who gave up is kept with
the calls' records and written with them (:mod:`realtime.projections.day.callers`); its
``repeats`` set each waiting caller's ``earlier`` before the projections see an event
(:attr:`DayCounters.enrich`, the pipeline's enricher).

The days in memory are yesterday and today (read at start; an older one is dropped
``KEEP_IN_MEMORY_DAYS`` after). An event of another day (an old recording replayed) waits for the
batch's commit, which reads that day first (:meth:`DayCounters.apply` does no I/O), so that it
too counts once.

The queues' rules (service-level threshold and formula, short abandons) come from Redis, kept by
the web side with each queue's settings for the board; when the rules change, the loaded days
are recounted from the calls' records, and when only the settings do, the board gets them at
once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta, tzinfo

from realtime.daystore import DayStore
from realtime.events import (
    AgentChanged,
    AgentsSnapshot,
    Event,
    QueueChanged,
    QueuesSnapshot,
)
from realtime.metrics import Outcome, QueueRules, business_day, day_bounds
from realtime.projections.day.agents import AgentDays
from realtime.projections.day.callers import Callers
from realtime.projections.day.chart import WaitingChart
from realtime.projections.day.display import Board, TodayOnBoard, board_settings
from realtime.projections.day.queues import QueueCounts
from realtime.projections.day.settling import CallRecords, Settling
from realtime.state import LEAVING

log = logging.getLogger("realtime.projections.day")

#: Call records older than this many days are dropped from memory (a call may close after the
#: midnight that follows its join, not days later).
KEEP_IN_MEMORY_DAYS = 2


def _times(event: Event) -> list[float]:
    """The known times an event counts by: its own, and its waiting callers' joins."""
    times: list[float | None] = [getattr(event, "at", None)]
    if isinstance(event, QueuesSnapshot | QueueChanged):
        queues = event.queues if isinstance(event, QueuesSnapshot) else (event.queue,)
        times += [c.joined_at for q in queues for c in q.waiting or ()]
    return [t for t in times if t is not None]


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
        self.tz = tz
        self.start_hour = start_hour
        self.clock = clock
        # the parts, one job each
        self.queues = QueueCounts(self._day, clock)
        self.agents = AgentDays(self._day, self._bounds, clock)
        self.chart = WaitingChart()
        self.display = TodayOnBoard(board, self.queues, self.chart, self.agents)
        self.settling = Settling(records, self._day, clock)
        self.callers = Callers(self.queues)
        self.rules_version: str | None = ""  # "": never loaded
        # The days whose records and counters are in memory (read from Redis, or begun here),
        # and the UTC span they cover together: an event of another day waits for its commit,
        # which reads that day first (apply() does no I/O), so an old recording counts once too.
        self.loaded: set[date] = set()
        self.calls_loaded: set[date] = set()  # the days whose calls are in memory
        self._span = (0.0, 0.0)
        self._deferred: list[Event] = []

    def enrich(self, event: Event) -> Event:
        """``event`` with its waiting callers' ``earlier`` set (repeat callers: the pipeline
        runs it on every event before the projections, :mod:`realtime.callbacks`)."""
        return self.callers.repeats.enrich(event)

    @property
    def board(self) -> Board | None:
        """The board today's numbers go to (None: counted and stored only)."""
        return self.display.board

    @board.setter
    def board(self, board: Board | None) -> None:
        self.display.board = board

    def show_counted(self) -> None:
        """The pipeline's ``today`` step (``realtime/pipeline.py``), once a batch is applied:
        the numbers of the queues it counted on the board, each once
        (:meth:`realtime.projections.day.display.TodayOnBoard.show_counted`)."""
        self.display.show_counted()

    # --- the Projection protocol ---------------------------------------------------------

    async def load(self) -> None:
        """The rules, and today's and yesterday's records and counters, from Redis; the board
        shows today's (this projection loads after the board's, whose stored state it
        replaces)."""
        await self._load_rules()
        today = self._day(self.clock())
        await self._load_days({today - timedelta(days=1), today})
        self.display.show(today)

    def begin_rebuild(self) -> None:
        """A reconnect: the counters go on (the fresh snapshots' callers are known already)."""

    def abandon_rebuild(self) -> None:
        """Nothing was set aside (:meth:`begin_rebuild`)."""

    @property
    def rebuilding(self) -> bool:
        return False

    async def apply(self, event: Event) -> None:
        if self._deferred or not self._in_loaded_days(event):
            self._deferred.append(event)  # after the days it needs are read (commit)
            return
        self._apply(event)

    def _apply(self, event: Event) -> None:
        if isinstance(event, QueuesSnapshot):
            offer = self.queues.offer
            for queue in event.queues:
                for caller in queue.waiting or ():
                    offer(queue.id, caller, event.at)
        elif isinstance(event, QueueChanged):
            queue, offer = event.queue, self.queues.offer
            for caller in queue.waiting or ():
                offer(queue.id, caller, event.at)
            if event.joined is not None:
                offer(queue.id, event.joined, event.at)
            if event.reason in LEAVING and event.call_id:
                outcome: Outcome = "abandoned" if event.reason == "ABANDONED" else "answered"
                self.queues.close(queue.id, event.call_id, outcome, event.at)
        elif isinstance(event, AgentsSnapshot):
            status = self.agents.status
            for agent in event.agents:
                status(agent, event.at, snapshot=True)
        elif isinstance(event, AgentChanged):
            agents = self.agents
            agents.status(event.agent, event.at, snapshot=False)
            agents.rang(event.agent)
            if event.reason == "ANSWER" and event.call_id:
                joined = agents.answer(event.agent, event.call_id, event.at)
                if joined is not None:  # a queue's tile names one more of its agents
                    self.queues.note(*joined)
            elif event.reason == "HANGUP" and event.call_id:
                agents.hang_up(event.agent, event.call_id, event.at)

    async def commit(self) -> None:
        if self._deferred:  # events of days not in memory: read those days, then count them
            deferred = self._deferred
            await self._load_days(set().union(*(self._days_of(e) for e in deferred)))
            self._deferred = []
            for event in deferred:
                self._apply(event)
        queues, agents, callers = self.queues, self.agents, self.callers
        rows = callers.to_write(queues.dirty_calls)
        dirty = queues.dirty_calls or queues.dirty_days or agents.dirty or agents.dirty_answered
        if not (dirty or rows):
            return
        counters, calls = queues.to_write()
        numbers, answered = agents.to_write()
        # raises while Redis is away: what is dirty stays so, for the next commit
        await self.store.write(counters, calls, numbers, answered, rows)
        queues.written()
        agents.written()
        callers.written(rows)

    async def verify(self) -> bool:
        """A new business day shows from zero; new rules recount; Redis that lost today's
        counters gets ours back. True if anything had to be redone. Also samples the callers
        waiting for the tiles' chart (this runs about once a second)."""
        board = self.board
        if board is not None and self.chart.sample(board.state.get("queues", {}), self.clock()):
            self.display.show_chart()
        redone = await self._load_rules()
        today = self._day(self.clock())
        if today != self.display.day:
            self._forget_before(today - timedelta(days=KEEP_IN_MEMORY_DAYS))
            await self._load_days({today})
            self.display.show(today)
            redone = True
        if self.queues.days.get(today) and not await self.store.has_day(today):
            log.warning("the day's counters are gone from Redis; writing ours back")
            self.queues.all_dirty()
            self.agents.all_dirty()
            await self.commit()
            redone = True
        return await self._settle_from_records() or redone

    def wants_resync(self) -> bool:
        return False

    def take_stats(self) -> Counter[str]:
        stats = self.queues.take_stats()
        stats.update(self.agents.take_stats())
        stats.update(self.settling.take_stats())
        stats.update(self.callers.take_stats())
        return stats

    # --- days ----------------------------------------------------------------------------

    def _day(self, ts: float) -> date:
        return business_day(ts, self.tz, self.start_hour)

    def _bounds(self, day: date) -> tuple[float, float]:
        return day_bounds(day, self.tz, self.start_hour)

    def _in_loaded_days(self, event: Event) -> bool:
        lo, hi = self._span
        return all(lo <= t < hi for t in _times(event))

    def _days_of(self, event: Event) -> set[date]:
        return {self._day(t) for t in _times(event)}

    async def _load_calls(self, days: set[date]) -> None:
        """The calls offered on ``days`` (not their counters), if not in memory yet."""
        for day in sorted(days - self.calls_loaded):
            stored = await self.store.calls(day)
            self.queues.add_calls(stored)
            held = self.queues.calls  # (the records in memory win over the stored ones)
            self.callers.index((key, held[key]) for key in stored if key in held)
            self.calls_loaded.add(day)

    async def _load_days(self, days: set[date]) -> None:
        for day in sorted(days - self.loaded):
            await self._load_calls({day})
            answered = await self.store.answered(day)
            self.queues.loaded(day, await self.store.counters(day))
            self.agents.loaded(day, await self.store.agents(day), answered)
            self.callers.loaded(day, await self.store.gave_up(day))
            self.loaded.add(day)
        self._span = self._loaded_span()
        self.agents.since = self._span[0]

    def _loaded_span(self) -> tuple[float, float]:
        """The UTC span of the loaded days that touch today (yesterday and today)."""
        today = self._day(self.clock())
        days = [d for d in (today - timedelta(days=1), today) if d in self.loaded]
        if not days:
            return (0.0, 0.0)
        return self._bounds(days[0])[0], self._bounds(days[-1])[1]

    def _forget_before(self, oldest: date) -> None:
        self.queues.forget_before(oldest)
        self.agents.forget_before(oldest)
        self.callers.forget_before(oldest)
        self.loaded = {d for d in self.loaded if d >= oldest}
        self.calls_loaded = {d for d in self.calls_loaded if d >= oldest}

    # --- rules ---------------------------------------------------------------------------

    async def _load_rules(self) -> bool:
        """Reload the queues' rules if they changed, and recount under them; True if so."""
        version, raw = await self.store.rules(self.rules_version)
        if raw is None:
            return False
        self.rules_version = version
        rules = {q: QueueRules.from_mapping(r) for q, r in raw.items()}
        shown = {q: board_settings(r) for q, r in raw.items()}
        if rules == self.queues.rules and shown == self.display.shown:
            return False
        recount = rules != self.queues.rules
        self.queues.rules, self.display.shown = rules, shown
        if recount and self.queues.calls:
            await self._recount("under the queues' new rules")
        elif self.display.day is not None:
            self.display.show(self.display.day)
        return True

    async def _recount(self, why: str, only: set[date] | None = None) -> None:
        """The counters of the loaded days (or of ``only`` those) again from the calls'
        records, under the current rules (:meth:`QueueCounts.recount`). A day's answers include
        calls offered the day before: that day's calls are read first if they are not in
        memory."""
        in_memory = set(self.queues.days)
        wanted = in_memory if only is None else only & in_memory
        await self._load_calls({day - timedelta(days=1) for day in wanted})
        self.queues.recount(why, wanted)
        if self.display.day is not None:
            self.display.show(self.display.day)

    # --- call records --------------------------------------------------------------------

    async def _settle_from_records(self) -> bool:
        """Fold in the call records a finished look found, and start the next look when it is
        due (:mod:`realtime.projections.day.settling`); True if they changed a count."""
        settling = self.settling
        if settling.records is None or not self.loaded:
            return False
        now = self.clock()
        board = self.board
        known = board is not None and bool(board.state.get("queues"))
        recorded = settling.finished(now, known)
        changed = False
        if recorded is not None:
            days = settling.settle(recorded, self.queues, self.loaded, self._queue_named)
            if days:
                await self._recount("from the call records", days)
                await self.commit()
                changed = True
        settling.look_again(now, self._span[0])
        return changed

    def _queue_named(self, name: str) -> str | None:
        board = self.board
        if board is None:
            return self.settling.queue_named(name, {}, {})
        return self.settling.queue_named(name, board.state.get("queues", {}), self.display.shown)
