"""Runs in the worker (and ``replay``): publishes every committed change to the boards.

One Redis ``PUBLISH`` per committed change (a batch of events) on the channel
``<WALLBOARD_REDIS_PREFIX>frames``: every web process holds one subscription to it
(``wallboard/board/fanout.py``) and hands the frame to each of its boards. The frame is built by
:mod:`realtime.messages` and encoded once here; nobody re-encodes it on the way.

Message on the channel (UTF-8): a header line, then the browser frame as it is sent::

    delta 18c2f3a1b2c-5e0f 43
    {"type":"delta","epoch":"18c2f3a1b2c-5e0f","seq":43,"delta":{...}}

The header is ``<kind> <epoch or -> <seq>``, kind one of ``delta``, ``snapshot``, ``heartbeat``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import orjson

from realtime import messages
from realtime.keys import Keys
from realtime.state import Delta, State, empty_state
from realtime.store import RawSnapshot, StateStore

KINDS = ("delta", "snapshot", "heartbeat")


def channel(prefix: str) -> str:
    return Keys(prefix).frames


def encode(message: messages.Message) -> str:
    return orjson.dumps(message).decode()


_STATE_MARK = "\x00state\x00"
_STATE_MARK_JSON = orjson.dumps(_STATE_MARK)


def encode_snapshot(raw: RawSnapshot, server_time: float) -> str:
    """The snapshot frame of ``raw``: the same JSON as ``encode(messages.snapshot(...))``
    of the decoded state, spliced from the stored JSON values without decoding them (a
    thousand agents: about 1 ms instead of 7)."""
    frame = messages.snapshot(
        raw.epoch, raw.seq, empty_state(), server_time=server_time, health=raw.health
    )
    marked = cast("dict[str, object]", frame)  # the state's place, to splice the JSON into
    marked["state"] = _STATE_MARK
    head, tail = orjson.dumps(frame).split(_STATE_MARK_JSON)
    parts = [head, b"{"]
    for n, (name, entities) in enumerate(raw.collections.items()):
        parts.append(b"%s%s:{" % (b"," if n else b"", orjson.dumps(name)))
        parts.append(
            b",".join(orjson.dumps(key.decode()) + b":" + value for key, value in entities.items())
        )
        parts.append(b"}")
    parts += [b"}", tail]
    return b"".join(parts).decode()


def websocket_send(text: str) -> dict[str, Any]:
    """The ASGI message that sends ``text`` as one websocket frame."""
    return {"type": "websocket.send", "text": text}


@dataclass(frozen=True)
class Published:
    kind: str
    epoch: str | None
    seq: int
    text: str

    @cached_property
    def message(self) -> dict[str, Any]:
        """The ASGI message, built once and handed to every board (servers only read it)."""
        return websocket_send(self.text)


def pack(kind: str, epoch: str | None, seq: int, text: str) -> bytes:
    return f"{kind} {epoch or '-'} {seq}\n{text}".encode()


def unpack(raw: bytes | str) -> Published:
    """A message from the channel; ValueError when it is not one of ours."""
    data = raw.decode() if isinstance(raw, bytes) else raw
    header, _, text = data.partition("\n")
    parts = header.split(" ")
    if len(parts) != 3 or parts[0] not in KINDS or not parts[2].isdigit() or not text:
        raise ValueError(f"not a board frame: {header[:60]!r}")
    kind, epoch, seq = parts
    return Published(kind, None if epoch == "-" else epoch, int(seq), text)


class Publisher:
    """The board projection's publisher (:class:`realtime.projections.board.Publisher`), and
    the worker's link listener."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.channel = channel(store.prefix)

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
        await self.store.redis.publish(self.channel, pack(kind, epoch, seq, encode(frame)))
