"""Callers who gave up: the day's list of callers to call back, and repeat callers.

Pure: no I/O. This docstring is the spec of the list; the worker keeps it in Redis
(:mod:`realtime.projections.day.callers`, keys in :mod:`realtime.daystore`), and the web side
shows it and calls the callers back (``wallboard/callbacks``).

The list
========

It is made from the records of the calls the day's numbers counted
(:class:`realtime.metrics.CountedCall`), which keep the caller's number (``n``) and when the
call left the queue (``e``), whether the events or Voicenter's call records told it. One row per
caller number and business day (:func:`gave_up`):

- a number is on day D's list when one of its queue calls was **abandoned** on D (closed on D,
  ``c``), and it has had **no answered call since** (a call of any queue, any day, that left
  the queue to an agent at or after that abandon): a caller who calls again and is answered
  leaves the list by themselves;
- the row tells the **last** abandon: its queue, when the caller gave up (``a``, UTC epoch;
  null when unknown), how long they waited (``w``, seconds; null when unknown) and that call's
  key (``k``, ``<queue id>:<call id>``: a call-back is claimed for one abandon, so a caller who
  gives up again after a call-back is on the list again); and ``c``, **how many times** the
  number called that day (its distinct calls offered on D: one caller moved between two queues
  is one call);
- numbers without a digit (withheld: ``Anonymous``, ``""``) are on no list: there is no one to
  call back.

Example row (``day:D:gave_up``, keyed by the number)::

    {"n": "0501234567", "q": "12345678", "k": "12345678:2020082015645675", "a": 1764496841.0,
     "w": 41.0, "c": 2}

Repeat callers
==============

A waiting caller's ``earlier`` (:class:`realtime.events.WaitingCall`) counts the number's
other calls the worker holds, those offered today and yesterday (:class:`Repeats`): the tile
marks a caller with one or more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from realtime.events import Event, WaitingCall, with_callers
from realtime.metrics import CountedCall


class GaveUp(TypedDict):
    """A row of the list (see above)."""

    n: str  # the caller's number, as Voicenter sent it
    q: str  # the queue of the last abandon
    k: str  # the last abandoned call's key, "<queue id>:<call id>"
    a: float | None  # when they gave up (UTC epoch); None: unknown
    w: float | None  # how long they waited, seconds; None: unknown
    c: int  # their calls offered that day


def callable_number(number: str) -> bool:
    """Is there someone to call back (a number with a digit)?"""
    return any(ch.isdigit() for ch in number)


def _left_at(call: CountedCall) -> float:
    """When a call left the queue, as well as known (0: not known at all)."""
    ended = call.get("e")
    if ended is not None:
        return ended
    joined, wait = call["j"], call["w"]
    if joined is not None:
        return joined + (wait or 0.0)
    return 0.0


def gave_up(number: str, calls: Iterable[tuple[str, CountedCall]], day: str) -> GaveUp | None:
    """Day ``day``'s row for ``number`` (``YYYY-MM-DD``), from all of the number's calls held
    (key, record); None when it is on no list that day."""
    if not callable_number(number):
        return None
    held = list(calls)
    abandons = [(k, c) for k, c in held if c["o"] == "abandoned" and c["c"] == day]
    if not abandons:
        return None
    key, last = max(abandons, key=lambda kc: (_left_at(kc[1]), kc[0]))
    left = _left_at(last)
    if any(c["o"] == "answered" and _left_at(c) >= left for _, c in held):
        return None
    offered = {k.split(":", 1)[-1] for k, c in held if c["d"] == day}
    ended = last.get("e")
    at = ended if ended is not None else (left or None)
    return {"n": number, "q": last["q"], "k": key, "a": at, "w": last["w"], "c": len(offered)}


class Repeats:
    """The numbers' calls the worker holds (number -> their call ids), and each waiting
    caller's ``earlier`` set from them, before the projections see an event (as our contacts'
    names are: :mod:`realtime.contacts`)."""

    def __init__(self) -> None:
        self.calls: dict[str, set[str]] = {}

    def add(self, number: str, key: str) -> None:
        """The call ``key`` (``<queue>:<call id>``) from ``number``."""
        if callable_number(number):
            self.calls.setdefault(number, set()).add(key.split(":", 1)[-1])

    def clear(self) -> None:
        self.calls = {}

    def earlier(self, caller: WaitingCall) -> int:
        held = self.calls.get(caller.caller_number)
        if not held:
            return 0
        return len(held) - (caller.call_id in held)

    def enrich(self, event: Event) -> Event:
        """``event`` with its waiting callers' ``earlier`` set."""
        if not self.calls:
            return event
        return with_callers(event, self._caller)

    def _caller(self, caller: WaitingCall) -> WaitingCall:
        earlier = self.earlier(caller)
        if earlier == caller.earlier:
            return caller
        c = caller  # (built directly: dataclasses.replace costs more, on the hot path)
        return WaitingCall(c.call_id, c.caller_number, c.caller_name, c.joined_at, c.contact,
                           earlier)  # fmt: skip
