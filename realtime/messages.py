"""The browser protocol: every frame between the wallboard's websocket and a board.

Pure: builders return plain dicts, one builder per frame type, typed by a TypedDict each
(:data:`Message` is any of them); the shell encodes them (once per frame, not once per screen).
This docstring is the spec. ``realtime/messages.schema.json`` (JSON Schema, draft 2020-12) is its
machine-readable form, strict about every field of every server -> browser frame and of the state
inside it: ``tests/test_messages_schema.py`` checks every builder against it, and each frame's
type against its definition (the same fields, the same ones required), and
``tests/test_consumers.py`` every frame a consumer sends. ``docs/protocol.md`` links here.

Server -> browser
=================

Every frame is one JSON object with ``type``, ``epoch`` and ``seq`` (see ``realtime/state.py``
for the state and delta formats, and ``realtime/store.py`` for epoch and seq)::

    {"type": "snapshot", "epoch": "18c2f3a1b2c-5e0f", "seq": 42, "server_time": 1763790000.25,
     "state": {"queues": {...}, "agents": {...}},
     "voicenter": {...health, below...}}
    {"type": "delta", "epoch": "18c2f3a1b2c-5e0f", "seq": 43,
     "delta": {"agents": {"set": {"SIPSIP1": {...whole agent...}}}}}
    {"type": "heartbeat", "epoch": "18c2f3a1b2c-5e0f", "seq": 43, "server_time": 1763790020.1,
     "voicenter": {...}}
    {"type": "error", "epoch": "18c2f3a1b2c-5e0f", "seq": 43, "code": "bad_message",
     "message": "unknown message type 'hello'"}
    {"type": "outage", "epoch": null, "seq": 0, "server_time": 1763790021.0, "part": "redis",
     "since": 1763790017.9}

- ``snapshot``: the whole state. The browser **replaces** its state with it (never merges) and
  takes its ``epoch`` and ``seq``. Sent when the socket opens, after a ``resync`` request, and to
  every board when the worker rebuilds the state under a new epoch.
- ``delta``: one committed change (the worker commits the events already waiting, one or
  many, as one change: :func:`realtime.state.merge_deltas`), or several consecutive ones merged
  into one frame by a web process under load: then ``from_seq`` is the first seq it covers and
  ``seq`` the last (absent, ``from_seq`` is ``seq``). With the board's ``epoch``:
  ``from_seq == mine + 1`` applies and the board is at ``seq``; ``seq <= mine`` is a duplicate and
  is dropped; anything else is a gap. Another ``epoch`` or a gap: ask for ``resync`` and ignore
  deltas until the snapshot comes.
- ``heartbeat`` (every ``WALLBOARD_HEARTBEAT_S`` seconds, default 5, and at once when the
  worker's health changes its verdict (:func:`worker_verdict`): its connection to Voicenter went
  up or down, or the worker fell silent or came back; each web process looks every second):
  another ``epoch`` asks for a resync; a ``seq`` ahead of the board's may be a delta still in
  flight, so the board resyncs only if, by the next heartbeat, it still has not reached the seq
  this one promised (delivery is at most once).
- ``outage``: the web server cannot read the state (Redis stopped, or its link to Redis
  broken) since ``since``: what the board shows is frozen; ``part`` names what failed
  (``"redis"``). Sent at once when a web process's once-a-second look fails, then with every
  heartbeat period while it lasts; the next ``heartbeat`` or ``snapshot`` ends it. It carries no
  position (``epoch`` null, ``seq`` 0): a board does not act on them.
- ``error``: a message from the board was not understood; ``code`` is machine-readable:
  ``bad_json`` (not JSON text), ``bad_message`` (JSON, but not a protocol message) or
  ``not_allowed`` (a ``view`` this person may not see: nothing of it is sent).
- ``view``: what this board shows (:mod:`realtime.scopes`; who sees what is
  ``wallboard/teams/visibility.py``), sent before the first snapshot (none in an account
without teams: the board shows the whole account) and whenever it changes
  (a team's queues, agents or supervisors changed, or the board asked for another): ``team``,
  the team's name (null: the whole account, or nothing); ``why`` it shows nothing (``""``,
  ``"no_team"``: this person is in no team and may not see the whole account,
  ``"team_gone"``: a display link's team was deleted); ``options``, the teams this person may
  pick (``value``: a team's id, or ``"all"`` for All teams, whose ``name`` is ``""``: the board
  words it); ``chosen``, the one shown. A snapshot of the new scope follows it. Every frame
  after it (snapshots, deltas) holds only that scope: what is outside it is absent, and a
  change outside it reaches the board as an empty delta at its ``seq``.

``server_time`` (UTC epoch seconds, float) lets a board correct its own clock: timers tick from
``server_time`` plus the browser's elapsed time, never from the browser's wall clock alone.

``voicenter`` is the worker's health as boards may see it (no server names, no errors that could
carry account details)::

    {"running": true, "connected": true, "syncing": false, "last_event_at": 1763790019.8,
     "worker_updated_at": 1763790019.9, "events_per_s": 3.2, "reconnects": 0}

A board shows "not live" within seconds whichever part failed: the web server (its socket
closes), Redis or the web server's link to it (``outage``), the worker (its
``worker_updated_at`` more than ``WORKER_SILENT_S`` behind the ``server_time`` it came with;
the worker writes its health every second), Voicenter (``connected`` false, or no event for
long: ``static/board/banner.js``).

``running``: the worker is running (false once it stopped cleanly); ``connected``: it holds
a socket to Voicenter; ``syncing``: it is rebuilding the state
after a (re)connect; ``last_event_at``: when anything last came from Voicenter (keep-alive
answers included, so a quiet call center still shows it is alive); ``worker_updated_at``: when the
worker last wrote its health (about every second while it runs): a board that sees it fall far
behind ``server_time`` knows the worker itself is not running. ``source``: where the board's data
come from: ``socket`` (Voicenter's realtime socket), ``api`` (the socket is down and the
worker keeps the waiting callers and the agents' calls live from Voicenter's Active calls API;
the agents' statuses may be stale: ``realtime/fallback.py``), ``""`` (neither); ``api_at``: when
that API last answered; ``api_failing``: it did not answer the last time it was asked (with the
socket down too: Voicenter cannot be reached). ``null`` fields: unknown (no worker has run
yet).

Browser -> server
=================

Three message types, as JSON text:

- ``{"type": "resync"}``: send me a fresh snapshot (at most one a second is served).
- ``{"type": "ack", "epoch": "18c2f3a1b2c-5e0f", "seq": 43}``: I have applied everything up to
  this position. A board sends it when its position has changed since its last ``ack``, at most
  about once every two seconds (a frame, then silence, still gets acknowledged). The server
  uses it only for flow control: a board whose frames stay unacknowledged for
  ``WALLBOARD_SCREEN_BEHIND_S`` (default 10) gets nothing more until it has acknowledged what it
  was sent, then a fresh ``snapshot`` instead of the backlog it missed; one with frames
  unacknowledged for ``WALLBOARD_SCREEN_DEAD_S`` (default 30) is closed with code 4008 and
  reconnects. A board that never acknowledges is never held back (nor closed this way).

- ``{"type": "view", "team": "3"}``: show me this team (``"all"``: All teams) from now on
  (kept as this person's choice). Answered with a ``view`` frame and a snapshot of its scope,
  or, for a team this person may not see, an ``error`` (``not_allowed``) and nothing else; a
  display link's board may not ask.

Anything else is answered with an ``error`` frame; the socket stays open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict, cast

from realtime.state import Delta, State

#: A worker whose health was last written more than this long before a frame's ``server_time``
#: is not running (it writes about every second). ``static/board/banner.js`` uses the same.
WORKER_SILENT_S = 5.0

#: The health fields a board may see (everything else in the worker's health stays server-side).
PUBLIC_HEALTH = (
    "running", "connected", "syncing", "last_event_at", "events_per_s", "reconnects", "source",
    "api_at", "api_failing",
)  # fmt: skip

# The frames as types (each held equal to its definition in messages.schema.json by
# tests/test_messages_schema.py: the same fields, the same ones required).


class BoardHealth(TypedDict):
    """The worker's health as a board sees it (``health`` in the schema)."""

    running: bool
    connected: bool
    syncing: bool
    last_event_at: float | None
    events_per_s: float | None
    reconnects: int | None
    worker_updated_at: float | None
    source: Literal["socket", "api", ""]
    api_at: float | None
    api_failing: bool


class SnapshotFrame(TypedDict):
    type: Literal["snapshot"]
    epoch: str | None
    seq: int
    server_time: float
    state: State
    voicenter: BoardHealth


class _Merged(TypedDict, total=False):
    # (a base of its own: NotRequired in a postponed annotation is not seen at run time,
    # where tests/test_messages_schema.py reads which fields are required)
    from_seq: int


class DeltaFrame(_Merged):
    type: Literal["delta"]
    epoch: str
    seq: int
    delta: Delta


class HeartbeatFrame(TypedDict):
    type: Literal["heartbeat"]
    epoch: str | None
    seq: int
    server_time: float
    voicenter: BoardHealth


class OutageFrame(TypedDict):
    type: Literal["outage"]
    epoch: None
    seq: Literal[0]
    server_time: float
    part: Literal["redis"]
    since: float


ErrorCode = Literal["bad_json", "bad_message", "not_allowed"]


class ErrorFrame(TypedDict):
    type: Literal["error"]
    epoch: str | None
    seq: int
    code: ErrorCode
    message: str


class ViewOption(TypedDict):
    value: str
    name: str


ViewWhy = Literal["", "no_team", "team_gone"]


class ViewFrame(TypedDict):
    type: Literal["view"]
    epoch: str | None
    seq: int
    team: str | None
    why: ViewWhy
    options: list[ViewOption]
    chosen: str


#: Any frame to a board.
Message = SnapshotFrame | DeltaFrame | HeartbeatFrame | OutageFrame | ErrorFrame | ViewFrame


def public_health(health: Mapping[str, object]) -> BoardHealth:
    """The worker's health (``P health`` in Redis) cut down to what a board may see: its
    numbers and times passed on as the worker wrote them (``realtime.worker.Health``)."""
    return {
        "running": bool(health.get("running")),
        "connected": bool(health.get("connected")),
        "syncing": bool(health.get("syncing")),
        "last_event_at": cast("float | None", health.get("last_event_at")),
        "events_per_s": cast("float | None", health.get("events_per_s")),
        "reconnects": cast("int | None", health.get("reconnects")),
        "worker_updated_at": cast("float | None", health.get("updated_at")),
        "source": _source(health.get("source")),
        "api_at": cast("float | None", health.get("api_at")),
        "api_failing": bool(health.get("api_failing")),
    }


def _source(value: object) -> Literal["socket", "api", ""]:
    return "socket" if value == "socket" else "api" if value == "api" else ""


def snapshot(
    epoch: str | None, seq: int, state: State, *, server_time: float, health: Mapping[str, object]
) -> SnapshotFrame:
    return {
        "type": "snapshot",
        "epoch": epoch,
        "seq": seq,
        "server_time": server_time,
        "state": state,
        "voicenter": public_health(health),
    }


def delta(epoch: str, seq: int, change: Delta, from_seq: int | None = None) -> DeltaFrame:
    """One change, or the changes ``from_seq``..``seq`` merged (``from_seq`` left out when it
    is ``seq``)."""
    frame: DeltaFrame = {"type": "delta", "epoch": epoch, "seq": seq, "delta": change}
    if from_seq is not None and from_seq != seq:
        frame["from_seq"] = from_seq
    return frame


def heartbeat(
    epoch: str | None, seq: int, *, server_time: float, health: Mapping[str, object]
) -> HeartbeatFrame:
    return {
        "type": "heartbeat",
        "epoch": epoch,
        "seq": seq,
        "server_time": server_time,
        "voicenter": public_health(health),
    }


def outage(part: Literal["redis"], since: float, *, server_time: float) -> OutageFrame:
    return {
        "type": "outage",
        "epoch": None,
        "seq": 0,
        "server_time": server_time,
        "part": part,
        "since": since,
    }


def view(
    epoch: str | None,
    seq: int,
    *,
    team: str | None,
    why: ViewWhy,
    options: list[tuple[str, str]],
    chosen: str,
) -> ViewFrame:
    return {
        "type": "view",
        "epoch": epoch,
        "seq": seq,
        "team": team,
        "why": why,
        "options": [{"value": value, "name": name} for value, name in options],
        "chosen": chosen,
    }


def worker_verdict(health: Mapping[str, object], server_time: float) -> tuple[bool, ...]:
    """What a board concludes from the worker's health at ``server_time``: (running and heard
    from within WORKER_SILENT_S, connected, syncing). A heartbeat goes out at once when it
    changes."""
    updated = health.get("updated_at")
    heard = isinstance(updated, int | float) and server_time - updated <= WORKER_SILENT_S
    return (
        bool(health.get("running")) and heard,
        bool(health.get("connected")),
        bool(health.get("syncing")),
    )


def error(epoch: str | None, seq: int, code: ErrorCode, message: str) -> ErrorFrame:
    return {"type": "error", "epoch": epoch, "seq": seq, "code": code, "message": message}


class BadMessage(ValueError):
    """A board sent something that is not a protocol message; ``code`` says what."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Resync:
    """``{"type": "resync"}``."""


@dataclass(frozen=True, slots=True)
class Ack:
    """``{"type": "ack", "epoch": ..., "seq": ...}``."""

    epoch: str
    seq: int


@dataclass(frozen=True, slots=True)
class ViewRequest:
    """``{"type": "view", "team": "3"}`` (``"all"``: All teams)."""

    team: str


#: Longest epoch an ack may carry (epochs are "<hex ms>-<hex>", about 16 characters).
MAX_EPOCH_LEN = 64
MAX_SEQ = 2**63 - 1


def parse_client_message(raw: object) -> Resync | Ack | ViewRequest:
    """The request a board's parsed JSON message makes, or :class:`BadMessage`."""
    if not isinstance(raw, dict):
        raise BadMessage("bad_message", "a message must be a JSON object")
    kind = raw.get("type")
    if kind == "resync":
        return Resync()
    if kind == "ack":
        epoch, seq = raw.get("epoch"), raw.get("seq")
        if not isinstance(epoch, str) or not 0 < len(epoch) <= MAX_EPOCH_LEN:
            raise BadMessage("bad_message", "an ack needs the epoch (text) it acknowledges")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
            raise BadMessage("bad_message", "an ack needs the seq (a whole number) it reached")
        return Ack(epoch, seq)
    if kind == "view":
        team = raw.get("team")
        if not isinstance(team, str) or not (team == "all" or team.isdigit()) or len(team) > 18:
            raise BadMessage("bad_message", 'a view needs a team: its id, or "all"')
        return ViewRequest(team)
    shown = str(kind)[:40]
    raise BadMessage("bad_message", f"unknown message type {shown!r}")


def forward_delta(board_epoch: str | None, board_seq: int, epoch: str, seq: int) -> bool:
    """Should a delta go to a board whose last frame had ``board_epoch``/``board_seq``?

    Deltas not above the snapshot's seq are already in it: drop them. A delta of another epoch
    goes through: the board sees the epoch change and asks for a snapshot.
    """
    return epoch != board_epoch or seq > board_seq
