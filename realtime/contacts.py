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
    Queue,
    QueueChanged,
    QueuesSnapshot,
    WaitingCall,
)
from realtime.phones import key_of


class ContactNames:
    def __init__(self, names: Mapping[str, str] | None = None, region: str = "IL") -> None:
        self.names = dict(names or {})
        self.region = region
        self.version: str | None = None  # the directory's version these names are from

    def name_of(self, number: str) -> str:
        """The contact's name for ``number``, or ""."""
        if not self.names or not number:
            return ""
        key = key_of(number, self.region)
        return self.names.get(key, "") if key else ""

    def enrich(self, event: Event) -> Event:
        """``event`` with the ``contact`` of its waiting callers and calls set."""
        if not self.names:
            return event
        if isinstance(event, QueueChanged):
            return replace(event, queue=self._queue(event.queue))
        if isinstance(event, QueuesSnapshot):
            return replace(event, queues=tuple(self._queue(q) for q in event.queues))
        if isinstance(event, AgentChanged):
            return replace(event, agent=self._agent(event.agent))
        if isinstance(event, AgentsSnapshot):
            return replace(event, agents=tuple(self._agent(a) for a in event.agents))
        return event

    def _queue(self, queue: Queue) -> Queue:
        return replace(queue, waiting=tuple(self._waiting(c) for c in queue.waiting))

    def _waiting(self, caller: WaitingCall) -> WaitingCall:
        name = self.name_of(caller.caller_number)
        return replace(caller, contact=name) if name != caller.contact else caller

    def _agent(self, agent: Agent) -> Agent:
        if agent.calls is None:
            return agent
        return replace(agent, calls=tuple(self._call(c) for c in agent.calls))

    def _call(self, call: Call) -> Call:
        name = self.name_of(call.number)
        return replace(call, contact=name) if name != call.contact else call
