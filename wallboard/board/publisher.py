"""Runs in the worker (and ``replay``): publishes every committed change to the boards.

One ``group_send`` per change on ``RedisPubSubChannelLayer``: a single Redis PUBLISH, fanned out
in each web process to its boards. The frame is built by :mod:`realtime.messages` and encoded
once here; the consumers (``wallboard/board/consumers.py``) forward the text as it is.

Group messages (the channel layer's, not the browser's)::

    {"type": "board.frame", "kind": "delta" | "snapshot" | "heartbeat",
     "epoch": "...", "seq": 42, "text": "<the encoded browser frame>"}
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson
from channels.layers import get_channel_layer

from realtime import messages
from realtime.state import Delta, State
from realtime.store import StateStore

GROUP = "wallboard"


def encode(message: messages.Message) -> str:
    return orjson.dumps(message).decode()


class Publisher:
    """The board projection's publisher (:class:`realtime.projections.board.Publisher`), and
    the worker's link listener."""

    def __init__(self, store: StateStore, layer: Any = None) -> None:
        self.store = store
        self.layer = layer or get_channel_layer()

    async def on_commit(self, epoch: str, seq: int, delta: Delta) -> None:
        await self._send("delta", epoch, seq, messages.delta(epoch, seq, delta))

    async def on_reset(self, epoch: str, state: State) -> None:
        # Every board needs the new state: send it once, rather than have every board read it.
        health = await self.store.health()
        frame = messages.snapshot(epoch, 0, state, server_time=time.time(), health=health)
        await self._send("snapshot", epoch, 0, frame)

    async def link_changed(self, health: Mapping[str, object]) -> None:
        """The worker's link to Voicenter went up or down: a heartbeat to every board now."""
        epoch, seq = await self.store.head()
        frame = messages.heartbeat(epoch, seq, server_time=time.time(), health=health)
        await self._send("heartbeat", epoch, seq, frame)

    async def _send(self, kind: str, epoch: str | None, seq: int, frame: messages.Message) -> None:
        await self.layer.group_send(
            GROUP,
            {
                "type": "board.frame",
                "kind": kind,
                "epoch": epoch,
                "seq": seq,
                "text": encode(frame),
            },
        )
