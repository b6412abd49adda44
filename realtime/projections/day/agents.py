"""The agent day: per agent (extension) and business day, the calls answered, the talk time and
the time spent in each status.

- calls answered: an ``ExtensionEvent`` ANSWER, once per call (:class:`AnsweredCall`, keyed
  ``a:<extension>:<call id>``: what makes each answer count once, across restarts), with the
  queue the call came through, if any: the agents who answered a queue's calls that day
  (:meth:`AgentDays.answered_by`) are who serves it, for the tiles of queues that no team
  names (``realtime/state.py``: ``answered_by``);
- talk time: from that answer to the call's HANGUP, counted on the day it ended;
- calls missed: an incoming call that rang at the extension (an ``ExtensionEvent`` listing it
  ``Ringing``) and left it (its HANGUP) unanswered there: the caller hung up, another agent of
  a ring-all queue answered it, or the queue moved it on; counted on the day it left, once
  (the rings in flight are in memory only: a restart forgets those ringing then);
- time in each status: when the agent leaves a status, the interval spent in it is added, split
  at day boundaries, to the days in memory (yesterday and today); a snapshot only says where an
  agent is, and since when if Voicenter says.

In memory; the projection (:mod:`realtime.projections.day.projection`) reads and writes Redis
(:mod:`realtime.daystore`: ``day:D:agents``, ``day:D:answered``).

Counters (:meth:`AgentDays.take_stats`): ``day_duplicates`` (an answer counted already).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import NotRequired, TypedDict

from realtime.events import Agent

#: Rings kept without their HANGUP (a lost event) before the old ones are dropped, and how old.
RINGING_KEPT = 10_000
RING_FORGET_S = 3600.0


class AgentDay(TypedDict):
    """One agent's numbers for one business day (``day:D:agents``, by extension)."""

    name: str  # who worked the extension (the last name Voicenter gave that day)
    answered: int  # calls answered
    talk_s: float  # seconds talking, of the calls that ended that day
    status_s: dict[str, float]  # status code (as text: JSON) -> seconds spent in it
    missed: int  # incoming calls that rang here unanswered (absent in a day stored before it)


class AnsweredCall(TypedDict):
    """A call an agent answered (``day:D:answered``, keyed ``a:<extension>:<call id>``)."""

    d: str  # the business day it was answered, YYYY-MM-DD
    a: float  # when it was answered (UTC epoch)
    e: float | None  # when it ended; None: not yet
    q: NotRequired[str]  # the queue it came through (absent: none, or stored before it was kept)


class AgentDays:
    def __init__(
        self,
        day_of: Callable[[float], date],
        bounds_of: Callable[[date], tuple[float, float]],
        clock: Callable[[], float],
    ) -> None:
        self.day_of = day_of  # the business day of a UTC epoch
        self.bounds_of = bounds_of  # a business day as the UTC interval [start, end)
        self.clock = clock
        self.agents: dict[date, dict[str, AgentDay]] = {}  # day -> extension -> its numbers
        self.answered: dict[str, AnsweredCall] = {}  # "a:<ext>:<call>" -> the answer
        self.statuses: dict[str, tuple[int | None, float | None]] = {}  # ext -> (status, since)
        # "<ext>:<call id>" -> since when an incoming call rings there (a HANGUP lost: dropped
        # after RING_FORGET_S, once more than RINGING_KEPT ring)
        self.ringing: dict[str, float] = {}
        # day -> queue id -> the extensions that answered its calls that day
        self.queue_agents: dict[date, dict[str, set[str]]] = {}
        self.since = 0.0  # (UTC) time in a status counts from here on: the first day in memory
        # what changed since the last write: the agents' days, the answers
        self.dirty: set[tuple[date, str]] = set()
        self.dirty_answered: dict[str, None] = {}
        self._stats: Counter[str] = Counter()

    def _day_of(self, day: date, agent: Agent) -> AgentDay:
        numbers = self.agents.setdefault(day, {}).setdefault(
            agent.extension, {"name": "", "answered": 0, "talk_s": 0.0, "status_s": {}, "missed": 0}
        )
        if agent.agent_name:
            numbers["name"] = agent.agent_name
        self.dirty.add((day, agent.extension))
        return numbers

    def answer(self, agent: Agent, call_id: str, at: float | None) -> tuple[date, str] | None:
        """``agent`` answered ``call_id`` at ``at``: counted once. The day and queue whose
        agents it joined, if it came through a queue whose calls it had not answered that day."""
        key = f"a:{agent.extension}:{call_id}"
        self.ringing.pop(f"{agent.extension}:{call_id}", None)
        if key in self.answered:
            self._stats["day_duplicates"] += 1
            return None
        when = at if at is not None else self.clock()
        day = self.day_of(when)
        record: AnsweredCall = {"d": day.isoformat(), "a": when, "e": None}
        queue = next((c.queue_id for c in agent.calls or () if c.call_id == call_id), None)
        if queue:
            record["q"] = queue
        self.answered[key] = record
        self.dirty_answered[key] = None
        self._day_of(day, agent)["answered"] += 1
        if queue and self._joins(day, queue, agent.extension):
            return day, queue
        return None

    def _joins(self, day: date, queue: str, extension: str) -> bool:
        agents = self.queue_agents.setdefault(day, {}).setdefault(queue, set())
        if extension in agents:
            return False
        agents.add(extension)
        return True

    def answered_by(self, day: date, queue: str) -> list[str]:
        """The extensions that answered ``queue``'s calls on ``day``, sorted."""
        return sorted(self.queue_agents.get(day, {}).get(queue, ()))

    def rang(self, agent: Agent) -> None:
        """The incoming calls ``agent``'s event lists as ringing (each a miss, unless answered)."""
        for call in agent.calls or ():
            if call.state == "Ringing" and call.direction == "Incoming":
                self.ringing.setdefault(f"{agent.extension}:{call.call_id}", self.clock())
        if len(self.ringing) > RINGING_KEPT:
            now = self.clock()
            self.ringing = {k: t for k, t in self.ringing.items() if now - t < RING_FORGET_S}

    def hang_up(self, agent: Agent, call_id: str, at: float | None) -> None:
        """``agent``'s call ``call_id`` ended at ``at``: its talk time, if it answered it; a
        miss, if it rang there unanswered."""
        ended = at if at is not None else self.clock()
        if self.ringing.pop(f"{agent.extension}:{call_id}", None) is not None:
            numbers = self._day_of(self.day_of(ended), agent)
            numbers["missed"] = numbers.get("missed", 0) + 1
            return
        record = self.answered.get(f"a:{agent.extension}:{call_id}")
        if record is None or record["e"] is not None:
            return  # never answered here, or already counted
        record["e"] = ended
        self.dirty_answered[f"a:{agent.extension}:{call_id}"] = None
        talk = max(0.0, ended - record["a"])
        self._day_of(self.day_of(ended), agent)["talk_s"] += talk

    def status(self, agent: Agent, at: float | None, *, snapshot: bool) -> None:
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
        start = max(start, self.since)  # counted on the days in memory (yesterday, today)
        day = self.day_of(start)
        while start < end:
            _, day_end = self.bounds_of(day)
            part_end = min(end, day_end)
            spent = self._day_of(day, agent)["status_s"]
            spent[str(status)] = round(spent.get(str(status), 0.0) + (part_end - start), 3)
            start, day = part_end, day + timedelta(days=1)

    # --- memory and Redis -------------------------------------------------------------------

    def loaded(
        self, day: date, agents: dict[str, AgentDay], answered: Mapping[str, AnsweredCall]
    ) -> None:
        """Day ``day``'s numbers and answers as stored."""
        self.answered.update(answered)
        self.agents[day] = agents
        for key, record in answered.items():
            queue = record.get("q")
            if queue and record.get("d") == day.isoformat():
                self._joins(day, queue, key.split(":", 2)[1])

    def forget_before(self, oldest: date) -> None:
        cut = oldest.isoformat()
        for key in [k for k, r in self.answered.items() if r["d"] < cut]:
            del self.answered[key]
        for day in [d for d in self.agents if d < oldest]:
            del self.agents[day]
        for day in [d for d in self.queue_agents if d < oldest]:
            del self.queue_agents[day]

    def all_dirty(self) -> None:
        """Everything in memory is to be written again (Redis lost it)."""
        self.dirty |= {(d, e) for d, numbers in self.agents.items() for e in numbers}
        self.dirty_answered |= dict.fromkeys(self.answered)

    def to_write(
        self,
    ) -> tuple[dict[date, dict[str, AgentDay]], dict[date, dict[str, AnsweredCall]]]:
        """What changed since the last write: the agents' numbers and the answers, by day."""
        answered: dict[date, dict[str, AnsweredCall]] = {}
        for key in self.dirty_answered:
            record = self.answered.get(key)
            if record is not None:
                answered.setdefault(date.fromisoformat(record["d"]), {})[key] = record
        agents: dict[date, dict[str, AgentDay]] = {}
        for day, ext in self.dirty:
            agents.setdefault(day, {})[ext] = self.agents[day][ext]
        return agents, answered

    def written(self) -> None:
        self.dirty, self.dirty_answered = set(), {}

    def take_stats(self) -> Counter[str]:
        stats, self._stats = self._stats, Counter()
        return stats
