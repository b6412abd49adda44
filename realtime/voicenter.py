"""Voicenter's realtime wire format, and the normaliser that turns it into typed events.

This module is the one place that knows how Voicenter spells things. It is pure: no I/O, no
framework imports, and :func:`normalise` never raises; bad input comes back as a
:class:`~realtime.events.Rejected` event for the caller to log and count.

Sources: ``shared/voicenter-docs/realtime-api.txt`` (the public examples) and
``shared/voicenter-realtime-protocol.md`` (what the official SDKs do on the wire).

Wire format
===========

Every server -> client Socket.IO event is ``["EventName", {payload}]``; a recorded stream (the
``replay`` command's input) holds one such JSON array per line. Keys are read
case-insensitively, because the spelling varies between sources (``ivruniqueid`` /
``IvrUniqueID``, ``queues`` / ``Queues``, ``servertime`` / ``serverTime``, ``CallerID`` /
``CallerId``, ``CallerName`` / ``CallerNme``).

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
representativeUpdated (milliseconds), peerStatus, calls: [Call], currentCall: Call}``;
``calls`` is the extension's full list of active calls, ``currentCall`` the one the event is
about. Call: ``{ivrid, callerphone, callername, callstatus (Ringing, Dialing, Talking, Hold),
direction (Incoming, Outgoing, Spy, Click2Call or Click2call), did, callStarted, callAnswered,
c2cdirection (1 = leg 1, 2 = leg 2), queueID?}``. The snapshot's calls may also come in the
queue-call spelling (``CallerID``, ``CallerName``, ``IvrUniqueID``, ``JoinTimeStamp``).

Login over HTTP
===============

Before the socket, ``POST <VOICENTER_LOGIN_URL>/{Token|Account|User}`` with a JSON body:
``{"token"}`` (login type ``token``), ``{"username", "password"}`` (``account``) or
``{"email", "pin"}`` (``user``). The answer is ``{"StatusCode", "Status", "Data": {"Socket":
{"Token", "URLList", "Url" | "URL", "RefreshToken", "TokenExpiry", "RefreshTokenExpiry",
"Client", "Version", "PersonId"}}}``; a body with ``error``, an HTTP 400/401/403/500, or no
``Token`` means refused (:func:`login_request`, :func:`parse_login_answer`). ``TokenExpiry`` is
ISO 8601 or ``/Date(ms)/``. The socket is then opened at ``URLList[0]`` with ``?token=<Token>``
(Engine.IO 3, websocket only, namespace ``/``, no login emit). Refresh: ``GET
<VOICENTER_REFRESH_URL>`` with ``Authorization: Bearer <RefreshToken>``, same answer.

Client -> server emits: ``keepalive`` (the token string) after 60 s without events,
``resync`` ``{"cache": false}`` after any ``*Updated`` event or when snapshots are late.

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

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from realtime.events import (
    Agent,
    AgentChanged,
    AgentsSnapshot,
    Call,
    ConfigChanged,
    Event,
    KeepaliveAnswer,
    LoginSuccess,
    Queue,
    QueueChanged,
    QueuesSnapshot,
    Rejected,
    VoicenterError,
    WaitingCall,
)

#: Voicenter's default names of the ``representativeStatus`` values (Login/Logout API doc);
#: accounts can rename them in the CPanel.
STATUS_NAMES: Mapping[int, str] = {
    1: "Login",
    2: "Logout",
    3: "Lunch",
    5: "Administrative",
    7: "Private",
    9: "Other",
    11: "Training",
    12: "Team meeting",
    13: "Brief",
}

#: Strings from Voicenter (caller names, numbers) come from strangers; we keep at most this many
#: characters of each so that one odd event cannot bloat the state every screen receives.
MAX_TEXT = 200

#: Epoch seconds past this (the year 2286) are junk, not times: seconds sent where
#: milliseconds belong, or noise. They become None ("unknown").
MAX_EPOCH = 10**10

_CALL_STATES = {
    "ringing": "Ringing",
    "dialing": "Dialing",
    "talking": "Talking",
    "hold": "Hold",
    "onhold": "Hold",
    "spying": "Talking",  # a supervisor listening in; ``direction`` says "Spy"
}
_DIRECTIONS = {
    "incoming": "Incoming",
    "outgoing": "Outgoing",
    "spy": "Spy",
    "click2call": "Click2Call",  # older servers spell it Click2call
}
_EXTENSION_REASONS = {
    r.lower(): r for r in ("NEWCALL", "ANSWER", "HOLD", "UNHOLD", "HANGUP", "userStatusUpdate")
}
_CONFIG_EVENTS = {
    "extensionsupdated": "extensions",
    "queuesupdated": "queues",
    "dialersupdated": "dialers",
}
_IGNORED_EVENTS = frozenset({"dialerevent", "alldialersstatus", "alldialerstatus"})


class _Bad(Exception):
    """Raised inside the parsers for unusable input; becomes a Rejected event."""


def status_name(status: int | None) -> str:
    if status is None:
        return "Unknown"
    return STATUS_NAMES.get(status, f"Status {status}")


def normalise(
    name: str,
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
                return (ConfigChanged(kind="config_changed", what=_CONFIG_EVENTS[key]),)  # type: ignore[arg-type]
            return (Rejected(kind="rejected", event=label, problem="unknown event"),)
        if not isinstance(payload, Mapping):
            raise _Bad(f"payload is {type(payload).__name__}, not an object")
        return handler(label, _ci(payload), offset_min, tz)
    except _Bad as bad:
        return (Rejected(kind="rejected", event=label, problem=str(bad)),)
    except Exception as exc:  # the normaliser must never take the worker down
        return (Rejected(kind="rejected", event=label, problem=f"unexpected {exc!r}"),)


# --- readers -------------------------------------------------------------------------------


def _ci(obj: Mapping[Any, Any]) -> dict[str, Any]:
    """The object with lower-cased string keys (Voicenter's spelling varies)."""
    return {k.lower(): v for k, v in obj.items() if isinstance(k, str)}


def _obj(value: object) -> dict[str, Any] | None:
    if isinstance(value, Mapping):
        return _ci(value)
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _num(value: object) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() else number
    return None


def _text(value: object) -> str:
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)[:MAX_TEXT]
    return ""


def _first(obj: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = obj.get(key)
        if value is not None and value != "":
            return value
    return None


def _list(obj: Mapping[str, Any], key: str, what: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise _Bad(f"{what} is missing or not a list")
    return value


def _error_code(obj: Mapping[str, Any]) -> int:
    """``errorCode``: absent or 0 is fine; anything else is an error (unreadable counts)."""
    raw = obj.get("errorcode")
    if raw is None or raw == "":
        return 0
    code = _int(raw)
    return -1 if code is None else code


# --- time ----------------------------------------------------------------------------------

ToUtc = Callable[[object], float | int | None]


def _clock(
    envelope: Mapping[str, Any], data: Mapping[str, Any] | None, offset_min: int | None, tz
) -> tuple[ToUtc, int | None]:
    """A converter from this payload's server-local epochs to UTC, and the offset it carried."""
    own = _int(_first(envelope, "servertimeoffset"))
    if own is None and data is not None:
        own = _int(_first(data, "servertimeoffset"))
    if own is not None and abs(own) > 24 * 60:
        own = None  # not a real UTC offset; fall back as if absent
    offset = own if own is not None else offset_min

    def to_utc(value: object) -> float | int | None:
        local = _num(value)
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


def _ms(value: object) -> float | int | None:
    number = _num(value)
    if number is None:
        return None
    seconds = number / 1000
    return int(seconds) if float(seconds).is_integer() else seconds


# --- entities ------------------------------------------------------------------------------


def _waiting_call(raw: object, to_utc: ToUtc) -> WaitingCall:
    call = _obj(raw)
    if call is None:
        raise _Bad("a waiting call is not an object")
    call_id = _text(_first(call, "ivruniqueid", "ivrid", "callid"))
    if not call_id:
        raise _Bad("a waiting call has no IvrUniqueID")
    return WaitingCall(
        call_id=call_id,
        caller_number=_text(_first(call, "callerid", "phone", "callerphone")),
        caller_name=_text(_first(call, "callername", "callernme")),
        joined_at=to_utc(_first(call, "jointimestamp", "jointime")),
    )


def _queue(raw: object, to_utc: ToUtc, drop_call: str = "") -> Queue:
    queue = _obj(raw)
    if queue is None:
        raise _Bad("a queue is not an object")
    queue_id = _text(_first(queue, "queueid", "id"))
    if not queue_id:
        raise _Bad("a queue has no QueueID")
    waiting = tuple(
        _waiting_call(c, to_utc) for c in _list(queue, "calls", f"queue {queue_id} Calls")
    )
    if drop_call:
        # The event says this caller left; never let it linger even if the list still has it.
        waiting = tuple(c for c in waiting if c.call_id != drop_call)
    return Queue(id=queue_id, name=_text(_first(queue, "queuename", "name")), waiting=waiting)


def _call(raw: object, to_utc: ToUtc, default_queue: str | None) -> Call:
    call = _obj(raw)
    if call is None:
        raise _Bad("a call is not an object")
    call_id = _text(_first(call, "ivrid", "ivruniqueid", "callid"))
    if not call_id:
        raise _Bad("a call has no ivrid")
    state = _text(call.get("callstatus"))
    direction = _text(call.get("direction"))
    queue_id = _text(_first(call, "queueid"))
    leg = _int(call.get("c2cdirection"))
    return Call(
        call_id=call_id,
        direction=_DIRECTIONS.get(direction.lower(), direction),
        state=_CALL_STATES.get(state.lower().replace(" ", ""), state),
        number=_text(_first(call, "callerphone", "callerid")),
        name=_text(_first(call, "callername", "callernme")),
        did=_text(call.get("did")),
        started_at=to_utc(_first(call, "callstarted", "jointimestamp")),
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
    ext = _obj(raw)
    if ext is None:
        raise _Bad("an extension is not an object")
    sip = _text(ext.get("extenuser"))
    if not sip:
        raise _Bad("an extension has no extenUser")
    summery = ext.get("summery")
    if isinstance(summery, list) and summery:
        summery = summery[0]
    summery = _obj(summery) or {}
    user_name = _text(ext.get("username"))
    status = _int(ext.get("representativestatus"))
    updated = _ms(ext.get("representativeupdated"))

    calls: tuple[Call, ...] | None = None
    if "calls" in ext:
        calls = tuple(
            _call(c, to_utc, event_queue if _call_id_of(c) == call_id else None)
            for c in _list(ext, "calls", f"extension {sip} calls")
        )
        if call_id and reason == "HANGUP":
            calls = tuple(c for c in calls if c.call_id != call_id)
        elif call_id and reason in ("HOLD", "UNHOLD"):
            calls = tuple(_held(c, reason) if c.call_id == call_id else c for c in calls)
    return Agent(
        extension=sip,
        number=_text(ext.get("number")),
        user_id=_int(_first(ext, "onlineuserid", "userid")),
        user_name=user_name,
        agent_name=_text(summery.get("representative")) or user_name,
        status=status,
        status_name=status_name(status),
        status_since=to_utc(updated),
        peer_status=_text(ext["peerstatus"]) if "peerstatus" in ext else None,
        calls=calls,
    )


def _call_id_of(raw: object) -> str:
    call = _obj(raw)
    return _text(_first(call, "ivrid", "ivruniqueid")) if call else ""


def _held(call: Call, reason: str) -> Call:
    if reason == "HOLD":
        return call if call.state == "Hold" else replace(call, state="Hold")
    return replace(call, state="Talking") if call.state == "Hold" else call


# --- events --------------------------------------------------------------------------------


def _login_success(label, env, offset_min, tz):
    code = _error_code(env)
    if code:
        return (VoicenterError("voicenter_error", label, code, _text(env.get("errordesc"))),)
    to_utc, own = _clock(env, None, offset_min, tz)
    return (LoginSuccess("login_success", to_utc(env.get("servertime")), own),)


def _login_status(label, env, offset_min, tz):
    code = _error_code(env)
    if code:
        return (VoicenterError("voicenter_error", label, code, _text(env.get("errordesc"))),)
    to_utc, own = _clock(env, None, offset_min, tz)
    queues, rejected = _each(label, _list(env, "queues", "queues"), lambda q: _queue(q, to_utc))
    snapshot = QueuesSnapshot("queues_snapshot", queues, to_utc(env.get("servertime")), own)
    return (snapshot, *rejected)


def _all_extensions(label, env, offset_min, tz):
    code = _error_code(env)
    if code:
        return (VoicenterError("voicenter_error", label, code, _text(env.get("errordesc"))),)
    to_utc, own = _clock(env, None, offset_min, tz)
    agents, rejected = _each(
        label, _list(env, "extensions", "extensions"), lambda e: _agent(e, to_utc)
    )
    snapshot = AgentsSnapshot("agents_snapshot", agents, to_utc(env.get("servertime")), own)
    return (snapshot, *rejected)


def _each(label, items, parse):
    """Parse every item of a snapshot; one bad item is reported, not fatal to the rest."""
    good, rejected = [], []
    for item in items:
        try:
            good.append(parse(item))
        except _Bad as bad:
            rejected.append(Rejected("rejected", label, str(bad)))
    return tuple(good), tuple(rejected)


def _queue_event(label, env, offset_min, tz):
    data = _obj(env.get("data"))
    if data is None:
        raise _Bad("data is missing or not an object")
    reason = _text(_first(env, "reason") or _first(data, "reason")).upper()
    if not reason:
        raise _Bad("reason is missing")
    to_utc, own = _clock(env, data, offset_min, tz)
    call_id = _text(_first(env, "ivruniqueid") or _first(data, "ivruniqueid"))
    leaving = call_id if reason in ("EXIT", "ANSWER", "ABANDONED") else ""
    queue = _queue(data, to_utc, drop_call=leaving)
    at = to_utc(_first(env, "servertime") or _first(data, "servertime"))
    return (QueueChanged("queue_changed", reason, queue, call_id, at, own),)  # type: ignore[arg-type]


def _extension_event(label, env, offset_min, tz):
    data = _obj(env.get("data"))
    if data is None:
        if "extenuser" not in env:
            raise _Bad("data is missing or not an object")
        data = env  # tolerate an unwrapped extension

    def pick(key: str) -> Any:
        return _first(env, key) if _first(env, key) is not None else _first(data, key)

    raw_reason = _text(pick("reason"))
    if not raw_reason:
        raise _Bad("reason is missing")
    reason = _EXTENSION_REASONS.get(raw_reason.lower(), raw_reason)
    to_utc, own = _clock(env, data, offset_min, tz)
    current = _obj(data.get("currentcall")) or {}
    call_id = _text(pick("ivruniqueid") or _first(current, "ivrid", "ivruniqueid"))
    event_queue = _text(pick("queueid")) or None
    agent = _agent(data, to_utc, reason=reason, call_id=call_id, event_queue=event_queue)
    at = to_utc(pick("servertime"))
    return (AgentChanged("agent_changed", reason, agent, call_id, _text(pick("cause")), at, own),)


def _keepalive(label, env, offset_min, tz):
    code = _error_code(env)
    return (KeepaliveAnswer("keepalive_response", code == 0, code, _text(env.get("errordesc"))),)


_HANDLERS = {
    "loginsuccess": _login_success,
    "loginstatus": _login_status,
    "allextensionsstatus": _all_extensions,
    "allextensionstatus": _all_extensions,
    "queueevent": _queue_event,
    "extensionevent": _extension_event,
    "keepaliveresponse": _keepalive,
}


# --- login ---------------------------------------------------------------------------------

#: The login body per login type: (path suffix, {body field: credential name}).
LOGIN_TYPES: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "token": ("Token", {"token": "token"}),
    "account": ("Account", {"username": "username", "password": "password"}),
    "user": ("User", {"email": "email", "pin": "pin"}),
}


@dataclass(frozen=True, slots=True)
class SocketGrant:
    """What a successful login gives: where and with which token to open the socket."""

    token: str
    urls: tuple[str, ...]
    refresh_token: str
    token_expiry: float | None  # UTC epoch seconds; None: not said
    refresh_token_expiry: float | None


class LoginRefused(Exception):
    """Voicenter refused the login or refresh (bad credentials, or an answer we cannot use)."""


def login_request(login_type: str, credentials: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """(path suffix, JSON body) of the HTTP login for ``login_type``."""
    if login_type not in LOGIN_TYPES:
        raise ValueError(f"unknown login type {login_type!r}: use token, account or user")
    suffix, fields = LOGIN_TYPES[login_type]
    missing = [name for name in fields.values() if not credentials.get(name)]
    if missing:
        raise ValueError(f"login type {login_type} needs {', '.join(missing)}")
    return suffix, {field: credentials[name] for field, name in fields.items()}


def parse_expiry(value: object) -> float | None:
    """``TokenExpiry``: ISO 8601 (UTC unless it says), ``/Date(ms)/``, or epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / (1000 if value > MAX_EPOCH else 1)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("/Date(") and text.endswith(")/"):
        digits = text[6:-2].split("+")[0].split("-")[0] if text[6:7] != "-" else ""
        number = _int(digits)
        return number / 1000 if number is not None else None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        number = _num(text)
        return float(number) if number is not None else None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_login_answer(http_status: int, body: object) -> SocketGrant:
    """The login (or refresh) answer -> :class:`SocketGrant`; raises :class:`LoginRefused`."""
    if http_status in (400, 401, 403) or http_status >= 500:
        raise LoginRefused(f"HTTP {http_status}")
    if not isinstance(body, Mapping):
        raise LoginRefused("the answer is not a JSON object")
    top = _ci(body)
    if top.get("error"):
        raise LoginRefused(f"error: {_text(top.get('error')) or 'refused'}")
    data = _obj(top.get("data")) or {}
    socket = _obj(data.get("socket")) or {}
    token = _text(socket.get("token"))
    if not token:
        status = _text(_first(top, "status", "statuscode")) or "no Socket.Token"
        raise LoginRefused(f"no socket token in the answer ({status})")
    raw_urls = socket.get("urllist")
    urls = [_text(u) for u in raw_urls] if isinstance(raw_urls, list) else []
    single = _text(_first(socket, "url"))
    if single and single not in urls:
        urls.append(single)
    urls = [u for u in urls if u]
    if not urls:
        raise LoginRefused("no monitor server URL in the answer")
    return SocketGrant(
        token=token,
        urls=tuple(urls),
        refresh_token=_text(socket.get("refreshtoken")),
        token_expiry=parse_expiry(socket.get("tokenexpiry")),
        refresh_token_expiry=parse_expiry(socket.get("refreshtokenexpiry")),
    )
