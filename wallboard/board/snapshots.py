"""Snapshots per web process: the boards that ask while one is being read share the next read.

A board's snapshot must be read after it joined the fan-out (``fanout.py``), or a change
published between the read and the join would be lost to it. So a request never takes a read
already under way: it waits for the next one, which starts once the current one is done and
serves every request made meanwhile. One board asking alone gets its own read at once; a
thousand boards reconnecting together cost a handful of reads instead of a thousand, and
share the same encoded text (memory: one copy per read, not per board).

The frame is built from the stored JSON without decoding it (``publisher.encode_snapshot``).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass

from realtime.publisher import encode_snapshot
from realtime.store import StateStore


@dataclass(frozen=True, slots=True)
class Encoded:
    epoch: str | None
    seq: int
    text: str


class Snapshots:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.reads = 0  # snapshots read from Redis
        self._next: asyncio.Future[Encoded] | None = None  # the read the next askers share
        self._reader: asyncio.Task[None] | None = None

    async def take(self) -> Encoded:
        """A snapshot read after this call began."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_all())
        return await asyncio.shield(waiting)

    async def _read_all(self) -> None:
        while self._next is not None:
            serving, self._next = self._next, None  # whoever asks from now waits for the next
            try:
                raw = await self.store.raw_snapshot()
                self.reads += 1
                encoded = Encoded(raw.epoch, raw.seq, encode_snapshot(raw, time.time()))
            except Exception as exc:
                serving.set_exception(exc)
                serving.exception()  # each asker gets it; none is left unretrieved
            else:
                serving.set_result(encoded)


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
