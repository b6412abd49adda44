"""Snapshots per web process: the boards that ask while one is being read share the next read.

A board's snapshot must be read after it joined the fan-out (``fanout.py``), or a change
published between the read and the join would be lost to it. So a request never takes a read
already under way: it waits for the next one, which starts once the current one is done and
serves every request made meanwhile. One board asking alone gets its own read at once; a
thousand boards reconnecting together cost a handful of reads instead of a thousand, and
share the same encoded text (memory: one copy per read, not per board).

The frame is built from the stored JSON without decoding it (``publisher.encode_snapshot``),
once per scope among the boards served by one read (``realtime/scopes.py``: a team's boards
share their team's text; the read itself serves every scope).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import weakref
from dataclasses import dataclass

from realtime.publisher import encode_snapshot
from realtime.scopes import WHOLE_ACCOUNT, Scope, scope_raw
from realtime.store import RawSnapshot, StateStore


@dataclass(frozen=True, slots=True)
class Encoded:
    epoch: str | None
    seq: int
    text: str


class Read:
    """One read of the state, encoded once for each scope that asks for it."""

    def __init__(self, raw: RawSnapshot, server_time: float) -> None:
        self.raw = raw
        self.server_time = server_time
        self._encoded: dict[str, Encoded] = {}

    def encoded(self, within: Scope) -> Encoded:
        found = self._encoded.get(within.key)
        if found is None:
            raw = self.raw
            if not within.whole:
                raw = dataclasses.replace(raw, collections=scope_raw(raw.collections, within))
            text = encode_snapshot(raw, self.server_time)
            found = self._encoded[within.key] = Encoded(raw.epoch, raw.seq, text)
        return found


class Snapshots:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.reads = 0  # snapshots read from Redis
        self._next: asyncio.Future[Read] | None = None  # the read the next askers share
        self._reader: asyncio.Task[None] | None = None

    async def take(self, within: Scope = WHOLE_ACCOUNT) -> Encoded:
        """A snapshot read after this call began, cut to ``within``."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_all())
        read = await asyncio.shield(waiting)
        return read.encoded(within)

    async def _read_all(self) -> None:
        while self._next is not None:
            serving, self._next = self._next, None  # whoever asks from now waits for the next
            try:
                raw = await self.store.raw_snapshot()
                self.reads += 1
                read = Read(raw, time.time())
            except Exception as exc:
                serving.set_exception(exc)
                serving.exception()  # each asker gets it; none is left unretrieved
            else:
                serving.set_result(read)


_sources: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Snapshots] = (
    weakref.WeakKeyDictionary()
)


def snapshots(store: StateStore) -> Snapshots:
    """This event loop's (this web process's) snapshots."""
    loop = asyncio.get_running_loop()
    source = _sources.get(loop)
    if source is None:
        source = _sources[loop] = Snapshots(store)
    return source
