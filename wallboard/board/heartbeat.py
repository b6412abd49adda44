"""Heartbeats per web process, not per screen: one task per event loop reads the state's
position and the worker's health once a second (``LOOK_EVERY_S``), and, every
``WALLBOARD_HEARTBEAT_S`` or at once when the worker's verdict changes
(:func:`realtime.messages.worker_verdict`: it fell silent, came back, its Voicenter link went up
or down), builds and encodes one heartbeat frame and sends the same text to every board of the
process. When the read fails (Redis stopped, or this process's link to it broken), it sends an
``outage`` frame instead, at once and then every period, so boards stop saying "Live" within
seconds; one log line when the outage starts, one when it ends. A thousand screens cost one
Redis read a second per process, and one frame per board per period.

A board joins when its first snapshot is out and leaves when its socket closes; the task runs
while the process has boards and stops with the last one. The heartbeat's meaning (the
position a board must reach, the worker's public health, the server's time) is specified in
:mod:`realtime.messages`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any, Protocol

from django.conf import settings

from realtime import messages
from realtime.publisher import encode, websocket_send
from realtime.store import UNAVAILABLE, StateStore
from wallboard.board.fanout import YIELD_EVERY, SendGuard
from wallboard.core.while_boards import WhileBoards

log = logging.getLogger("wallboard.board.heartbeat")

#: How often each web process looks at the position and the worker's health.
LOOK_EVERY_S = 1.0
#: A look that takes longer than this counts as Redis being away (a hung server).
LOOK_TIMEOUT_S = 2.0
OUTAGE = ("outage",)  # the verdict of a look that could not read Redis


class Board(Protocol):
    @property
    def behind(self) -> bool:
        """Held back by the fan-out until it has read what it has: no heartbeat either."""

    async def base_send(self, message: dict[str, Any]) -> None:
        """Send one ASGI message (``websocket.send``) to this board's socket, as it is."""


class Heartbeat(WhileBoards[Board]):
    def __init__(self, store: StateStore) -> None:
        super().__init__()
        self.store = store
        self.beats = 0  # frames sent (heartbeats and outages)
        self.outage_since: float | None = None  # when reading Redis began to fail

    async def _run(self) -> None:
        said: tuple[object, ...] | None = None  # what the last frame said (None: nothing yet)
        sent_at = 0.0  # and when it went out
        while self.boards:
            await asyncio.sleep(min(LOOK_EVERY_S, settings.WALLBOARD_HEARTBEAT_S))
            now = time.time()
            frame, verdict = await self._look(now)
            if said is None and verdict != OUTAGE:
                sent_at, said = now, verdict  # the first look: the snapshots said as much
                continue
            if verdict == said and now - sent_at < settings.WALLBOARD_HEARTBEAT_S:
                continue  # nothing new to say, and the period is not up
            sent_at, said = now, verdict
            self.beats += 1
            await self._send_all(websocket_send(encode(frame)))  # one message for every board

    async def _look(self, now: float) -> tuple[messages.Message, tuple[object, ...]]:
        """The frame the boards would get now, and the verdict it carries."""
        try:
            async with asyncio.timeout(LOOK_TIMEOUT_S):
                epoch, seq, health = await self.store.position()
        except Exception as exc:  # Redis stopped, hung, or our link to it broken
            if self.outage_since is None:
                self.outage_since = now
                if isinstance(exc, UNAVAILABLE):
                    log.error("boards: cannot read the state from Redis (%r)", exc)
                else:
                    log.exception("boards: cannot read the state")
            return messages.outage("redis", self.outage_since, server_time=now), OUTAGE
        if self.outage_since is not None:
            log.warning("boards: Redis answers again after %.0f s", now - self.outage_since)
            self.outage_since = None
        frame = messages.heartbeat(epoch, seq, server_time=now, health=health)
        return frame, messages.worker_verdict(health, now)

    async def _send_all(self, message: dict[str, Any]) -> None:
        guard = SendGuard()  # a full socket waits: not us
        try:
            for sent, board in enumerate(list(self.boards), 1):
                if sent % YIELD_EVERY == 0:  # a snapshot waits for no round of sends
                    await guard.give_way()
                if board.behind or board not in self.boards:
                    continue
                try:
                    async with guard:
                        await board.base_send(message)
                except Exception:  # that board's socket is going; its disconnect removes it
                    log.debug("heartbeat: a board could not be sent to", exc_info=True)
        finally:
            guard.close()


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Heartbeat] = weakref.WeakKeyDictionary()


def heartbeat(store: StateStore) -> Heartbeat:
    """This event loop's (this web process's) heartbeat."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Heartbeat(store)
    return hub
