"""Typed domain events: what :mod:`realtime.voicenter.wire` turns raw Voicenter events into.

Pure data. Every event is a frozen dataclass with a ``kind`` literal so that code can match on it;
entities (:class:`Queue`, :class:`Agent`, :class:`Call`, :class:`WaitingCall`) carry times already
converted to UTC epoch seconds (``None`` where Voicenter sent 0, "not set").

``offset_min`` on an event is the ``servertimeoffset`` that payload itself carried (``None`` when
it carried none): the caller keeps the last one it saw and hands it back to the normaliser for
payloads that omit it (the docs' ``loginStatus`` and ``AllExtensionsStatus`` examples do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

QueueReason = Literal["JOIN", "EXIT", "ANSWER", "ABANDONED"]
ConfigKind = Literal["extensions", "queues", "dialers"]


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """A caller waiting in a queue."""

    call_id: str
    caller_number: str
    caller_name: str
    joined_at: float | None
    contact: str = ""  # our contact's name for the number (realtime.contacts), "" if none
    earlier: int = 0  # the number's other calls today and yesterday (realtime.callbacks)


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue with its full current waiting list, in join order.

    ``waiting`` is ``None`` when the payload did not carry the list (a ``QueueEvent`` without
    ``Calls``): then the last known list stands, updated by what the event says.
    """

    id: str
    name: str
    waiting: tuple[WaitingCall, ...] | None


@dataclass(frozen=True, slots=True)
class Call:
    """One active call on an extension."""

    call_id: str
    direction: str
    state: str
    number: str
    name: str
    did: str
    started_at: float | None
    answered_at: float | None
    queue_id: str | None
    leg: int | None  # Click2Call leg (c2cdirection): 1 the agent's leg, 2 the target's
    contact: str = ""  # our contact's name for the number (realtime.contacts), "" if none


@dataclass(frozen=True, slots=True)
class Agent:
    """An extension's full current view.

    ``calls`` (likewise ``peer_status``) is ``None`` when the payload did not say (then the
    previous value stands), and a tuple (possibly empty) when it did: Voicenter sends the full
    list of active calls.
    """

    extension: str
    number: str
    user_id: int | None
    user_name: str
    agent_name: str
    status: int | None
    status_name: str
    status_since: float | None
    peer_status: str | None  # None: not in this payload (ExtensionEvents omit it)
    calls: tuple[Call, ...] | None
    # lastAnsweredCallEventEpoch, lastHangupCallEpoch (None: not sent, or 0)
    last_answered_at: float | None = None
    last_hangup_at: float | None = None


@dataclass(frozen=True, slots=True)
class LoginSuccess:
    kind: Literal["login_success"]
    server_time: float | None
    offset_min: int | None


@dataclass(frozen=True, slots=True)
class QueuesSnapshot:
    """``loginStatus``: every monitored queue. Replaces all queues."""

    kind: Literal["queues_snapshot"]
    queues: tuple[Queue, ...]
    at: float | None
    offset_min: int | None


@dataclass(frozen=True, slots=True)
class AgentsSnapshot:
    """``AllExtensionsStatus``: every monitored extension. Replaces all agents."""

    kind: Literal["agents_snapshot"]
    agents: tuple[Agent, ...]
    at: float | None
    offset_min: int | None


@dataclass(frozen=True, slots=True)
class QueueChanged:
    """``QueueEvent``: one queue's new waiting list, and the call the event is about.

    Without the list (``queue.waiting`` is None) the event still says who moved: ``call_id``
    left the queue (EXIT, ANSWER, ABANDONED) or ``joined`` it (JOIN).
    """

    kind: Literal["queue_changed"]
    reason: QueueReason | str  # a reason Voicenter adds later passes through, upper-cased
    queue: Queue
    call_id: str
    at: float | None
    offset_min: int | None
    joined: WaitingCall | None = None  # the caller a list-less JOIN is about


@dataclass(frozen=True, slots=True)
class AgentChanged:
    """``ExtensionEvent``: one extension's new view, and the call the event is about."""

    kind: Literal["agent_changed"]
    reason: str  # NEWCALL, ANSWER, HOLD, UNHOLD, HANGUP, userStatusUpdate
    agent: Agent
    call_id: str
    cause: str
    at: float | None
    offset_min: int | None


@dataclass(frozen=True, slots=True)
class KeepaliveAnswer:
    kind: Literal["keepalive_response"]
    ok: bool
    error_code: int
    error_desc: str


@dataclass(frozen=True, slots=True)
class ConfigChanged:
    """``ExtensionsUpdated`` / ``QueuesUpdated`` / ``DialersUpdated``: ask for a resync."""

    kind: Literal["config_changed"]
    what: ConfigKind


@dataclass(frozen=True, slots=True)
class VoicenterError:
    """A snapshot or login event that carried a non-zero ``errorCode``."""

    kind: Literal["voicenter_error"]
    event: str
    code: int
    desc: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """Input we could not use (or only partly): to be logged and counted by the caller."""

    kind: Literal["rejected"]
    event: str
    problem: str


Event = (
    LoginSuccess
    | QueuesSnapshot
    | AgentsSnapshot
    | QueueChanged
    | AgentChanged
    | KeepaliveAnswer
    | ConfigChanged
    | VoicenterError
    | Rejected
)


def with_callers(event: Event, change: Callable[[WaitingCall], WaitingCall]) -> Event:
    """``event`` with each of its waiting callers passed through ``change`` (which returns the
    very caller when it changes nothing); the very event when nothing changed. For the
    worker's enrichments (our contacts' names, repeat callers), on the hot path: what is built
    again is built directly."""
    if isinstance(event, QueueChanged):
        queue = _queue_with(event.queue, change)
        joined = change(event.joined) if event.joined is not None else None
        if queue is event.queue and joined is event.joined:
            return event
        q = event  # (dataclasses.replace costs several times more)
        return QueueChanged(q.kind, q.reason, queue, q.call_id, q.at, q.offset_min, joined)
    if isinstance(event, QueuesSnapshot):
        return replace(event, queues=tuple(_queue_with(q, change) for q in event.queues))
    return event


def _queue_with(queue: Queue, change: Callable[[WaitingCall], WaitingCall]) -> Queue:
    waiting = queue.waiting
    if not waiting:
        return queue
    for i, caller in enumerate(waiting):  # most events change no one: nothing is built then
        changed = change(caller)
        if changed is not caller:
            rest = tuple(change(c) for c in waiting[i + 1 :])
            return Queue(queue.id, queue.name, (*waiting[:i], changed, *rest))
    return queue
