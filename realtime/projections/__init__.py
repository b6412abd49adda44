"""Projections: each turns the stream of typed events into its own committed change.

The :class:`~realtime.pipeline.Pipeline` normalises every raw Voicenter event once and hands
the typed events, in order, to each of its projections. A projection keeps what it derives
from them (the board's live state today: :mod:`realtime.projections.board`; the day's counters
next), commits it to its own store once per batch of events, and tells whoever listens only
after the commit.

A new consumer of typed events is a new module here implementing :class:`Projection`, added to
the list the worker's pipeline is built with (``wallboard/worker/wiring.py``). What one
projection hands another from a whole batch (the day's numbers to the board) is a step of the
pipeline, run in its declared order before they commit (:mod:`realtime.pipeline`), not a hook
of one in the other.
"""

from __future__ import annotations

from collections import Counter
from typing import Protocol

from realtime.events import Event


class Projection(Protocol):
    async def load(self) -> None:
        """Continue from what the store holds (or start it afresh)."""

    def begin_rebuild(self) -> None:
        """The worker (re)connected: fresh snapshots follow. A projection that derives its
        state from snapshots starts over; one that only accumulates may ignore this."""

    def abandon_rebuild(self) -> None:
        """The connection closed before the rebuild's snapshots were all in: go on from the
        state held before :meth:`begin_rebuild` (the next connection begins another)."""

    @property
    def rebuilding(self) -> bool:
        """Still waiting for the snapshots of a rebuild."""

    async def apply(self, event: Event) -> None:
        """Take one usable typed event (never Rejected or VoicenterError), in order."""

    async def commit(self) -> None:
        """Commit the effect of the events applied since the last commit (a batch), at once."""

    def wants_resync(self) -> bool:
        """The projection saw events it could not place (an extension Voicenter did not list)
        often enough that Voicenter's lists may have changed: the worker asks for fresh
        snapshots. Asking clears the wish."""

    async def verify(self) -> bool:
        """Is the stored data still this projection's? Restore it if not; say whether it had to."""

    def take_stats(self) -> Counter[str]:
        """The counters gathered since the last call (the worker adds them to ``P stats``)."""
