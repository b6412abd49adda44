"""The wallboard state, the reducer that applies typed events to it, and deltas.

Pure: no I/O, no framework imports. The state is plain JSON-able data and is the very object a
browser receives in a ``snapshot`` (:mod:`realtime.messages`; its JSON Schema,
``realtime/messages.schema.json``, holds the state's exact shape). Its types (:class:`State`,
:class:`Delta` and an entity type per collection, TypedDicts: no cost at run time) say the same
to mypy, and ``tests/test_messages_schema.py`` holds each equal to its definition in the
schema. Times are UTC epoch seconds; ``None`` means unknown. This docstring is the spec of the
state and its deltas; ``docs/protocol.md`` links here.

State shape
===========

Example::

    {
      "queues": {
        "12345678": {
          "id": "12345678", "name": "Queue1",
          "waiting": [                                  # in join order
            {"call_id": "2020082015645675456434324949c071d", "caller_number": "0501234567",
             "caller_name": "John Doe", "joined_at": 1597930909, "contact": "Dana Cohen",
             "earlier": 1}
          ]
        }
      },
      "agents": {
        "SIPSIP2": {                                    # keyed by the extension's SIP user
          "extension": "SIPSIP2", "number": "9876542",
          "user_id": 12345679, "user_name": "Lois Lane",
          "agent_name": "Lois Lane",                    # who works the extension now
          "status": 1, "status_name": "Login", "status_since": 1597934133,
          "peer_status": "OK",
          "last_answered_at": 1606897234, "last_hangup_at": 1606897339,
          "calls": [
            {"call_id": "202012021122010135330b4f77", "direction": "Incoming",
             "state": "Talking", "number": "0501234567", "name": "Test Voicenter",
             "did": "0722776772", "started_at": 1606900923, "answered_at": 1606900934,
             "queue_id": null, "leg": null, "contact": ""}
          ]
        }
      },
      "today": {
        "12345678": {                                   # today's numbers, by queue id
          "day": "2020-08-23", "offered": 10, "answered": 8, "abandoned": 2,
          "short_abandoned": 1, "answered_within_sl": 6, "abandoned_within_sl": 1,
          "answered_timed": 8, "wait_answered_s": 96.0, "longest_wait_s": 41.0,
          "service_level_pct": 60.0, "asa_s": 12.0, "abandon_rate_pct": 20.0,
          "sl_threshold_s": 20, "short_abandon_s": 5, "formula": "strict",
          "display_name": "Sales", "alert_waiting": 5, "alert_longest_wait_s": 60,
          "alert_sl_pct": 80, "waiting_last_hour": [0, 2, 3, 1],
          "answered_by": ["SIP101", "SIP104"]
        }
      }
    }

Fields (where each comes from in Voicenter's events: ``docs/voicenter.md#events``):

- ``today``: the current business day's counters and metrics of each queue that had calls or
  has settings, keyed by queue id; their definitions are :mod:`realtime.metrics`' (the reducer
  does not touch them: :mod:`realtime.projections.day` counts them), with the queue's settings
  for the board: ``display_name`` ("": Voicenter's name), its alert thresholds (null: none) and
  ``alert_sl_pct``, its service-level target (80 unless its settings say otherwise; null: none),
  ``waiting_last_hour``: the most callers waiting at once in each of the last minutes
  (up to 60, oldest first), and ``answered_by``: the agents (SIP users) who answered its calls
  that day, sorted (who serves a queue no team names: Voicenter's feed lists no queue members).

- ``queues``: keyed by Voicenter's queue id, as a string; ``waiting``: the callers waiting in
  that queue now, in join order.
- ``agents``: keyed by the extension's SIP user (``extenUser``). ``agent_name``: who works the
  extension now (``summery.representative``), else the extension's user.
- ``status`` / ``status_name``: Voicenter's ``representativeStatus`` (1 Login, 2 Logout, 3 Lunch,
  5 Administrative, 7 Private, 9 Other, 11 Training, 12 Team meeting, 13 Brief; accounts can
  rename them) and its name (``Status <n>`` for another code, ``Unknown`` for none);
  ``status_since``: when the agent entered that status (see the rules below).
- ``last_answered_at`` / ``last_hangup_at``: when the extension last answered a call and
  when a call of its last ended (Voicenter's ``lastAnsweredCallEventEpoch`` and
  ``lastHangupCallEpoch``); null: never, or not known. How long an agent has been idle is
  told from them (``static/board/present.js`` ``idleSince``).
- ``calls``: the extension's active calls. ``state`` is one of Ringing, Dialing, Talking, Hold,
  Spying (listening in on another extension: not talking); ``direction`` one of Incoming,
  Outgoing, Spy, Click2Call (any other value Voicenter sends passes through); ``leg`` is the
  Click2Call leg (1: the agent's phone rings, 2: the target) or null; ``queue_id`` the queue
  the call came through, when Voicenter says.
- ``contact`` (waiting callers and calls): the name of our contact with that number
  (:mod:`realtime.contacts`), ``""`` when the number is no contact's.
- ``earlier`` (waiting callers): how many other calls that number made today and yesterday
  (:mod:`realtime.callbacks`, "Repeat callers"); 0 for a first call or a withheld number.
- Every string that comes from Voicenter is capped at 200 characters. Caller names and numbers
  come from strangers: every consumer shows them as text, never as HTML.

Deltas
======

:func:`reduce` returns the new state and the delta that leads to it from the old one, or
``None`` when nothing changed (a no-op emits nothing). A delta names, per collection, the
entities to set (added or changed: the whole new entity) and the keys to delete; empty parts are
left out::

    {"queues": {"set": {"12345678": {...whole queue...}}},
     "agents": {"set": {"SIPSIP1": {...}}, "del": ["SIPSIP9"]}}

Applying one (:func:`apply_delta`; the browser's ``static/board/reducer.js`` likewise): for each
collection, replace or add every entity in ``set``, remove every key in ``del``. Invariant
(tested as a property): ``apply_delta(old, delta) == new``, so the deltas applied in ``seq``
order to the snapshot they follow give the current state.

Merging (:func:`merge_deltas`): the worker commits a batch of events as one delta.
``merge_deltas(a, b)`` is the one delta with the effect of ``a`` then ``b`` (the newest
version of an entity wins; a removal stays a removal unless set again):
``apply_delta(apply_delta(s, a), b) == apply_delta(s, merge_deltas(a, b))`` for every state
``s`` (tested as a property).

Rules
=====

- ``loginStatus`` replaces every queue; ``AllExtensionsStatus`` replaces every agent (one
  missing from it is removed).
- A ``QueueEvent`` replaces that queue (its waiting list is ``data.Calls``); an
  ``ExtensionEvent`` replaces that agent. Voicenter sends the entity's whole current view each
  time, so replaying an event is harmless.
- An ``ExtensionEvent`` for an extension that is not in the state (the last
  ``AllExtensionsStatus`` did not list it) changes nothing: only monitored extensions have
  cards (:func:`monitored`; the board's projection counts them and asks for fresh snapshots
  when they repeat).
- A ``QueueEvent`` without ``Calls`` still says who moved: the caller it names leaves the
  last known list (EXIT, ANSWER, ABANDONED) or joins its end (JOIN).
- ``status_since``: Voicenter's ``representativeUpdated`` when it sent one; else the previous
  value if the status did not change; else the time of the live event that changed it
  (unknown for a snapshot).
- An event that does not say which calls an extension has (no ``calls`` key) keeps its calls,
  except the call a HANGUP names, which ends; likewise ``peer_status``, which
  ``ExtensionEvent`` payloads omit.
- ``last_answered_at`` / ``last_hangup_at``: what Voicenter sent, never earlier than the last
  known (a payload without them, with 0, or replayed keeps it). A HANGUP that ends a call the
  agent had answered is a call ended at the event's time, even when ``lastHangupCallEpoch``
  says earlier (the Real Time API page's Click2Call leg 2 HANGUP example still carries the
  previous call's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Literal, TypedDict, TypeVar, cast

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
from realtime.metrics import Figures

#: The reasons of a ``QueueEvent`` whose caller leaves the queue.
LEAVING = frozenset({"EXIT", "ANSWER", "ABANDONED"})

# The shapes above as types (each held equal to its definition in messages.schema.json by
# tests/test_messages_schema.py: the same fields, the same ones required).


class WaitingView(TypedDict):
    """A caller waiting in a queue (``waiting_call`` in the schema)."""

    call_id: str
    caller_number: str
    caller_name: str
    joined_at: float | None
    contact: str
    earlier: int


class QueueView(TypedDict):
    """A queue (``queue``), keyed by its id."""

    id: str
    name: str
    waiting: list[WaitingView]


class CallView(TypedDict):
    """An extension's active call (``call``)."""

    call_id: str
    direction: str
    state: str
    number: str
    name: str
    did: str
    started_at: float | None
    answered_at: float | None
    queue_id: str | None
    leg: int | None
    contact: str


class AgentView(TypedDict):
    """An extension and who works it (``agent``), keyed by its SIP user."""

    extension: str
    number: str
    user_id: int | None
    user_name: str
    agent_name: str
    status: int | None
    status_name: str
    status_since: float | None
    peer_status: str
    last_answered_at: float | None
    last_hangup_at: float | None
    calls: list[CallView]


class BoardSettings(TypedDict):
    """What the board shows a queue by, from its settings: its name ("": Voicenter's), its
    alert thresholds (None: no alert) and its service-level target (``alert_sl_pct``)."""

    display_name: str
    alert_waiting: int | None
    alert_longest_wait_s: int | None
    alert_sl_pct: int | None


class TodayView(Figures, BoardSettings):
    """A queue's numbers for the business day shown (``queue_day``), keyed by queue id: its
    :func:`realtime.metrics.figures`, the day, its settings and its chart."""

    day: str
    waiting_last_hour: list[int]
    answered_by: list[str]


class State(TypedDict):
    """The whole state: one map of key -> entity per collection (``state``)."""

    queues: dict[str, QueueView]
    agents: dict[str, AgentView]
    today: dict[str, TodayView]


E = TypeVar("E")
# ("del" is a keyword: declared the functional way, then inherited)
_Removed = TypedDict("_Removed", {"del": list[str]}, total=False)


class Part(_Removed, Generic[E], total=False):
    """A delta's change to one collection: the entities to set, whole, and the keys to
    delete; an empty one is left out."""

    set: dict[str, E]


class Delta(TypedDict, total=False):
    """One change to the state (``state_delta``): a part per collection it changes."""

    queues: Part[QueueView]
    agents: Part[AgentView]
    today: Part[TodayView]


#: Any collection's entity.
Entity = QueueView | AgentView | TodayView
CollectionName = Literal["queues", "agents", "today"]
#: The state's collections, each a map of key -> entity. The store, the browser protocol's
#: schema and the browser's reducer follow this list: adding a collection starts here.
#: ``today`` is not the reducer's: :mod:`realtime.projections.day` puts it.
COLLECTIONS: tuple[CollectionName, ...] = ("queues", "agents", "today")
# A state and a delta seen collection by collection, for the code that treats every collection
# alike (where its keys are not literal, mypy types a TypedDict's values as object).
Collections = dict[str, dict[str, Entity]]
Parts = dict[str, Part[Any]]


def empty_state() -> State:
    return {"queues": {}, "agents": {}, "today": {}}


def queue_view(queue: Queue) -> QueueView:
    """A queue's state entry from a queue whose waiting list is known."""
    return {
        "id": queue.id,
        "name": queue.name,
        "waiting": [waiting_view(c) for c in queue.waiting or ()],
    }


def waiting_view(c: WaitingCall) -> WaitingView:
    return {
        "call_id": c.call_id,
        "caller_number": c.caller_number,
        "caller_name": c.caller_name,
        "joined_at": c.joined_at,
        "contact": c.contact,
        "earlier": c.earlier,
    }


def moved_queue_view(event: QueueChanged, previous: QueueView | None) -> QueueView:
    """A ``QueueEvent`` that did not carry the waiting list: the last known list, less the
    caller who left (EXIT, ANSWER, ABANDONED) or plus the one who joined."""
    waiting = list(previous.get("waiting", [])) if previous is not None else []
    if event.reason in LEAVING:
        waiting = [c for c in waiting if c.get("call_id") != event.call_id]
    if event.joined is not None and all(c.get("call_id") != event.call_id for c in waiting):
        waiting.append(waiting_view(event.joined))
    name = event.queue.name or (str(previous.get("name", "")) if previous is not None else "")
    return {"id": event.queue.id, "name": name, "waiting": waiting}


def _later(a: float | None, b: object) -> float | None:
    """The later of two known times (None: unknown)."""
    known = b if isinstance(b, int | float) and not isinstance(b, bool) else None
    if a is None:
        return known
    return a if known is None or a >= known else float(known)


def call_view(call: Call) -> CallView:
    return {
        "call_id": call.call_id,
        "direction": call.direction,
        "state": call.state,
        "number": call.number,
        "name": call.name,
        "did": call.did,
        "started_at": call.started_at,
        "answered_at": call.answered_at,
        "queue_id": call.queue_id,
        "leg": call.leg,
        "contact": call.contact,
    }


def agent_view(
    agent: Agent, previous: AgentView | None, at: float | None, ended: str = ""
) -> AgentView:
    """The agent's state entry; ``at`` is the time of the live event (None for a snapshot);
    ``ended``: the call a HANGUP is about, dropped from the previous calls when the event did
    not carry the list."""
    since: float | None
    if agent.status_since is not None:
        since = agent.status_since
    elif previous is not None and previous.get("status") == agent.status:
        since = previous.get("status_since")
    else:
        since = at
    answered_at, hangup_at = agent.last_answered_at, agent.last_hangup_at
    if previous is not None:  # (never back in time: a replayed event changes nothing)
        answered_at = _later(answered_at, previous.get("last_answered_at"))
        hangup_at = _later(hangup_at, previous.get("last_hangup_at"))
    if ended and at is not None and (hangup_at is None or hangup_at < at):
        # an answered call ended now, whatever the payload says: answered as we knew it, or as
        # the event's own list has it (so that the event replayed changes nothing more)
        known = previous.get("calls", []) if previous is not None else []
        if any(
            c.get("call_id") == ended and c.get("answered_at") is not None for c in known
        ) or any(c.call_id == ended and c.answered_at is not None for c in agent.calls or ()):
            hangup_at = at
    if agent.calls is not None:
        calls = [call_view(c) for c in agent.calls]
    else:
        calls = list(previous.get("calls", [])) if previous is not None else []
        if ended:
            calls = [c for c in calls if c.get("call_id") != ended]
    return {
        "extension": agent.extension,
        "number": agent.number,
        "user_id": agent.user_id,
        "user_name": agent.user_name,
        "agent_name": agent.agent_name,
        "status": agent.status,
        "status_name": agent.status_name,
        "status_since": since,
        "peer_status": (
            agent.peer_status
            if agent.peer_status is not None
            else (previous.get("peer_status", "") if previous is not None else "")
        ),
        "last_answered_at": answered_at,
        "last_hangup_at": hangup_at,
        "calls": calls,
    }


def reduce(state: State, event: Event) -> tuple[State, Delta | None]:
    """Apply one typed event. Returns the new state and its delta (None: nothing changed).

    The input state is not modified.
    """
    # (each collection spelt out: a TypedDict's keys are literal)
    if isinstance(event, QueuesSnapshot):
        queues = {q.id: queue_view(q) for q in event.queues}
        whole = diff(state["queues"], queues)
        if whole is None:
            return state, None
        return {**state, "queues": queues}, {"queues": whole}
    if isinstance(event, AgentsSnapshot):
        old = state["agents"]
        agents = {a.extension: agent_view(a, old.get(a.extension), None) for a in event.agents}
        all_agents = diff(old, agents)
        if all_agents is None:
            return state, None
        return {**state, "agents": agents}, {"agents": all_agents}
    if isinstance(event, QueueChanged):
        queue, known = event.queue, state["queues"]
        if queue.waiting is None:
            queue_now = moved_queue_view(event, known.get(queue.id))
        else:
            queue_now = queue_view(queue)
        if known.get(queue.id) == queue_now:
            return state, None
        changed: State = {**state, "queues": {**known, queue.id: queue_now}}
        return changed, {"queues": {"set": {queue.id: queue_now}}}
    if isinstance(event, AgentChanged):
        ext, listed = event.agent.extension, state["agents"]
        previous = listed.get(ext)
        if previous is None:
            return state, None  # not a monitored extension (see monitored())
        ended = event.call_id if event.reason == "HANGUP" else ""
        agent_now = agent_view(event.agent, previous, event.at, ended)
        if previous == agent_now:
            return state, None
        moved: State = {**state, "agents": {**listed, ext: agent_now}}
        return moved, {"agents": {"set": {ext: agent_now}}}
    return state, None


def monitored(state: State, event: Event) -> bool:
    """False for an ``ExtensionEvent`` about an extension the last ``AllExtensionsStatus`` did
    not list: :func:`reduce` ignores it (Voicenter's own SDK updates only the extensions it
    holds), and the caller counts it."""
    return not isinstance(event, AgentChanged) or event.agent.extension in state["agents"]


def diff(old: Mapping[str, E], new: Mapping[str, E]) -> Part[E] | None:
    """The part of a delta that turns collection ``old`` into ``new``; None when equal."""
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    return part_of(changed, [k for k in old if k not in new])


def part_of(sets: dict[str, E], dels: list[str]) -> Part[E] | None:
    """The part of a delta that sets ``sets`` and removes ``dels``; None when both are empty."""
    part: Part[E] = {}
    if sets:
        part["set"] = sets
    if dels:
        part["del"] = dels
    return part or None


def merge_deltas(first: Delta | None, second: Delta | None) -> Delta | None:
    """One delta with the effect of ``first`` then ``second``; None when both are None."""
    if first is None or second is None:
        return second if first is None else first
    before, after, merged = cast(Parts, first), cast(Parts, second), cast(Parts, {})
    for name in before.keys() | after.keys():
        a, b = before.get(name, {}), after.get(name, {})
        b_del = set(b.get("del", ()))
        b_set = {k: v for k, v in b.get("set", {}).items() if k not in b_del}  # del wins in b
        sets = {k: v for k, v in a.get("set", {}).items() if k not in b_del} | b_set
        dels = [k for k in a.get("del", ()) if k not in b_set]
        dels += [k for k in b.get("del", ()) if k not in dels]
        if part := part_of(sets, dels):
            merged[name] = part
    return cast(Delta, merged)


def diff_states(old: State, new: State) -> Delta | None:
    """The delta between two whole states (None when equal)."""
    delta: Parts = {}
    before, after = cast(Collections, old), cast(Collections, new)
    for name in COLLECTIONS:
        part = diff(before.get(name, {}), after.get(name, {}))
        if part is not None:
            delta[name] = part
    return cast(Delta, delta) or None


def apply_delta(state: State, delta: Delta) -> State:
    """The state after ``delta``; the input is not modified."""
    result = dict(cast(Collections, state))
    for name, part in cast(Parts, delta).items():
        collection = dict(result.get(name, {}))
        collection.update(part.get("set", {}))
        for key in part.get("del", ()):
            collection.pop(key, None)
        result[name] = collection
    return cast(State, result)
