"""The wallboard websocket (``/ws/wallboard/``): a snapshot, then the published frames through
the process's fan-out (``wallboard/board/fanout.py``), and the process's heartbeats
(``wallboard/board/heartbeat.py``).

Only signed-in users and display links get data (the Django session or the display link's
token, read once at connect by ``wallboard/board/auth.py``); the ASGI router also checks the
Origin against ``ALLOWED_HOSTS``. The socket carries no command: it only watches.
The frames are specified in :mod:`realtime.messages`; this module only moves them.

Each board sees its view (``wallboard/teams/visibility.py``): worked out at connect, sent as a
``view`` frame before the first snapshot, and worked out again when a team changes
(``wallboard/teams/live.py``) or the board asks for another team; every frame it gets is cut
to the view's scope (``fanout.py``, ``snapshots.py``).
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
from realtime.scopes import WHOLE_ACCOUNT
from realtime.store import UNAVAILABLE
from wallboard.board.fanout import Board, Fanout, fanout, urgent
from wallboard.board.heartbeat import Heartbeat, heartbeat
from wallboard.board.metrics import SNAPSHOT_SECONDS
from wallboard.board.models import DisplayLink
from wallboard.board.snapshots import snapshots
from wallboard.core.errors import DATABASE_DOWN
from wallboard.core.services import shared_store
from wallboard.teams.live import Watch, watch
from wallboard.teams.models import Team
from wallboard.teams.visibility import (
    EVERYTHING,
    View,
    view_for_display,
    view_for_user,
    view_without_teams,
)

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
    view: View = EVERYTHING  # what this board shows (its scope, its team)
    _watch: Watch | None = None  # the process's watch of the teams, once joined
    _view_task: asyncio.Task[None] | None = None  # another team the board asked for

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
        self._watch = watch(self.store.redis)
        try:
            self.view = await self._view_now()
        except DATABASE_DOWN as exc:
            log.warning("a board's view before the database answered: %s", exc)
            await self.close(code=CLOSE_DATABASE_DOWN)
            return
        try:
            # Join first, then read: a delta committed meanwhile waits in the board's backlog
            # and is dropped if the snapshot already holds it.
            self._fanout = fanout(self.store.redis, self.store.prefix)
            self.board = await self._fanout.join(self, self.view.scope)
            if self.view != EVERYTHING:  # (an account without teams: no view to tell)
                await self._send_view()
            await self.send_snapshot()
        except Exception:
            await self._fail("cannot send the first snapshot")
            return
        self._heartbeat = heartbeat(self.store)
        self._heartbeat.join(self)
        self._watch.join(self)
        display = self.scope.get("display")
        if not signed_in and display is not None:
            self._display_watch = asyncio.create_task(self._watch_display(display.token))

    def _work_out_view(self, pick: str | None = None) -> View:
        """What this board shows (synchronous ORM): a display link's team or the whole
        account, a person's team (``pick``, else their kept choice); ValueError for a ``pick``
        they may not see."""
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            return view_for_user(user, pick)
        if pick is not None:
            raise ValueError("a display link shows what it was made for")
        display = self.scope.get("display")
        fresh = DisplayLink.objects.filter(pk=display.pk).first() if display else None
        return view_for_display(fresh) if fresh is not None else View(WHOLE_ACCOUNT)

    def _viewer(self) -> object:
        """Who this board's view is worked out for (boards of one viewer share it)."""
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            return ("user", user.pk)
        display = self.scope.get("display")
        return ("display", display.pk if display else None)

    async def _send_view(self) -> None:
        view, board = self.view, self.board
        epoch, seq = (board.epoch, board.seq) if board is not None else (None, 0)
        frame = messages.view(
            epoch, seq, team=view.team, why=view.why, options=list(view.options),
            chosen=view.chosen,
        )  # fmt: skip
        await self.send(text_data=encode(frame))

    async def _view_now(self) -> View:
        """This board's view: the one worked out for its person or display link at the
        teams' current version (``Watch.remembered``), else, in an account without teams,
        the whole account (no lookup), else worked out now (one lookup) and remembered."""
        assert self._watch is not None
        version = await self._watch.current()
        viewer = self._viewer()
        view: View | None = self._watch.remembered(viewer, version)
        if view is not None:
            return view
        exist = self._watch.teams_exist(version)
        if exist is None:
            exist = await database_sync_to_async(Team.objects.exists)()
            self._watch.know_teams(version, exist)
        if exist:
            view = await database_sync_to_async(self._work_out_view)()
        else:
            user = self.scope.get("user")
            signed_in = user is not None and user.is_authenticated
            view = view_without_teams(None if signed_in else self.scope.get("display"))
        self._watch.remember(viewer, version, view)
        return view

    async def view_changed(self) -> None:
        """A team changed (``wallboard/teams/live.py``): work out this board's view again
        (once for all the boards of its person or display link); a new one is sent, then a
        snapshot of its scope."""
        if self.board is None:
            return
        try:
            view = await self._view_now()
        except Exception:  # the database away: keep the view it has, look next time
            log.warning("cannot work out a board's view again", exc_info=True)
            return
        await self._show(view)

    async def _show(self, view: View) -> None:
        if self.board is None or view == self.view:
            return
        self.view = view
        # the view frame first: the page drops deltas from it until the new scope's snapshot,
        # so no delta cut to the new scope reaches it before it knows (socket.js)
        await self._send_view()
        self.board.scope = view.scope  # from here on, every frame is cut to the new scope
        self._ask_resync()

    async def _pick(self, team: str) -> None:
        """The board asked for another team: shown if this person may see it, else refused
        (logged, counted, and nothing of it sent)."""
        try:
            view = await database_sync_to_async(self._work_out_view)(team)
        except ValueError as exc:
            log.warning("refused a board's view: %s", exc)
            with contextlib.suppress(Exception):
                await self.store.add_stats({"board:view_refused": 1})
            await self._error("not_allowed", "that team is not one this board may show")
            return
        except Exception:
            log.warning("cannot work out the view a board asked for", exc_info=True)
            return
        if self._watch is not None:
            self._watch.forget(self._viewer())  # this person's next board: their new choice
        await self._show(view)

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
        if isinstance(request, messages.ViewRequest):
            if self._view_task is None or self._view_task.done():  # one at a time
                self._view_task = asyncio.create_task(self._pick(request.team))
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
        for task in (self._display_watch, self._resync_task, self._view_task):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self._display_watch = self._resync_task = self._view_task = None
        teams, self._watch = self._watch, None
        if teams is not None:
            await teams.leave(self)
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
        began = time.perf_counter()
        async with urgent().first():  # the process's rounds of sends wait for the read
            snap = await snapshots(self.store).take(self.board.scope)
        SNAPSHOT_SECONDS.observe(time.perf_counter() - began)
        self.board.took_snapshot(snap.epoch, snap.seq)
        await self.send(text_data=snap.text)
        await self.board.go_live()

    async def _error(self, code: messages.ErrorCode, message: str) -> None:
        log.info("bad message from a board: %s", message)
        epoch, seq = (self.board.epoch, self.board.seq) if self.board else (None, 0)
        await self.send(text_data=encode(messages.error(epoch, seq, code, message)))
