"""The path every raw Voicenter event takes: normalise -> reduce -> store -> listener.

The live worker and the ``replay`` command both feed events through one :class:`Pipeline`, one
at a time and in arrival order. The pipeline keeps the reducer's state in memory (the store
mirrors it), remembers the server's ``servertimeoffset`` for payloads that omit it, and logs and
counts what it could not use. Counters (``P stats`` in Redis):

- ``events_total`` and ``events:<EventName>``: raw events fed in;
- ``rejected_total`` and ``rejected:<EventName>``: unusable events or parts of events;
- ``voicenter_errors``: events that carried a non-zero ``errorCode``;
- ``deltas_total``: committed deltas; ``rebuilds_total``: rebuilds under a new epoch;
- ``broadcast_errors``: changes the listener failed to pass on (boards catch up by resync).

The listener (the web boards' broadcaster, see ``wallboard/broadcast.py``) hears of each
change only after the store committed it: ``on_commit(epoch, seq, delta)`` and, after a rebuild
from scratch, ``on_reset(epoch, state)``; the worker adds ``on_health`` when its connection to
Voicenter goes up or down.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import tzinfo
from typing import Protocol

from realtime.events import Event, Rejected, VoicenterError
from realtime.state import Delta, State, empty_state, reduce
from realtime.store import EpochLost, StateStore
from realtime.voicenter import normalise

log = logging.getLogger("realtime.pipeline")


class Listener(Protocol):
    async def on_commit(self, epoch: str, seq: int, delta: Delta) -> None: ...

    async def on_reset(self, epoch: str, state: State) -> None: ...

    async def on_health(
        self, epoch: str | None, seq: int, health: Mapping[str, object]
    ) -> None: ...


class Pipeline:
    def __init__(
        self, store: StateStore, tz: tzinfo | None = None, listener: Listener | None = None
    ) -> None:
        self.store = store
        self.tz = tz
        self.listener = listener
        self.state: State = empty_state()
        self.epoch: str | None = None
        self.seq = 0
        self.offset_min: int | None = None
        self._pending: Counter[str] = Counter()
        # While rebuilding (after a reconnect), events build a fresh state here instead of
        # being committed; it replaces the stored state once both snapshots have arrived.
        self._staging: State | None = None
        self._staged: set[str] = set()

    async def load(self) -> None:
        """Continue from what the store holds; rebuild under a new epoch if it holds nothing."""
        snap = await self.store.snapshot()
        if snap.epoch is None:
            await self.rebuild(empty_state())
            return
        self.state, self.epoch, self.seq = snap.state, snap.epoch, snap.seq

    async def rebuild(self, state: State) -> None:
        """Start from ``state`` under a new epoch (worker start, reconnect, lost data)."""
        self.epoch = await self.store.reset(state)
        self.state, self.seq = state, 0
        self._pending["rebuilds_total"] += 1
        if self.listener is not None:
            await self._tell(self.listener.on_reset(self.epoch, state))
        await self.flush_stats()

    def begin_rebuild(self) -> None:
        """Build the next state from scratch: from the coming ``loginStatus`` and
        ``AllExtensionsStatus`` and what arrives with them. Until both are in, the stored
        state (and its epoch) stands; then it is replaced at once under a new epoch."""
        self._staging, self._staged = empty_state(), set()
        self.offset_min = None

    @property
    def rebuilding(self) -> bool:
        return self._staging is not None

    async def feed(self, name: str, payload: object) -> tuple[Event, ...]:
        """Run one raw event through; returns its typed events (the worker acts on some)."""
        if self.epoch is None:
            await self.load()
        events = normalise(name, payload, offset_min=self.offset_min, tz=self.tz)
        self._pending["events_total"] += 1
        self._pending[f"events:{name}"[:100]] += 1
        for event in events:
            await self._apply(event)
        return events

    async def _apply(self, event: Event) -> None:
        own_offset = getattr(event, "offset_min", None)
        if own_offset is not None:
            self.offset_min = own_offset
        if isinstance(event, Rejected):
            log.warning("rejected Voicenter %s: %s", event.event, event.problem)
            self._pending["rejected_total"] += 1
            self._pending[f"rejected:{event.event}"[:100]] += 1
            return
        if isinstance(event, VoicenterError):
            log.error("Voicenter %s error %s: %s", event.event, event.code, event.desc)
            self._pending["voicenter_errors"] += 1
            return
        if self._staging is not None:
            self._staging, _ = reduce(self._staging, event)
            if event.kind in ("queues_snapshot", "agents_snapshot"):
                self._staged.add(event.kind)
            if len(self._staged) == 2:
                staged, self._staging = self._staging, None
                await self.rebuild(staged)
            return
        new_state, delta = reduce(self.state, event)
        if delta is None:
            return
        self._pending["deltas_total"] += 1
        stats = dict(self._pending)
        try:
            seq = await self.store.commit(self.epoch, delta, stats)  # type: ignore[arg-type]
            if seq != self.seq + 1:
                # Redis lost recent writes but kept the epoch (a crash between fsyncs): boards
                # would take the reused seqs for duplicates. Start over under a new epoch.
                raise EpochLost(f"{self.epoch}: seq {seq} after {self.seq}")
        except EpochLost:
            log.warning("stored state %s is gone (Redis lost data?); rebuilding", self.epoch)
            self._pending.clear()
            self._pending.update(stats)
            await self.rebuild(new_state)
            return
        self.seq = seq
        self._pending.clear()
        self.state = new_state
        if self.listener is not None:
            await self._tell(self.listener.on_commit(self.epoch, self.seq, delta))  # type: ignore[arg-type]

    async def verify(self) -> bool:
        """Is the stored state still ours? If Redis lost it (flushed, restarted empty), write
        ours back under a new epoch now, rather than at the next change, which on a quiet
        night may be hours away. Returns whether it had to."""
        if self.epoch is None or self.rebuilding:
            return False
        epoch, seq = await self.store.head()
        if (epoch, seq) == (self.epoch, self.seq):
            return False
        log.warning(
            "stored state %s/%s is not ours (%s/%s); rebuilding", epoch, seq, self.epoch, self.seq
        )
        await self.rebuild(self.state)
        return True

    async def health_changed(self, health: Mapping[str, object]) -> None:
        """The worker's connection to Voicenter went up or down: tell the boards at once."""
        if self.listener is not None:
            await self._tell(self.listener.on_health(self.epoch, self.seq, health))

    async def _tell(self, call) -> None:
        try:
            await call
        except Exception:  # the state is committed; boards recover by resync
            log.exception("could not pass a change on to the boards")
            self._pending["broadcast_errors"] += 1

    async def flush_stats(self) -> None:
        stats, self._pending = dict(self._pending), Counter()
        await self.store.add_stats(stats)
