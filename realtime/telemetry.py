"""The worker's numbers about its own work: batches, how old their news is, how long commits take.

Pure: no I/O. The worker observes each batch it commits (:meth:`Telemetry.batch`, once per
batch, never per event); the counts wait in memory, and the pipeline hands them out with its
counters (:meth:`realtime.pipeline.Pipeline.take_stats`), which the worker adds to ``P stats``
in its once-a-second flush (one pipelined round trip for all of them, as before). The web
processes read them back (:func:`read`) and serve them as Prometheus histograms at
``/metrics`` (``wallboard/core/metrics.py``).

Histograms
==========

=====================  ========================================================================
``batch_events``       events (raw Voicenter messages) in each batch the worker committed; at
                       most ``realtime.worker.MAX_BATCH`` (500). Buckets: 1, 2, 5, 10, 20, 50,
                       100, 200, 500.
``event_age_seconds``  for each committed batch, the age of its newest event at the commit:
                       our clock when the commit returned minus the Voicenter time the event
                       carries (its ``servertime``, made UTC with the connection's
                       ``servertimeoffset``: :mod:`realtime.voicenter.wire`). The newest event
                       is the batch's last one that carries a time (``at``: queue and extension
                       events, snapshots); a batch with none is not counted. Voicenter's times
                       are whole seconds, so a fresh event reads 0 to 1 s old; a clock of
                       Voicenter's ahead of ours reads 0 (never negative). Buckets: 0.5, 1,
                       1.5, 2, 3, 5, 10, 30, 60, 300 s.
``commit_seconds``     how long each committed batch's commit took (every projection's Redis
                       round trips and the publish to the boards: what stands between an event
                       applied and the boards told). Buckets: 0.5, 1, 2.5, 5, 10, 25, 50, 100,
                       250, 500, 1000, 5000 ms.
``redis_rtt_seconds``  one Redis round trip, as the active worker sees it: its lease renewal
                       (one script call, every ``realtime.lease.RENEW_EVERY_S``), so measured
                       apart from the events and costing none. A renewal that failed is not
                       counted. Buckets: as ``commit_seconds``.
=====================  ========================================================================

A batch applied while Redis is away is not observed (it is committed later, with others, by the
flush that finds Redis back).

Stored form
===========

Integers in ``P stats``, added (``HINCRBY``) like every other counter there, so they are
cumulative since Redis last lost its data:

- ``telemetry:<histogram>:le:<bound>``: observations in that bucket *alone* (the smallest bound
  at or above the value; ``+Inf`` past the last bound), not cumulative: a Prometheus bucket
  ``le`` is the sum of the stored buckets up to it (:func:`read`). Bounds are written as
  ``format(bound, "g")`` (``0.0005``, ``1``, ``+Inf``).
- ``telemetry:<histogram>:sum``: the observed values' sum in millionths of their unit
  (:attr:`Histogram.scale`: microseconds for seconds; whole events for ``batch_events``).

:func:`read` gives every bound of today's buckets, and any other bound it finds stored: a change
of buckets leaves the stored ones readable (coarser for the old observations, never wrong).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: The prefix of every stored key of this module (in ``P stats``).
PREFIX = "telemetry:"


@dataclass(frozen=True)
class Histogram:
    name: str
    bounds: tuple[float, ...]  # increasing; +Inf is implied
    scale: int  # the stored sum is the values' sum times this, rounded
    keys: tuple[str, ...] = field(init=False)  # each bucket's stored key, +Inf's last
    sum_key: str = field(init=False)

    def __post_init__(self) -> None:
        assert list(self.bounds) == sorted(set(self.bounds))  # (increasing, each once)
        names = [format(bound, "g") for bound in self.bounds] + ["+Inf"]
        object.__setattr__(self, "keys", tuple(f"{PREFIX}{self.name}:le:{b}" for b in names))
        object.__setattr__(self, "sum_key", f"{PREFIX}{self.name}:sum")

    def key_of(self, value: float) -> str:
        """The stored key of the bucket ``value`` falls in."""
        return self.keys[bisect_left(self.bounds, value)]


BATCH_EVENTS = Histogram("batch_events", (1, 2, 5, 10, 20, 50, 100, 200, 500), scale=1)
EVENT_AGE = Histogram("event_age_seconds", (0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 300), scale=1_000_000)
COMMIT = Histogram(
    "commit_seconds",
    (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
    scale=1_000_000,
)
REDIS_RTT = Histogram("redis_rtt_seconds", COMMIT.bounds, scale=1_000_000)
HISTOGRAMS = (BATCH_EVENTS, EVENT_AGE, COMMIT, REDIS_RTT)


class Telemetry:
    """The counts observed since the last :meth:`take`."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._sums: dict[Histogram, float] = {}

    def observe(self, histogram: Histogram, value: float) -> None:
        self._counts[histogram.key_of(value)] += 1
        self._sums[histogram] = self._sums.get(histogram, 0.0) + value

    def batch(self, size: int, events: Sequence[object], commit_s: float, now: float) -> None:
        """A batch of ``size`` raw events, read into ``events`` (typed), committed in
        ``commit_s`` seconds, the commit returning at ``now`` (UTC epoch seconds)."""
        self.observe(BATCH_EVENTS, size)
        self.observe(COMMIT, max(0.0, commit_s))
        newest = newest_time(events)
        if newest is not None:
            self.observe(EVENT_AGE, max(0.0, now - newest))

    def take(self) -> Counter[str]:
        """What was observed since the last call, as ``P stats`` increments."""
        out, self._counts = self._counts, Counter()
        for histogram, total in self._sums.items():
            out[histogram.sum_key] += round(total * histogram.scale)
        self._sums = {}
        return out


def newest_time(events: Sequence[object]) -> float | None:
    """The Voicenter time (``at``, UTC seconds) of the last of ``events`` that carries one."""
    for event in reversed(events):
        at = getattr(event, "at", None)
        if isinstance(at, int | float):
            return float(at)
    return None


@dataclass(frozen=True)
class Stored:
    """One histogram as read back: cumulative ``(bound, count)`` pairs ending with +Inf (as
    Prometheus wants them), and the values' sum in their unit."""

    buckets: list[tuple[float, int]]
    sum: float

    @property
    def count(self) -> int:
        return self.buckets[-1][1] if self.buckets else 0


def read(stats: Mapping[str, int]) -> dict[str, Stored]:
    """The histograms in ``stats`` (``P stats`` as read), by name; every known histogram is
    there, empty if nothing was stored yet. Unreadable keys under :data:`PREFIX` are left out."""
    scales = {h.name: h.scale for h in HISTOGRAMS}
    found: dict[str, dict[float, int]] = {h.name: {} for h in HISTOGRAMS}
    sums: dict[str, int] = {}
    for key, value in stats.items():
        if not key.startswith(PREFIX):
            continue
        name, _, rest = key[len(PREFIX) :].partition(":")
        if name not in scales:
            continue
        if rest == "sum":
            sums[name] = value
        elif rest.startswith("le:"):
            try:
                bound = float(rest[3:])
            except ValueError:
                continue
            if not math.isnan(bound):
                found[name][bound] = found[name].get(bound, 0) + value
    out: dict[str, Stored] = {}
    for histogram in HISTOGRAMS:  # today's bounds, always: no bucket series comes and goes
        for bound in histogram.bounds:
            found[histogram.name].setdefault(float(bound), 0)
    for name, buckets in found.items():
        buckets.setdefault(math.inf, 0)
        running, cumulative = 0, []
        for bound in sorted(buckets):
            running += buckets[bound]
            cumulative.append((bound, running))
        out[name] = Stored(cumulative, sums.get(name, 0) / scales[name])
    return out


def is_telemetry(key: str) -> bool:
    """Whether a ``P stats`` key is one of this module's."""
    return key.startswith(PREFIX)
