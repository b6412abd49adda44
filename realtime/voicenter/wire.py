"""Voicenter's realtime wire format, and the normaliser that turns it into typed events.

This module is the one place that knows how Voicenter spells things. It is pure: no I/O, no
framework imports, and :func:`normalise` never raises; bad input comes back as a
:class:`~realtime.events.Rejected` event for the caller to log and count.

What Voicenter documents and what its own SDKs do on the wire is summarised, with links, in
``docs/voicenter.md``; this docstring is the spec of what the normaliser accepts and returns.

Wire format
===========

Every server -> client Socket.IO event is ``["EventName", {payload}]``; a recorded stream (the
``replay`` command's input) holds one such JSON array per line. Keys are read
case-insensitively, because the spelling varies between sources (``ivruniqueid`` /
``IvrUniqueID``, ``queues`` / ``Queues``, ``servertime`` / ``serverTime``, ``CallerID`` /
``CallerId``, ``CallerName`` / ``CallerNme``).

Bad values are unknown, not errors that travel: a number beyond 2^53 either way (ids,
statuses, times, counts; ``realtime.voicenter.fields.MAX_INT``) reads as None, so nothing after
the normaliser (the reducer, the store's and the boards' JSON) can fail on it. A snapshot
(``loginStatus``, ``AllExtensionsStatus``) with entries none of which is usable is rejected
whole: the last good state stands (an empty list still means "none"). ``null`` where a field
may be left out (``peerStatus``) means "not sent".

================================  =============================================================
event                             payload -> typed event
================================  =============================================================
``loginSuccess``                  ``{errorCode, errorDesc, servertime, servertimeoffset}``
                                  -> :class:`LoginSuccess` (non-zero ``errorCode``:
                                  :class:`VoicenterError`)
``loginStatus``                   ``{errorCode, queues: [Queue], servertime, ...}``
                                  -> :class:`QueuesSnapshot`, replaces every queue
``AllExtensionsStatus``           ``{errorCode, extensions: [Extension], servertime, ...}``
(also ``AllExtensionStatus``)     -> :class:`AgentsSnapshot`, replaces every agent
``QueueEvent``                    ``{reason: JOIN|EXIT|ANSWER|ABANDONED, data: Queue,
                                  ivruniqueid, servertime, servertimeoffset}``
                                  -> :class:`QueueChanged`
``ExtensionEvent``                ``{data: Extension}`` with ``reason`` (NEWCALL, ANSWER, HOLD,
                                  UNHOLD, HANGUP + ``cause``, userStatusUpdate),
                                  ``servertime``, ``servertimeoffset``, ``ivruniqueid``,
                                  ``callerID`` either inside ``data`` or beside it (the docs
                                  show both) -> :class:`AgentChanged`
``keepaliveResponse``             ``{isOk, errorCode, errorDesc}`` -> :class:`KeepaliveAnswer`;
                                  only a present, non-zero ``errorCode`` is an error
``ExtensionsUpdated``,            configuration changed -> :class:`ConfigChanged` (the caller
``QueuesUpdated``,                answers with ``resync``)
``DialersUpdated``
``DialerEvent``,                  dialer campaigns: not shown on the wallboard, yield nothing
``AllDialersStatus``
anything else                     -> :class:`Rejected` ("unknown event")
================================  =============================================================

Queue: ``{QueueID, QueueName, Calls: [{CallerID, CallerName, IvrUniqueID | ivrid,
JoinTimeStamp}]}``; ``Calls`` is the queue's full waiting list.

Extension: ``{extenUser (SIP user, the key), number, userID, userName, onlineUserID,
representative (user id), summery: {representative: name}, representativeStatus,
representativeUpdated (milliseconds), peerStatus, lastAnsweredCallEventEpoch,
lastHangupCallEpoch, calls: [Call], currentCall: Call}``;
``calls`` is the extension's full list of active calls, ``currentCall`` the one the event is
about. Call: ``{ivrid, callerphone, callername, callstatus (Ringing, Dialing, Talking, Hold),
direction (Incoming, Outgoing, Spy, Click2Call or Click2call), did, callStarted, callAnswered,
c2cdirection (1 = leg 1, 2 = leg 2), queueID?}``. The snapshot's calls may also come in the
queue-call spelling (``CallerID``, ``CallerName``, ``IvrUniqueID``, ``JoinTimeStamp``).

The HTTP login that precedes the socket is :mod:`realtime.voicenter.login`; the socket is read
through :mod:`realtime.voicenter.socket` (Engine.IO 3), and held, with its ``keepalive`` and
``resync`` emits, by :mod:`realtime.worker`.

Time
====

Voicenter's epochs are server-local, not UTC: ``utc = value - servertimeoffset * 60``
(``servertimeoffset`` is in minutes, 180 in Israeli summer time). ``representativeUpdated`` is in
milliseconds. 0 means "not set" and becomes ``None``. A payload without ``servertimeoffset`` uses
the ``offset_min`` the caller passes (the last one the connection sent), else the offset of the
account's time zone ``tz`` at that local time.

Example::

    >>> from zoneinfo import ZoneInfo
    >>> [ev] = normalise("QueueEvent", {"reason": "JOIN", "servertime": 1598206105,
    ...     "servertimeoffset": 180, "ivruniqueid": "abc",
    ...     "data": {"QueueID": 7, "QueueName": "Sales", "Calls": [{"CallerID": "0501234567",
    ...         "CallerName": "Dana", "IvrUniqueID": "abc", "JoinTimeStamp": 1598206105}]}})
    >>> ev.queue.waiting[0].joined_at
    1598195305
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar

from realtime.events import (
    Agent,
    AgentChanged,
    AgentsSnapshot,
    Call,
    ConfigChanged,
    ConfigKind,
    Event,
    KeepaliveAnswer,
    LoginSuccess,
    Queue,
    QueueChanged,
    QueueReason,
    QueuesSnapshot,
    Rejected,
    VoicenterError,
    WaitingCall,
)
from realtime.voicenter.fields import (
    MAX_EPOCH,
    Bad,
    ci,
    error_code,
    first,
    integer,
    listed,
    number,
    obj,
    text,
)
from realtime.voicenter.rest import STATUS_CODES  # the status names: the Login/Logout API's

_CALL_STATES = {
    "ringing": "Ringing",
    "dialing": "Dialing",
    "talking": "Talking",
    "hold": "Hold",
    "onhold": "Hold",
    "spying": "Spying",  # listening in on another extension (``direction`` says "Spy")
}
_DIRECTIONS = {
    "incoming": "Incoming",
    "outgoing": "Outgoing",
    "spy": "Spy",
    "click2call": "Click2Call",  # older servers spell it Click2call
}


def call_state(raw: str) -> str:
    """A call's ``callstatus`` in our words (``Ringing``, ``Talking``...); an unknown one as is.
    The socket's and the Active calls API's (``realtime/fallback.py``)."""
    return _CALL_STATES.get(raw.lower().replace(" ", ""), raw)


def call_direction(raw: str) -> str:
    """A call's ``direction`` in our words (``Incoming``, ``Click2Call``...); likewise."""
    return _DIRECTIONS.get(raw.lower(), raw)


_EXTENSION_REASONS = {
    r.lower(): r for r in ("NEWCALL", "ANSWER", "HOLD", "UNHOLD", "HANGUP", "userStatusUpdate")
}
_QUEUE_REASONS: dict[str, QueueReason] = {
    "JOIN": "JOIN", "EXIT": "EXIT", "ANSWER": "ANSWER", "ABANDONED": "ABANDONED",
}  # fmt: skip
_CONFIG_EVENTS: dict[str, ConfigKind] = {
    "extensionsupdated": "extensions",
    "queuesupdated": "queues",
    "dialersupdated": "dialers",
}
_IGNORED_EVENTS = frozenset({"dialerevent", "alldialersstatus", "alldialerstatus"})


def status_name(status: int | None) -> str:
    if status is None:
        return "Unknown"
    return STATUS_CODES.get(status, f"Status {status}")


def known_event(name: object) -> bool:
    """Whether ``name`` is an event Voicenter documents (any spelling of its case)."""
    key = name.lower() if isinstance(name, str) else ""
    return key in _HANDLERS or key in _IGNORED_EVENTS or key in _CONFIG_EVENTS


def normalise(
    name: object,
    payload: object,
    *,
    offset_min: int | None = None,
    tz: tzinfo | None = None,
) -> tuple[Event, ...]:
    """Turn one raw Voicenter event into typed events. Never raises."""
    key = name.lower() if isinstance(name, str) else ""
    label = name if isinstance(name, str) else repr(name)
    try:
        handler = _HANDLERS.get(key)
        if handler is None:
            if key in _IGNORED_EVENTS:
                return ()
            if key in _CONFIG_EVENTS:
                return (ConfigChanged(kind="config_changed", what=_CONFIG_EVENTS[key]),)
            return (Rejected(kind="rejected", event=label, problem="unknown event"),)
        if not isinstance(payload, Mapping):
            raise Bad(f"payload is {type(payload).__name__}, not an object")
        return handler(label, ci(payload), offset_min, tz)
    except Bad as bad:
        return (Rejected(kind="rejected", event=label, problem=str(bad)),)
    except Exception as exc:  # the normaliser must never take the worker down
        return (Rejected(kind="rejected", event=label, problem=f"unexpected {exc!r}"),)


# --- time ----------------------------------------------------------------------------------

ToUtc = Callable[[object], float | int | None]
T = TypeVar("T")


def _clock(
    envelope: Mapping[str, Any],
    data: Mapping[str, Any] | None,
    offset_min: int | None,
    tz: tzinfo | None,
) -> tuple[ToUtc, int | None]:
    """A converter from this payload's server-local epochs to UTC, and the offset it carried."""
    own = integer(first(envelope, "servertimeoffset"))
    if own is None and data is not None:
        own = integer(first(data, "servertimeoffset"))
    if own is not None and abs(own) > 24 * 60:
        own = None  # not a real UTC offset; fall back as if absent
    offset = own if own is not None else offset_min

    def to_utc(value: object) -> float | int | None:
        local = number(value)
        if local is None or not 0 < local < MAX_EPOCH:
            return None  # 0 is "not set"; beyond MAX_EPOCH is junk, not a time
        if offset is not None:
            return local - offset * 60
        if tz is None:
            return local
        wall = datetime.fromtimestamp(local, UTC).replace(tzinfo=None)
        delta = tz.utcoffset(wall)
        return local - (int(delta.total_seconds()) if delta is not None else 0)

    return to_utc, own


def server_clock(offset_min: int | None, tz: tzinfo | None) -> ToUtc:
    """A converter from Voicenter's server-local epochs to UTC for an answer that carries no
    ``servertimeoffset`` of its own (the Active calls API: ``realtime/fallback.py``): the last
    offset the socket gave, else the account's time zone."""
    return _clock({}, None, offset_min, tz)[0]


def _ms(value: object) -> float | int | None:
    ms = number(value)
    if ms is None:
        return None
    seconds = ms / 1000
    return int(seconds) if float(seconds).is_integer() else seconds


# --- entities ------------------------------------------------------------------------------


def _waiting_call(raw: object, to_utc: ToUtc) -> WaitingCall:
    call = obj(raw)
    if call is None:
        raise Bad("a waiting call is not an object")
    call_id = text(first(call, "ivruniqueid", "ivrid", "callid"))
    if not call_id:
        raise Bad("a waiting call has no IvrUniqueID")
    return WaitingCall(
        call_id=call_id,
        caller_number=text(first(call, "callerid", "phone", "callerphone")),
        caller_name=text(first(call, "callername", "callernme")),
        joined_at=to_utc(first(call, "jointimestamp", "jointime")),
    )


def _queue(
    raw: object, to_utc: ToUtc, drop_call: str = "", *, calls_optional: bool = False
) -> Queue:
    """A queue and its waiting list; with ``calls_optional`` (a ``QueueEvent``) a payload
    without ``Calls`` gives ``waiting=None``: the list is not known, not empty."""
    queue = obj(raw)
    if queue is None:
        raise Bad("a queue is not an object")
    queue_id = text(first(queue, "queueid", "id"))
    if not queue_id:
        raise Bad("a queue has no QueueID")
    name = text(first(queue, "queuename", "name"))
    if calls_optional and queue.get("calls") is None:
        return Queue(id=queue_id, name=name, waiting=None)
    waiting = tuple(
        _waiting_call(c, to_utc) for c in listed(queue, "calls", f"queue {queue_id} Calls")
    )
    if drop_call:
        # The event says this caller left; never let it linger even if the list still has it.
        waiting = tuple(c for c in waiting if c.call_id != drop_call)
    return Queue(id=queue_id, name=name, waiting=waiting)


def _call(raw: object, to_utc: ToUtc, default_queue: str | None) -> Call:
    call = obj(raw)
    if call is None:
        raise Bad("a call is not an object")
    call_id = text(first(call, "ivrid", "ivruniqueid", "callid"))
    if not call_id:
        raise Bad("a call has no ivrid")
    state = text(call.get("callstatus"))
    direction = text(call.get("direction"))
    queue_id = text(first(call, "queueid"))
    leg = integer(call.get("c2cdirection"))
    return Call(
        call_id=call_id,
        direction=call_direction(direction),
        state=call_state(state),
        number=text(first(call, "callerphone", "callerid")),
        name=text(first(call, "callername", "callernme")),
        did=text(call.get("did")),
        started_at=to_utc(first(call, "callstarted", "jointimestamp")),
        answered_at=to_utc(call.get("callanswered")),
        queue_id=queue_id or default_queue,
        leg=leg if leg in (1, 2) else None,
    )


def _agent(
    raw: object,
    to_utc: ToUtc,
    *,
    reason: str = "",
    call_id: str = "",
    event_queue: str | None = None,
) -> Agent:
    ext = obj(raw)
    if ext is None:
        raise Bad("an extension is not an object")
    sip = text(ext.get("extenuser"))
    if not sip:
        raise Bad("an extension has no extenUser")
    summery = ext.get("summery")
    if isinstance(summery, list) and summery:
        summery = summery[0]
    summery = obj(summery) or {}
    user_name = text(ext.get("username"))
    status = integer(ext.get("representativestatus"))
    updated = _ms(ext.get("representativeupdated"))

    calls: tuple[Call, ...] | None = None
    if "calls" in ext:
        calls = tuple(
            _call(c, to_utc, event_queue if _call_id_of(c) == call_id else None)
            for c in listed(ext, "calls", f"extension {sip} calls")
        )
        if call_id and reason == "HANGUP":
            calls = tuple(c for c in calls if c.call_id != call_id)
        elif call_id and reason in ("HOLD", "UNHOLD"):
            calls = tuple(_held(c, reason) if c.call_id == call_id else c for c in calls)
    return Agent(
        extension=sip,
        number=text(ext.get("number")),
        user_id=integer(first(ext, "onlineuserid", "userid")),
        user_name=user_name,
        agent_name=text(summery.get("representative")) or user_name,
        status=status,
        status_name=status_name(status),
        status_since=to_utc(updated),
        # null is what Voicenter sends where it does not say: "not sent", not ""
        peer_status=text(ext["peerstatus"]) if ext.get("peerstatus") is not None else None,
        calls=calls,
        last_answered_at=to_utc(ext.get("lastansweredcalleventepoch")),
        last_hangup_at=to_utc(ext.get("lasthangupcallepoch")),
    )


def _call_id_of(raw: object) -> str:
    call = obj(raw)
    return text(first(call, "ivrid", "ivruniqueid")) if call else ""


def _held(call: Call, reason: str) -> Call:
    if reason == "HOLD":
        return call if call.state == "Hold" else replace(call, state="Hold")
    return replace(call, state="Talking") if call.state == "Hold" else call


# --- events --------------------------------------------------------------------------------


def _refusal(label: str, env: Mapping[str, Any]) -> VoicenterError | None:
    """A snapshot or login answer that carries a non-zero ``errorCode`` is Voicenter refusing."""
    code = error_code(env)
    return (
        VoicenterError("voicenter_error", label, code, text(env.get("errordesc"))) if code else None
    )


def _login_success(
    label: str, env: Mapping[str, Any], offset_min: int | None, tz: tzinfo | None
) -> tuple[Event, ...]:
    if error := _refusal(label, env):
        return (error,)
    to_utc, own = _clock(env, None, offset_min, tz)
    return (LoginSuccess("login_success", to_utc(env.get("servertime")), own),)


def _login_status(
    label: str, env: Mapping[str, Any], offset_min: int | None, tz: tzinfo | None
) -> tuple[Event, ...]:
    if error := _refusal(label, env):
        return (error,)
    to_utc, own = _clock(env, None, offset_min, tz)
    entries = listed(env, "queues", "queues")
    queues, rejected = _each(label, entries, lambda q: _queue(q, to_utc))
    if entries and not queues:  # junk, not "no queues": the last good state stands
        return (*rejected, Rejected("rejected", label, "no usable queue: snapshot ignored"))
    snapshot = QueuesSnapshot("queues_snapshot", queues, to_utc(env.get("servertime")), own)
    return (snapshot, *rejected)


def _all_extensions(
    label: str, env: Mapping[str, Any], offset_min: int | None, tz: tzinfo | None
) -> tuple[Event, ...]:
    if error := _refusal(label, env):
        return (error,)
    to_utc, own = _clock(env, None, offset_min, tz)
    entries = listed(env, "extensions", "extensions")
    agents, rejected = _each(label, entries, lambda e: _agent(e, to_utc))
    if entries and not agents:  # junk, not "no extensions": the last good state stands
        return (*rejected, Rejected("rejected", label, "no usable extension: snapshot ignored"))
    snapshot = AgentsSnapshot("agents_snapshot", agents, to_utc(env.get("servertime")), own)
    return (snapshot, *rejected)


def _each(
    label: str, items: Iterable[object], parse: Callable[[object], T]
) -> tuple[tuple[T, ...], tuple[Rejected, ...]]:
    """Parse every item of a snapshot; one bad item is reported, not fatal to the rest."""
    good: list[T] = []
    rejected: list[Rejected] = []
    for item in items:
        try:
            good.append(parse(item))
        except Bad as bad:
            rejected.append(Rejected("rejected", label, str(bad)))
    return tuple(good), tuple(rejected)


def _queue_event(
    label: str, env: Mapping[str, Any], offset_min: int | None, tz: tzinfo | None
) -> tuple[Event, ...]:
    data = obj(env.get("data"))
    if data is None:
        raise Bad("data is missing or not an object")
    raw_reason = text(first(env, "reason") or first(data, "reason")).upper()
    if not raw_reason:
        raise Bad("reason is missing")
    reason: QueueReason | str = _QUEUE_REASONS.get(raw_reason, raw_reason)  # others pass too
    to_utc, own = _clock(env, data, offset_min, tz)
    call_id = text(first(env, "ivruniqueid") or first(data, "ivruniqueid"))
    leaving = call_id if reason in ("EXIT", "ANSWER", "ABANDONED") else ""
    queue = _queue(data, to_utc, drop_call=leaving, calls_optional=True)
    at = to_utc(first(env, "servertime") or first(data, "servertime"))
    joined: WaitingCall | None = None
    if queue.waiting is None:
        # No list: what the event says is who it is about (the reducer updates the last list)
        if not call_id:
            raise Bad(f"queue {queue.id} Calls is missing and no ivruniqueid says who moved")
        if reason == "JOIN":
            joined = WaitingCall(
                call_id=call_id,
                caller_number=text(first(env, "callerid") or first(data, "callerid")),
                caller_name=text(
                    first(env, "callername", "callernme") or first(data, "callername", "callernme")
                ),
                joined_at=at,
            )
    return (QueueChanged("queue_changed", reason, queue, call_id, at, own, joined),)


def _extension_event(
    label: str, env: Mapping[str, Any], offset_min: int | None, tz: tzinfo | None
) -> tuple[Event, ...]:
    wrapped = obj(env.get("data"))
    if wrapped is None and "extenuser" not in env:
        raise Bad("data is missing or not an object")
    data: Mapping[str, Any] = env if wrapped is None else wrapped  # tolerate an unwrapped one

    def pick(key: str) -> Any:
        return first(env, key) if first(env, key) is not None else first(data, key)

    raw_reason = text(pick("reason"))
    if not raw_reason:
        raise Bad("reason is missing")
    reason = _EXTENSION_REASONS.get(raw_reason.lower(), raw_reason)
    to_utc, own = _clock(env, data, offset_min, tz)
    current = obj(data.get("currentcall")) or {}
    call_id = text(pick("ivruniqueid") or first(current, "ivrid", "ivruniqueid"))
    event_queue = text(pick("queueid")) or None
    agent = _agent(data, to_utc, reason=reason, call_id=call_id, event_queue=event_queue)
    at = to_utc(pick("servertime"))
    return (AgentChanged("agent_changed", reason, agent, call_id, text(pick("cause")), at, own),)


def _keepalive(
    label: str, env: Mapping[str, Any], offset_min: int | None, tz: tzinfo | None
) -> tuple[Event, ...]:
    code = error_code(env)
    return (KeepaliveAnswer("keepalive_response", code == 0, code, text(env.get("errordesc"))),)


Handler = Callable[[str, Mapping[str, Any], int | None, tzinfo | None], tuple[Event, ...]]
_HANDLERS: dict[str, Handler] = {
    "loginsuccess": _login_success,
    "loginstatus": _login_status,
    "allextensionsstatus": _all_extensions,
    "allextensionstatus": _all_extensions,
    "queueevent": _queue_event,
    "extensionevent": _extension_event,
    "keepaliveresponse": _keepalive,
}
