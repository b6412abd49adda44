"""The board's live state: typed events -> reducer -> Redis (state + seq) -> the boards.

The reducer (:mod:`realtime.state`) gives each change as a delta; :meth:`BoardState.apply`
notes which entities a batch of events changed and :meth:`BoardState.commit` writes their
newest versions as one delta (the effect of :func:`realtime.state.merge_deltas` of the
events' deltas): the store (:mod:`realtime.store`) commits it
and bumps ``seq`` by one, atomically, in one round trip; only then does the :class:`Publisher`
hear of it, once per batch. A rebuild from scratch (the worker's (re)connect, Redis having
lost its data) starts a new epoch and hands every board the new state at once.

While rebuilding after a (re)connect, events build a fresh state aside; the stored state (and
its epoch) stands until both snapshots (``loginStatus`` and ``AllExtensionsStatus``) are in,
then it is replaced at once under a new epoch: boards never see a half-built state.

Only the extensions the last ``AllExtensionsStatus`` listed have cards
(:func:`realtime.state.monitored`): an ``ExtensionEvent`` for another one is counted and
logged once per extension; after ``UNMONITORED_RESYNC_AFTER`` of them since the last
``AllExtensionsStatus``, :meth:`BoardState.wants_resync` asks the worker for fresh snapshots
(the list may have changed under us). An extension a wish was made for does not count towards
another: one Voicenter goes on leaving out costs one resync, not one every few minutes.

Counters (see :meth:`take_stats`): ``deltas_total`` (committed deltas), ``rebuilds_total``
(rebuilds under a new epoch), ``broadcast_errors`` (changes the publisher failed to pass on;
boards catch up by resync), ``unmonitored_events`` (events for extensions not monitored).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable
from typing import Literal, Protocol, cast

from realtime.events import Event
from realtime.state import (
    Collections,
    Delta,
    Parts,
    State,
    TodayView,
    diff,
    empty_state,
    monitored,
    part_of,
    reduce,
)
from realtime.store import EpochLost, StateStore

log = logging.getLogger("realtime.projections.board")

#: The snapshots a rebuild waits for: together they replace the state's collections but
#: PUT_COLLECTIONS, which other projections keep (:meth:`BoardState.put`).
SNAPSHOT_KINDS = frozenset({"queues_snapshot", "agents_snapshot"})
PutCollection = Literal["today"]
PUT_COLLECTIONS: tuple[PutCollection, ...] = ("today",)
#: Events for unmonitored extensions since the last ``AllExtensionsStatus`` before the
#: projection wants fresh snapshots (the worker asks Voicenter at most every few minutes).
UNMONITORED_RESYNC_AFTER = 3
#: At most this many unmonitored extensions are remembered (one log line each) at a time.
MAX_UNMONITORED_LOGGED = 1000


class Publisher(Protocol):
    """Who passes committed changes on to the boards (``realtime/publisher.py``)."""

    async def on_commit(self, epoch: str, seq: int, delta: Delta) -> None: ...

    async def on_reset(self, epoch: str, state: State) -> None: ...


class BoardState:
    def __init__(self, store: StateStore, publisher: Publisher | None = None) -> None:
        self.store = store
        self.publisher = publisher
        self.state: State = empty_state()
        self.epoch: str | None = None  # None until load()
        self.seq = 0
        self._stats: Counter[str] = Counter()
        self._staging: State | None = None
        self._staged: set[str] = set()
        # the ids each collection's events changed since the last commit, in order (applied to
        # self.state, not yet committed): the commit writes their newest versions, O(events)
        self._touched: dict[str, dict[str, None]] = {}
        # a rebuilt state (snapshots in) not yet written: the next commit writes it
        self._reset_pending = False
        self._unmonitored = 0  # events for unlisted extensions since the last extension list
        self._unmonitored_seen: set[str] = set()  # (bounded) logged once each
        self._unmonitored_wished: set[str] = set()  # (bounded) already asked a resync for

    async def load(self) -> None:
        """Continue from what the store holds; rebuild under a new epoch if it holds nothing."""
        snap = await self.store.snapshot()
        if snap.epoch is None:
            await self.rebuild(empty_state())
            return
        self.state, self.epoch, self.seq = snap.state, snap.epoch, snap.seq

    async def rebuild(self, state: State) -> None:
        """Start from ``state`` under a new epoch (worker start, reconnect, lost data)."""
        # every collection (empty if left out); another projection's (PUT_COLLECTIONS) stays
        # as it is unless ``state`` brings its own
        kept = {n: self.state.get(n, {}) for n in PUT_COLLECTIONS if not state.get(n)}
        state = cast(State, {**empty_state(), **state, **kept})
        self.state, self._reset_pending = state, True  # until written (Redis may be away)
        self.epoch = epoch = await self.store.reset(state)
        self.state, self.seq, self._touched, self._reset_pending = state, 0, {}, False
        self._stats["rebuilds_total"] += 1
        if self.publisher is not None:
            await self._tell(self.publisher.on_reset(epoch, state))

    def begin_rebuild(self) -> None:
        self._staging, self._staged = empty_state(), set()

    def abandon_rebuild(self) -> None:
        """The socket closed before both snapshots came: what was staged is dropped, the stored
        state (which the boards show) stands and takes the Active calls API's answers."""
        self._staging, self._staged = None, set()

    @property
    def rebuilding(self) -> bool:
        return self._staging is not None

    async def apply(self, event: Event) -> None:
        if self._staging is not None:
            self._staging, _ = reduce(self._staging, event)
            if event.kind in SNAPSHOT_KINDS:
                self._staged.add(event.kind)
            if event.kind == "agents_snapshot":
                self._unmonitored = 0
            if self._staged == SNAPSHOT_KINDS:
                # Written by the batch's commit: apply() does no I/O, so a Redis outage
                # cannot lose the events behind it in the batch. What the snapshots do not
                # carry (today's numbers, put by another projection) carries over.
                kept = {n: self.state.get(n, {}) for n in PUT_COLLECTIONS}
                staged = cast(State, {**self._staging, **kept})
                self.state, self._staging = staged, None
                self._reset_pending, self._touched = True, {}
            return
        if self.epoch is None:
            raise RuntimeError("BoardState.apply() before load()")
        if event.kind == "agents_snapshot":
            self._unmonitored = 0
        elif not monitored(self.state, event):
            self._count_unmonitored(event)
            return
        self.state, delta = reduce(self.state, event)
        if delta:
            self._touch(delta)

    def put(
        self, collection: PutCollection, entities: dict[str, TodayView], replace: bool = False
    ) -> None:
        """Set entities of a collection the snapshots do not carry (another projection's:
        ``today``, :mod:`realtime.projections.day`); with ``replace``, they become the whole
        collection. Committed with the batch, like the events' changes (a batch's puts are
        made before the pipeline commits it: ``realtime/pipeline.py``)."""
        current = self.state.get(collection, {})
        if replace:
            new = dict(entities)
        else:
            changed = {k: v for k, v in entities.items() if current.get(k) != v}
            if not changed:
                return
            new = {**current, **changed}
        part = diff(current, new)
        if part is not None:
            self.state = {**self.state, collection: new}
            self._touch({collection: part})

    def _count_unmonitored(self, event: Event) -> None:
        ext = getattr(getattr(event, "agent", None), "extension", "?")
        self._stats["unmonitored_events"] += 1
        if ext not in self._unmonitored_wished:
            self._unmonitored += 1
        if ext not in self._unmonitored_seen and (
            len(self._unmonitored_seen) < MAX_UNMONITORED_LOGGED
        ):
            self._unmonitored_seen.add(ext)
            log.warning("event for extension %.100r, which Voicenter did not list: ignored", ext)

    def wants_resync(self) -> bool:
        """Events for unlisted extensions keep coming: Voicenter's list may have changed
        without an ``ExtensionsUpdated``. True once ``UNMONITORED_RESYNC_AFTER`` of them came
        since the last list, for extensions no earlier wish was made for; asking clears it."""
        if self._unmonitored < UNMONITORED_RESYNC_AFTER:
            return False
        self._unmonitored = 0
        room = MAX_UNMONITORED_LOGGED - len(self._unmonitored_wished)
        self._unmonitored_wished |= set(list(self._unmonitored_seen)[: max(room, 0)])
        return True

    def _touch(self, delta: Delta) -> None:
        # (every collection alike: seen as Parts, which a Delta is; an annotation, where a
        # cast would be a call per event)
        parts: Parts = delta  # type: ignore[assignment]
        for name, part in parts.items():
            keys = self._touched.setdefault(name, {})
            keys.update(dict.fromkeys(part.get("set", ())))
            keys.update(dict.fromkeys(part.get("del", ())))

    def _take_pending(self) -> Delta | None:
        """One delta with everything applied since the last commit: each touched entity as
        the state holds it now, or removed (what :func:`merge_deltas` of the events' deltas
        gives, without copying it at each event)."""
        delta: Delta = {}
        # (every collection alike, as in _touch)
        parts: Parts = delta  # type: ignore[assignment]
        state: Collections = self.state  # type: ignore[assignment]
        for name, keys in self._touched.items():
            current = state.get(name, {})
            sets = {key: current[key] for key in keys if key in current}
            if part := part_of(sets, [key for key in keys if key not in current]):
                parts[name] = part
        self._touched = {}
        return delta or None

    async def commit(self) -> None:
        """Write what the events applied since the last commit changed, as one delta (nothing
        if they changed nothing), then tell the publisher."""
        if self._reset_pending:
            await self.rebuild(self.state)  # raises while Redis is away: still pending
            return
        epoch, delta = self.epoch, self._take_pending()
        if epoch is None or delta is None:
            return
        try:
            seq = await self.store.commit(epoch, delta)
            if seq != self.seq + 1:
                # Redis lost recent writes but kept the epoch (a crash between fsyncs): boards
                # would take the reused seqs for duplicates. Start over under a new epoch.
                raise EpochLost(f"{epoch}: seq {seq} after {self.seq}")
        except EpochLost:
            log.warning("stored state %s is gone (Redis lost data?); rebuilding", epoch)
            await self.rebuild(self.state)
            return
        except BaseException:
            # Not written (Redis down, cancelled): keep it for the next commit, so that the
            # stored state never falls behind the one in memory for good.
            touched_since, self._touched = self._touched, {}
            self._touch(delta)
            for name, keys in touched_since.items():
                self._touched.setdefault(name, {}).update(keys)
            raise
        self.seq = seq
        self._stats["deltas_total"] += 1
        if self.publisher is not None:
            await self._tell(self.publisher.on_commit(epoch, seq, delta))

    async def verify(self) -> bool:
        """Is the stored state still ours? If Redis lost it (flushed, restarted empty), write
        ours back under a new epoch now, rather than at the next change, which on a quiet
        night may be hours away."""
        if self._reset_pending:
            await self.rebuild(self.state)
            return True
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

    def take_stats(self) -> Counter[str]:
        stats, self._stats = self._stats, Counter()
        return stats

    async def _tell(self, call: Awaitable[None]) -> None:
        try:
            await call
        except Exception:  # the state is committed; boards recover by resync
            log.exception("could not pass a change on to the boards")
            self._stats["broadcast_errors"] += 1
