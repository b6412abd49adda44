"""The path every raw Voicenter event takes: normalise once, then every projection, in order.

The live worker and the ``replay`` command both feed events through one :class:`Pipeline`, in
arrival order, in batches: the worker feeds every event already waiting in one batch
(:meth:`Pipeline.feed_many`), so that under load a batch costs one commit per projection, and
when quiet an event goes through alone, at once. The pipeline normalises each raw event
(:func:`realtime.voicenter.wire.normalise`), remembers the server's ``servertimeoffset`` for
payloads that omit it, logs and counts what it could not use, hands each usable typed event to
its projections (:mod:`realtime.projections`), with our contacts' names set on its callers
and calls (:mod:`realtime.contacts`) and whatever else its enrichers set (repeat callers:
:mod:`realtime.callbacks`), then has each commit the batch's effect.

The order of a batch (:meth:`Pipeline.feed_many`, and :meth:`Pipeline.verify` after its
verifies):

1. apply: each raw event is normalised, then applied to every projection, in the order the
   pipeline was given them (the worker's, ``wallboard/worker/wiring.py``: the board's state,
   :mod:`realtime.projections.board`, then the day's numbers, :mod:`realtime.projections.day`,
   which reads the board's queues);
2. the steps (:class:`Step`), in the order declared, once the whole batch is applied: what one
   projection hands another from the batch as a whole. The worker's one step, ``today``, puts on
   the board the day's numbers of each queue the batch counted
   (:meth:`realtime.projections.day.DayCounters.show_counted`), once per queue however many
   events counted it;
3. commit: every projection commits, in the same order as 1; the board's commit carries what
   the steps put on it with the events' own changes, as one delta.

A step runs before any projection commits, so what it hands on is committed with the batch; a
commit that fails (its store away) leaves its projection's changes pending, steps' included,
for the next commit.

Counters gathered here (:meth:`Pipeline.take_stats` adds the projections' own):

- ``events_total`` and ``events:<EventName>``: raw events fed in (``events:other`` for names
  Voicenter does not document: one counter, however many invented names arrive);
- ``rejected_total`` and ``rejected:<EventName>`` (likewise ``rejected:other``): unusable
  events or parts of events;
- ``voicenter_errors``: events that carried a non-zero ``errorCode``;
- ``telemetry:*``: what its owner (the worker) observed of its batches in
  :attr:`Pipeline.telemetry` (:mod:`realtime.telemetry`: batch sizes, the newest event's age,
  commit times).

Writing the counters (and the worker's health) to Redis is the caller's business: the worker
does it about once a second, ``replay`` at its end.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from realtime.contacts import ContactNames
from realtime.events import Event, Rejected, VoicenterError
from realtime.projections import Projection
from realtime.telemetry import Telemetry
from realtime.voicenter.wire import known_event, normalise

log = logging.getLogger("realtime.pipeline")

#: Event names are Voicenter's (or a stranger's): a counter key keeps at most this many characters.
MAX_COUNTER_KEY = 100


@dataclass(frozen=True, slots=True)
class Step:
    """A named step of every batch, run once it is applied to every projection and before they
    commit it (see the order above)."""

    name: str
    run: Callable[[], None]


class Pipeline:
    def __init__(
        self,
        projections: Sequence[Projection],
        tz: tzinfo | None = None,
        contacts: ContactNames | None = None,
        steps: Sequence[Step] = (),
        enrichers: Sequence[Callable[[Event], Event]] = (),
    ) -> None:
        self.projections = tuple(projections)
        # what else is set on an event before the projections see it (repeat callers)
        self.enrichers = tuple(enrichers)
        self.steps = tuple(steps)
        self.tz = tz
        # our contacts' names, set on callers and calls before the projections see them
        self.contacts = contacts or ContactNames()
        self.offset_min: int | None = None
        self._offset_before: int | None = None  # the offset before a rebuild began
        self._stats: Counter[str] = Counter()
        # the batches as the worker observes them, handed out with the counters
        self.telemetry = Telemetry()
        self._loaded = False

    async def load(self) -> None:
        """Every projection continues from what its store holds."""
        for projection in self.projections:
            await projection.load()
        self._loaded = True

    def begin_rebuild(self) -> None:
        """A fresh connection: its snapshots rebuild every projection that derives from them."""
        self._offset_before, self.offset_min = self.offset_min, None
        for projection in self.projections:
            projection.begin_rebuild()

    def abandon_rebuild(self) -> None:
        """The connection closed before its snapshots were all in: every projection goes on
        from what it held before it (and the clock offset it knew, unless the new one came)."""
        if self.offset_min is None:
            self.offset_min = self._offset_before
        for projection in self.projections:
            projection.abandon_rebuild()

    @property
    def rebuilding(self) -> bool:
        return any(projection.rebuilding for projection in self.projections)

    async def feed(self, name: str, payload: object) -> tuple[Event, ...]:
        """Run one raw event through and commit it; returns its typed events."""
        return await self.feed_many([(name, payload)])

    async def feed_many(self, raw: Sequence[tuple[str, object]]) -> tuple[Event, ...]:
        """Run raw events through in order, then commit them as one batch; returns their typed
        events, in order (the worker acts on some)."""
        typed = await self.apply_many(raw)
        await self.commit()
        return typed

    async def apply_many(self, raw: Sequence[tuple[str, object]]) -> tuple[Event, ...]:
        """Run raw events through every projection, in order, without committing; returns
        their typed events. Needs the stores only to load (once)."""
        if not self._loaded:
            await self.load()
        typed: list[Event] = []
        for name, payload in raw:
            typed += await self._one(name, payload)
        return tuple(typed)

    async def commit(self) -> None:
        """The steps, in order, then every projection commits what it was given since its last
        commit. One failing (its store away) does not keep the others from committing; the
        first failure is raised once all have tried, and what failed stays pending for the next
        commit."""
        for step in self.steps:
            step.run()
        failure: BaseException | None = None
        for projection in self.projections:
            try:
                await projection.commit()
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    async def apply_polled(self, source: str, events: Sequence[Event]) -> None:
        """Typed events made from an answer of Voicenter's REST API (not the socket: the
        Active calls API while the socket is down, ``realtime/fallback.py``), applied as the
        socket's are, with our contacts' names and the enrichers, without committing; counted
        as ``polled:<source>``."""
        if not self._loaded:
            await self.load()
        self._stats[f"polled:{source}"[:MAX_COUNTER_KEY]] += 1
        for event in events:
            await self._hand_on(event)

    async def _hand_on(self, event: Event) -> None:
        """A usable typed event, named and enriched, to every projection in order."""
        named = self.contacts.enrich(event)
        for enrich in self.enrichers:
            named = enrich(named)
        for projection in self.projections:
            await projection.apply(named)

    async def _one(self, name: str, payload: object) -> tuple[Event, ...]:
        events = normalise(name, payload, offset_min=self.offset_min, tz=self.tz)
        self._stats["events_total"] += 1
        known = known_event(name)
        if not known:  # one counter for all: a stream of invented names must not grow them
            log.warning("unknown Voicenter event %.100r", name)
        self._stats[f"events:{name if known else 'other'}"[:MAX_COUNTER_KEY]] += 1
        for event in events:
            own_offset = getattr(event, "offset_min", None)
            if own_offset is not None:
                self.offset_min = own_offset
            if isinstance(event, Rejected):
                log.warning("rejected Voicenter %s: %s", event.event, event.problem)
                self._stats["rejected_total"] += 1
                which = event.event if known else "other"
                self._stats[f"rejected:{which}"[:MAX_COUNTER_KEY]] += 1
            elif isinstance(event, VoicenterError):
                log.error("Voicenter %s error %s: %s", event.event, event.code, event.desc)
                self._stats["voicenter_errors"] += 1
            else:
                await self._hand_on(event)
        return events

    def wants_resync(self) -> bool:
        """Whether any projection wants fresh snapshots from Voicenter (each wish asked once)."""
        wishes = [projection.wants_resync() for projection in self.projections]
        return any(wishes)

    async def verify(self) -> bool:
        """Ask every projection whether its stored data is still its own (each restores it if
        not), then commit what they changed (a new day, the call records, the chart's minute);
        True if any had to redo something."""
        restored = [await projection.verify() for projection in self.projections]
        await self.commit()  # what a verify changed (a new day, records) goes out at once
        return any(restored)

    def take_stats(self) -> Counter[str]:
        """Every counter gathered since the last call: the pipeline's, its projections' and
        the telemetry's."""
        stats, self._stats = self._stats, Counter()
        stats.update(self.telemetry.take())
        for projection in self.projections:
            stats.update(projection.take_stats())
        return stats
