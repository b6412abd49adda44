"""Voicenter's realtime socket as python-socketio 4.x and python-engineio 3.x give it to us,
adapted to what the worker needs (``docs/voicenter.md#socket`` says why these versions).

The worker (:mod:`realtime.worker`) holds the socket's life cycle: login, connect, keep-alive,
reconnect. This module holds what it reads the socket through:

- :class:`SocketClient`: the client, on :class:`InlineEngineIO`, which runs each message's
  handler in its read loop (the order is the socket's, no task per event); a message it cannot
  read is reported to the worker (``on_unreadable``) and skipped, not logged as a traceback;
- :class:`CatchAll`: the namespace that puts every event in the :class:`Inbox`, in order, and
  holds the reading while the inbox is full (back-pressure), then :data:`DISCONNECTED` when
  the socket closes;
- :class:`PacketJson`: how the packets' JSON is read (orjson, the standard library for what
  orjson refuses);
- :func:`http_status`: the HTTP status behind a refused handshake (401 / 403: the token);
  :func:`close`: a socket closed whatever state it is in.

Importing this module tells python-engineio 3.x that a SIGINT handler is set: the worker
command handles SIGINT and SIGTERM itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import engineio.asyncio_client
import orjson
import socketio

#: orjson's reason for refusing a text that holds a whole JSON value and then more.
ORJSON_MORE_AFTER_VALUE = "unexpected content after document"
#: A socket that does not say it closed within this many seconds is left to the collector (our
#: bound, as for REDIS_TIMEOUT_S in the worker: a close that hangs must not hold up the next
#: connection, which the SDKs open within seconds).
CLOSE_TIMEOUT_S = 5.0

# python-engineio 3.x installs a SIGINT handler that stops the loop unless told one is set;
# the worker command handles SIGINT and SIGTERM itself.
engineio.asyncio_client.async_signal_handler_set = True


class PacketJson:
    """The JSON python-socketio and python-engineio read packets with (their ``json=``
    option): orjson, several times faster than the standard library on Voicenter's events
    (packet decoding was a third of the worker's time at full speed, bench/bench_ingest.py);
    what orjson refuses (NaN, a lone surrogate, and the Engine.IO payloads that are not JSON at
    all) goes to the standard library, so a packet decodes to what it always did, but for an
    integer of more than 64 bits, which orjson reads as a float (no Voicenter field holds one).
    A text that is a JSON value and then more (every Socket.IO message, ``2["QueueEvent",...]``:
    Engine.IO tries each as JSON first) the standard library refuses too, so it is not asked.
    Writing (the worker's few emits) stays the standard library's."""

    @staticmethod
    def loads(text: str | bytes, **options: Any) -> object:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as refused:
            if refused.msg == ORJSON_MORE_AFTER_VALUE and isinstance(text, str):
                # a ValueError, as the standard library's would be (bytes still go on: it
                # may read them as UTF-16 or UTF-32, where orjson reads UTF-8)
                raise
            try:
                return json.loads(text, **options)
            except RecursionError:  # nested past Python's limit (orjson stops at 1,024)
                raise ValueError("JSON nested too deep") from None

    dumps = staticmethod(json.dumps)


class Disconnected:
    """Put in the inbox when the socket closes."""


DISCONNECTED = Disconnected()


class Inbox(asyncio.Queue[tuple[str, object] | Disconnected]):
    """What the socket heard, in order: (event name, payload) pairs, then DISCONNECTED.

    Bounded by back-pressure, not by refusal: the socket's reader puts each event at once
    (``put_nowait``: the order is the socket's, and nothing is dropped), then waits in
    :meth:`room` while ``high_water`` events or more are waiting. A reader that waits
    reads no more from the socket, so TCP holds the rest at Voicenter's end instead of this
    process decoding a burst far ahead of the loop that applies it (a replay at full speed
    had 92,000 decoded events waiting here; held back, with the per-message tasks gone too
    (:class:`InlineEngineIO`), bench/bench_ingest.py went from 7,500 to 8,200-9,300 events/s
    in alternating runs). :meth:`close` ends every wait, for a session that is over."""

    def __init__(self, high_water: int) -> None:
        super().__init__()
        self.high_water = high_water
        self._room = asyncio.Event()
        self._room.set()
        self._closed = False

    def get_nowait(self) -> tuple[str, object] | Disconnected:
        item = super().get_nowait()  # (``get`` takes its item through here too)
        if self.qsize() < self.high_water:
            self._room.set()
        return item

    async def room(self) -> None:
        """Return once fewer than ``high_water`` events wait, or the inbox is closed."""
        while self.qsize() >= self.high_water and not self._closed:
            self._room.clear()
            await self._room.wait()

    def close(self) -> None:
        self._closed = True
        self._room.set()


class CatchAll(socketio.AsyncClientNamespace):
    """python-socketio 4.x has no '*' handler: every event lands in one queue, in order."""

    def __init__(self, queue: Inbox) -> None:
        super().__init__("/")
        self.queue = queue

    async def trigger_event(self, event: str, *args: object) -> None:
        # Called from the socket's read loop itself (InlineEngineIO): the queue has
        # Voicenter's order, and waiting for room stops the reading.
        if event == "disconnect":
            self.queue.put_nowait(DISCONNECTED)
        elif event != "connect":
            self.queue.put_nowait((event, args[0] if args else None))
            await self.queue.room()


class InlineEngineIO(engineio.AsyncClient):
    """python-engineio 3.x runs the handler of every message it reads as a task of its own;
    this client runs it in its read loop, before it reads the next. So the events reach the
    inbox in the order they were read by construction (not because tasks start in the order
    they were made), no task is made per event, and the inbox's back-pressure
    (:meth:`Inbox.room`) stops the reading. The other packets (pong, close, noop) are
    handled as before."""

    async def _receive_packet(self, pkt: engineio.packet.Packet) -> None:
        if pkt.packet_type == engineio.packet.MESSAGE:
            await self._trigger_event("message", pkt.data, run_async=False)
        else:
            await super()._receive_packet(pkt)


class SocketClient(socketio.AsyncClient):
    """python-socketio's client on :class:`InlineEngineIO`. A message it cannot read (not
    JSON, nested too deep, an unknown packet type: python-socketio raises ValueError for each)
    is a bad line: reported in one log line, counted (``rejected:unreadable``) and skipped,
    where python-engineio would log a traceback."""

    def __init__(self, on_unreadable: Callable[[str], None], **options: Any) -> None:
        super().__init__(**options)
        self.on_unreadable = on_unreadable

    def _engineio_client_class(self) -> type[engineio.AsyncClient]:
        return InlineEngineIO

    async def _handle_eio_message(self, data: object) -> None:
        try:
            await super()._handle_eio_message(data)
        except ValueError as exc:
            self.on_unreadable(str(exc)[:200])


async def close(client: socketio.AsyncClient) -> None:
    """Disconnect ``client``, whatever state it is in; never raises."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.disconnect(), CLOSE_TIMEOUT_S)


def http_status(exc: BaseException | None) -> int | None:
    """The HTTP status behind a failed socket handshake, if any.

    python-socketio 4.x re-raises a refused websocket handshake as a bare "Connection error";
    aiohttp's handshake error, with its status, survives in the exception's context chain.
    """
    seen = 0
    while exc is not None and seen < 10:
        status = getattr(exc, "status", None)
        if isinstance(status, int):
            return status
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None
