"""The per-process fan-out: one Redis subscription per web process, each frame to every board.

The worker publishes each committed change once (``wallboard/board/publisher.py``). Each web
process (each event loop) holds one subscription to that channel, reads each message once and
hands the same encoded text to every board of the process that should have it: a thousand
screens cost one Redis message and one decode per process, then one websocket send each.

A board takes frames in two phases. While it is getting a snapshot (on connect, on resync) it
is *catching up*: frames wait in its backlog. Once the snapshot is out, the backlog goes
through the same filter as live frames (:func:`realtime.messages.forward_delta`: deltas the
snapshot already holds are dropped), then the board is *live* and frames go straight out. So a
board never sees a change twice and never misses one between its snapshot and the stream.

The subscription runs while the process has boards. If Redis fails it retries every second;
boards notice the silence through the heartbeat and resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections import deque
from typing import Protocol

import redis.asyncio as aioredis

from realtime import messages
from wallboard.board.publisher import Published, channel, unpack

log = logging.getLogger("wallboard.board.fanout")

#: A board's backlog while it catches up; past this it is simply resynced again.
MAX_BACKLOG = 10_000
RETRY_S = 1.0


class Screen(Protocol):
    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Send one websocket frame to this board's screen."""


class Board:
    """One screen's position in the stream, as the fan-out keeps it."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.epoch: str | None = None
        self.seq = 0
        self.live = False
        self.backlog: deque[Published] = deque()

    async def forward(self, frame: Published) -> None:
        """Send ``frame`` if this board should have it, and keep its position."""
        if frame.kind == "delta":
            if not messages.forward_delta(self.epoch, self.seq, frame.epoch or "", frame.seq):
                return  # already in the snapshot this board got
            if frame.epoch == self.epoch:
                self.seq = frame.seq
        elif frame.kind == "snapshot":
            self.epoch, self.seq = frame.epoch, frame.seq
        await self.screen.send(text_data=frame.text)

    def catch_up(self) -> None:
        """A snapshot is on its way: hold frames until :meth:`go_live`."""
        self.live = False

    def took_snapshot(self, epoch: str | None, seq: int) -> None:
        self.epoch, self.seq = epoch, seq

    async def go_live(self) -> None:
        """The snapshot is out: send what came meanwhile (filtered), then frames go straight."""
        while self.backlog:
            await self.forward(self.backlog.popleft())
        self.live = True  # no await since the backlog was found empty: nothing slips between


class Fanout:
    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self.client = client
        self.channel = channel(prefix)
        self.boards: set[Board] = set()
        self.received = 0  # messages read from Redis
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def join(self, screen: Screen) -> Board:
        """A new board, catching up; frames published from now on reach it."""
        board = Board(screen)
        self.boards.add(board)
        if not self.running:
            self._subscribed.clear()
            self._task = asyncio.create_task(self._run())
        await self._subscribed.wait()  # so that nothing published after join() is missed
        return board

    async def leave(self, board: Board) -> None:
        self.boards.discard(board)
        if not self.boards and self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def deliver(self, frame: Published) -> None:
        for board in list(self.boards):
            if board.live:
                try:
                    await board.forward(frame)
                except Exception:  # that board's socket is going; its disconnect removes it
                    log.debug("could not send to a board", exc_info=True)
            elif len(board.backlog) < MAX_BACKLOG:
                board.backlog.append(frame)

    async def _run(self) -> None:
        while True:
            try:
                async with self.client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._subscribed.set()
                    while True:
                        message = await pubsub.get_message(timeout=None)
                        if message is not None and message.get("type") == "message":
                            await self._received(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the boards' subscription failed; retrying")
                self._subscribed.set()  # joiners must not wait on a broken Redis
                await asyncio.sleep(RETRY_S)

    async def _received(self, data: bytes) -> None:
        self.received += 1
        try:
            frame = unpack(data)
        except ValueError as exc:
            log.warning("ignored a message on %s: %s", self.channel, exc)
            return
        await self.deliver(frame)


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout] = weakref.WeakKeyDictionary()


def fanout(client: aioredis.Redis, prefix: str) -> Fanout:
    """This event loop's (this web process's) fan-out."""
    loop = asyncio.get_running_loop()
    hub = _fanouts.get(loop)
    if hub is None:
        hub = _fanouts[loop] = Fanout(client, prefix)
    return hub
