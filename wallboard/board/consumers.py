"""The wallboard websocket (``/ws/wallboard/``): a snapshot, then the published frames through
the process's fan-out (``wallboard/board/fanout.py``), and the process's heartbeats
(``wallboard/board/heartbeat.py``).

Only signed-in users and display links get data (the Django session or the display link's
token, read once at connect by ``wallboard/board/auth.py``); the ASGI router also checks the
Origin against ``ALLOWED_HOSTS``. The socket carries no command: it only watches.
The frames are specified in :mod:`realtime.messages`; this module only moves them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from typing import Any

import orjson
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from realtime import messages
from realtime.publisher import encode
from realtime.store import UNAVAILABLE
from wallboard.board.fanout import Board, Fanout, fanout, urgent
from wallboard.board.heartbeat import Heartbeat, heartbeat
from wallboard.board.models import DisplayLink
from wallboard.board.snapshots import snapshots
from wallboard.core.services import shared_store

log = logging.getLogger("wallboard.board.consumers")

#: Close code for "not signed in" (4000-4999 are the application's; 4401 mirrors HTTP 401).
CLOSE_UNAUTHENTICATED = 4401
#: Close code for "the server failed (Redis, most likely): reconnect and start over"; 4011
#: mirrors 1011, which a server may not send (daphne refuses it).
CLOSE_SERVER_ERROR = 4011
#: Close code for "Redis is away (``realtime.store.UNAVAILABLE``): the server cannot reach its
#: data"; 4503 mirrors HTTP 503. The board says so and retries.
CLOSE_STORE_DOWN = 4503
#: Close code for "the wallboard's database is unreachable: who is asking cannot be known";
#: 4504 is 4503's neighbour (Redis away). The board says so and retries.
CLOSE_DATABASE_DOWN = 4504
#: Seconds between two snapshots for one board; a snapshot of 1,000 agents is a few ms of Redis.
RESYNC_EVERY_S = 1.0
#: What a board may send: its messages are an ack or a resync request of a few dozen bytes,
#: an ack every 2 s (static/board/socket.js). Past these, the socket is closed.
MAX_MESSAGE = 1024
MAX_MESSAGES_PER_S = 20
#: Close codes for an abusive page (4000-4999 are the application's): 4009 mirrors 1009
#: "message too big", 4029 HTTP 429 "too many requests".
CLOSE_TOO_BIG = 4009
CLOSE_TOO_MANY = 4029
_clock = time.monotonic  # the message windows' clock (the tests hold it still)
#: Seconds between two checks that a display link's screen is still allowed (one indexed query;
#: display links are TVs, a handful per site): a revoked link goes dark within this.
DISPLAY_CHECK_S = 30.0


class BoardConsumer(AsyncWebsocketConsumer):
    board: Board | None = None  # this screen in the process's fan-out
    _fanout: Fanout | None = None
    _heartbeat: Heartbeat | None = None  # the process's, once this board has joined it
    _last_snapshot = 0.0  # monotonic time of the last snapshot sent
    _window_start = 0.0  # this second's messages from the board (MAX_MESSAGES_PER_S)
    _window_count = 0
    _display_watch: asyncio.Task[None] | None = None  # a display link's revocation check
    _resync_task: asyncio.Task[None] | None = None  # a snapshot the board asked for, on its way
    _closing = False  # closed for abuse: what arrives after is dropped

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        if self.scope.get("database_down"):
            await self.close(code=CLOSE_DATABASE_DOWN)
            return
        signed_in = user is not None and user.is_authenticated
        if not signed_in and self.scope.get("display") is None:
            # Accept, then close with our code: a refused handshake reaches a browser as a
            # bare 1006, and the board could not tell "signed out" from "server down".
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.store = shared_store()
        try:
            # Join first, then read: a delta committed meanwhile waits in the board's backlog
            # and is dropped if the snapshot already holds it.
            self._fanout = fanout(self.store.redis, self.store.prefix)
            self.board = await self._fanout.join(self)
            await self.send_snapshot()
        except Exception:
            await self._fail("cannot send the first snapshot")
            return
        self._heartbeat = heartbeat(self.store)
        self._heartbeat.join(self)
        display = self.scope.get("display")
        if not signed_in and display is not None:
            self._display_watch = asyncio.create_task(self._watch_display(display.token))

    async def _watch_display(self, token: str) -> None:
        """Close a display link's screen once the link is revoked (it then shows "not valid")."""
        while True:
            await asyncio.sleep(DISPLAY_CHECK_S)
            try:
                # (database_sync_to_async: closes stale connections, as views do)
                valid = await database_sync_to_async(DisplayLink.live)(token) is not None
            except Exception:  # the database is away: keep watching, as the board does
                log.warning("cannot check a display link", exc_info=True)
                continue
            if not valid:
                log.info("display link revoked: closing its screen")
                await self._cleanup()
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch first closes stale database connections, through Django's
        one sync thread, for every message. A board's handlers never touch the database (the
        middleware reads the session at connect): with a thousand boards acknowledging once a
        second those hops kept a resync waiting a second and more (bench/bench_fleet.py)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code: int) -> None:
        await self._cleanup()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self._closing or await self._abusive(text_data or bytes_data or ""):
            return  # (what was on its way after a close for abuse is dropped)
        try:
            request = messages.parse_client_message(orjson.loads(text_data or bytes_data or b""))
        except orjson.JSONDecodeError:
            await self._error("bad_json", "a message must be JSON text")
            return
        except messages.BadMessage as exc:
            await self._error(exc.code, str(exc))
            return
        if isinstance(request, messages.Ack):
            if self.board is not None and self.board.ack(request.epoch, request.seq):
                self._ask_resync()  # it was behind and has read all it had: start it afresh
            return
        self._ask_resync()

    async def _abusive(self, message: str | bytes) -> bool:
        """A board sends an ack every 2 s and a resync now and then (realtime/messages.py):
        a message over ``MAX_MESSAGE`` bytes, or more than ``MAX_MESSAGES_PER_S`` in a second,
        is a broken or hostile page. Close it with a code that says which (it reconnects, and
        a loop of that costs its own backoff), so no signed-in page can make the server
        buffer and answer without end."""
        now = _clock()
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        if len(message) > MAX_MESSAGE:
            reason, code = f"a message of {len(message)} bytes", CLOSE_TOO_BIG
        elif self._window_count > MAX_MESSAGES_PER_S:
            reason, code = "too many messages a second", CLOSE_TOO_MANY
        else:
            return False
        log.warning("closing a board's socket: %s", reason)
        self._closing = True
        await self._cleanup()
        await self.close(code=code)
        return True

    def _ask_resync(self) -> None:
        """A fresh snapshot soon (:meth:`_resync`), on a task of its own, at most one waiting:
        the socket's next messages are read and counted as they arrive, not held in the
        server's queue behind the wait (a flood of resyncs grew daphne by 135 MB per 500,000
        messages, for good, before it was ever counted)."""
        if self.board is None:  # not (or no longer) in the fan-out: nothing to resync
            return
        if self._resync_task is None or self._resync_task.done():
            self._resync_task = asyncio.create_task(self._resync())

    async def _resync(self) -> None:
        """A fresh snapshot, at most one per RESYNC_EVERY_S per board: a looping client costs
        little."""
        wait = self._last_snapshot + RESYNC_EVERY_S - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            await self.send_snapshot()
        except Exception:
            await self._fail("cannot send a snapshot")

    @property
    def behind(self) -> bool:
        """This screen is held back (``fanout.py``): it gets no heartbeats either."""
        return self.board is not None and self.board.behind

    async def _fail(self, what: str) -> None:
        """Redis (most likely) failed us: close so the board reconnects and starts over (with
        CLOSE_STORE_DOWN when Redis is away, one log line; else CLOSE_SERVER_ERROR and the
        traceback), and leave nothing behind (Channels does not call disconnect() after an
        error). Called from an ``except`` block."""
        error = sys.exc_info()[1]
        if isinstance(error, UNAVAILABLE):
            log.warning("%s: Redis is unavailable (%r); closing the board's socket", what, error)
            code = CLOSE_STORE_DOWN
        else:
            log.exception("%s; closing the board's socket", what)
            code = CLOSE_SERVER_ERROR
        with contextlib.suppress(Exception):  # leaving may need Redis too
            await self._cleanup()
        await self.close(code=code)

    async def _cleanup(self) -> None:
        for task in (self._display_watch, self._resync_task):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self._display_watch = self._resync_task = None
        hub, self._heartbeat = self._heartbeat, None
        if hub is not None:
            await hub.leave(self)
        out, board, self._fanout, self.board = self._fanout, self.board, None, None
        if out is not None and board is not None:
            await out.leave(board)

    async def send_snapshot(self) -> None:
        """The whole state, then whatever was published meanwhile and is not in it."""
        assert self.board is not None
        self._last_snapshot = time.monotonic()
        self.board.catch_up()
        async with urgent().first():  # the process's rounds of sends wait for the read
            snap = await snapshots(self.store).take()
        self.board.took_snapshot(snap.epoch, snap.seq)
        await self.send(text_data=snap.text)
        await self.board.go_live()

    async def _error(self, code: messages.ErrorCode, message: str) -> None:
        log.info("bad message from a board: %s", message)
        epoch, seq = (self.board.epoch, self.board.seq) if self.board else (None, 0)
        await self.send(text_data=encode(messages.error(epoch, seq, code, message)))
