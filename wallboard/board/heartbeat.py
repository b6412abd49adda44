"""Heartbeats per web process, not per screen: one task per event loop reads the state's
position once per ``WALLBOARD_HEARTBEAT_S``, builds and encodes one heartbeat frame, and sends
the same text to every board of the process. A thousand screens cost one Redis read per period.

A board joins when its first snapshot is out and leaves when its socket closes; the task runs
while the process has boards and stops with the last one. The heartbeat's meaning (the
position a board must reach, the worker's public health, the server's time) is specified in
:mod:`realtime.messages`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from typing import Any, Protocol

from django.conf import settings

from realtime import messages
from realtime.store import StateStore
from wallboard.board.fanout import SLOW_SEND_S
from wallboard.board.publisher import encode, websocket_send

log = logging.getLogger("wallboard.board.heartbeat")


class Board(Protocol):
    @property
    def behind(self) -> bool:
        """Held back by the fan-out until it has read what it has: no heartbeat either."""

    async def base_send(self, message: dict[str, Any]) -> None:
        """Send one ASGI message (``websocket.send``) to this board's socket, as it is."""


class Heartbeat:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.boards: set[Board] = set()
        self.beats = 0  # heartbeats built (one Redis read each)
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def join(self, board: Board) -> None:
        self.boards.add(board)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def leave(self, board: Board) -> None:
        self.boards.discard(board)
        if not self.boards and self._task is not None:
            task, self._task = self._task, None
            if task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        while self.boards:
            await asyncio.sleep(settings.WALLBOARD_HEARTBEAT_S)
            try:
                epoch, seq, health = await self.store.position()
            except Exception:  # Redis away: the boards see no heartbeat and say so
                log.exception("heartbeat: cannot read the state's position")
                continue
            self.beats += 1
            text = encode(messages.heartbeat(epoch, seq, server_time=time.time(), health=health))
            message = websocket_send(text)  # one message for every board
            for board in list(self.boards):
                if board.behind:
                    continue
                try:
                    async with asyncio.timeout(SLOW_SEND_S):  # a full socket waits: not us
                        await board.base_send(message)
                except Exception:  # that board's socket is going; its disconnect removes it
                    log.debug("heartbeat: a board could not be sent to", exc_info=True)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Heartbeat] = weakref.WeakKeyDictionary()


def heartbeat(store: StateStore) -> Heartbeat:
    """This event loop's (this web process's) heartbeat."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Heartbeat(store)
    return hub
