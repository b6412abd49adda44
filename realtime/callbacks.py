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

import re
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


_DIGIT = re.compile(r"[0-9]")


def callable_number(number: str) -> bool:
    """Is there someone to call back (a number with a digit)?"""
    return _DIGIT.search(number) is not None


def _left_at(call: CountedCall) -> float:
    """When a call left the queue, as well as known (0: not known at all)."""
    ended = call.get("e")
    if ended is not None:
        return ended
    joined, wait = call["j"], call["w"]
    if joined is not None:
        return joined + (wait or 0.0)
    return 0.0


class CallerDays:
    """One number's calls, folded one record at a time into what its rows are made of: the
    calls offered each day, the last abandon closed each day, the last answer. Folding a record
    again with more news (it left the queue) is folding it once; a record whose outcome changed
    after it closed (a call record said otherwise) needs the number folded afresh."""

    __slots__ = ("abandons", "answered_at", "offered")

    def __init__(self) -> None:
        self.offered: dict[str, set[str]] = {}  # day -> its call ids offered that day
        self.abandons: dict[str, tuple[float, str, CountedCall]] = {}  # day -> the last abandon
        self.answered_at: float | None = None  # when its last answered call left the queue

    def add(self, key: str, call: CountedCall) -> None:
        self.offered.setdefault(call["d"], set()).add(key.split(":", 1)[-1])
        outcome, closed_on = call["o"], call["c"]
        if outcome == "answered":
            left = _left_at(call)
            if self.answered_at is None or left > self.answered_at:
                self.answered_at = left
        elif outcome == "abandoned" and closed_on:
            mark = (_left_at(call), key)
            last = self.abandons.get(closed_on)
            if last is None or mark >= last[:2]:
                self.abandons[closed_on] = (mark[0], key, call)

    def days(self) -> set[str]:
        """The days it has an abandon on."""
        return set(self.abandons)

    def row(self, number: str, day: str) -> GaveUp | None:
        """Day ``day``'s row (``YYYY-MM-DD``); None when it is on no list that day."""
        last = self.abandons.get(day)
        if last is None or not callable_number(number):
            return None
        left, key, call = last
        if self.answered_at is not None and self.answered_at >= left:
            return None  # they got through since
        ended = call.get("e")
        at = ended if ended is not None else (left or None)
        count = len(self.offered.get(day, ()))
        return {"n": number, "q": call["q"], "k": key, "a": at, "w": call["w"], "c": count}


def gave_up(number: str, calls: Iterable[tuple[str, CountedCall]], day: str) -> GaveUp | None:
    """Day ``day``'s row for ``number`` (``YYYY-MM-DD``), from all of the number's calls held
    (key, record); None when it is on no list that day."""
    folded = CallerDays()
    for key, call in calls:
        folded.add(key, call)
    return folded.row(number, day)


class Repeats:
    """The numbers' calls the worker holds (number -> their call ids), and each waiting
    caller's ``earlier`` set from them, before the projections see an event (as our contacts'
    names are: :mod:`realtime.contacts`)."""

    def __init__(self) -> None:
        self.calls: dict[str, set[str]] = {}

    def add(self, number: str, key: str) -> None:
        """The call ``key`` (``<queue>:<call id>``) from ``number`` (a callable one)."""
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
