"""Our contacts' names on the board: the directory the worker names callers from.

Pure: no I/O. The web side keeps a directory in Redis (``wallboard.contacts.directory``:
E.164 number -> the contact's name, and a version that changes with it); the worker loads it
(:meth:`realtime.store.StateStore.contact_names`) and reloads it when the version moves, and the
pipeline passes every typed event through :meth:`ContactNames.enrich` before the projections,
so that a waiting caller's or a call's ``contact`` is set once, in the worker, and every board
receives it in the same frames: naming costs nothing per screen. A number is matched whatever
its spelling (``0501234567``, ``972501234567``, ``+972-50-...``; :func:`realtime.phones.key_of`).
A contact renamed later shows from the caller's next event on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from realtime.events import (
    Agent,
    AgentChanged,
    AgentsSnapshot,
    Call,
    Event,
    QueueChanged,
    QueuesSnapshot,
    WaitingCall,
    with_callers,
)
from realtime.phones import key_of

#: Numbers remembered with their name (or none) between two directory loads: the same callers
#: come back in event after event (each QueueEvent carries the queue's whole waiting list).
MEMO_SIZE = 100_000


class ContactNames:
    def __init__(self, names: Mapping[str, str] | None = None, region: str = "IL") -> None:
        self.region = region
        self.version: str | None = None  # the directory's version these names are from
        self.load(names or {})

    def load(self, names: Mapping[str, str], version: str | None = None) -> None:
        """A new directory (E.164 -> name)."""
        self.names = dict(names)
        self.version = version
        self._memo: dict[str, str] = {}

    def name_of(self, number: str) -> str:
        """The contact's name for ``number``, or ""."""
        name = self._memo.get(number)
        if name is None:
            key = key_of(number, self.region) if number else None
            name = self.names.get(key, "") if key else ""
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[number] = name
        return name

    def enrich(self, event: Event) -> Event:
        """``event`` with the ``contact`` of its waiting callers and calls set."""
        if not self.names:
            return event
        if isinstance(event, QueueChanged | QueuesSnapshot):
            return with_callers(event, self._waiting)
        if isinstance(event, AgentChanged):
            agent = self._agent(event.agent)
            if agent is event.agent:
                return event
            a = event
            return AgentChanged(a.kind, a.reason, agent, a.call_id, a.cause, a.at, a.offset_min)
        if isinstance(event, AgentsSnapshot):
            return replace(event, agents=tuple(self._agent(a) for a in event.agents))
        return event

    def _waiting(self, caller: WaitingCall) -> WaitingCall:
        name = self.name_of(caller.caller_number)
        if name == caller.contact:
            return caller
        # (built directly: dataclasses.replace costs several times more, on the hot path)
        c = caller
        return WaitingCall(c.call_id, c.caller_number, c.caller_name, c.joined_at, name, c.earlier)

    def _agent(self, agent: Agent) -> Agent:
        if not agent.calls:
            return agent
        calls = tuple(self._call(c) for c in agent.calls)
        if all(new is old for new, old in zip(calls, agent.calls, strict=True)):
            return agent
        return replace(agent, calls=calls)

    def _call(self, call: Call) -> Call:
        name = self.name_of(call.number)
        if name == call.contact:
            return call
        c = call
        return Call(
            c.call_id, c.direction, c.state, c.number, c.name, c.did, c.started_at,
            c.answered_at, c.queue_id, c.leg, name,
        )  # fmt: skip
