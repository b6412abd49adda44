"""Today's numbers on the board: each queue's ``today`` entity, and what the board shows it by.

The board shows the current business day (by the clock, in the account's time zone): each queue
that had calls that day or has settings of its own has an entity in the board's ``today``
collection (:class:`realtime.state.TodayView`, whose fields :mod:`realtime.state` specifies):
its counters and metrics (:func:`realtime.metrics.figures`), the day, its chart
(:mod:`realtime.projections.day.chart`), the agents who answered its calls that day
(:meth:`realtime.projections.day.agents.AgentDays.answered_by`) and what the board shows it
by, from the queue's settings (kept by the web side, ``wallboard/reports``): its display name
and its alert
thresholds (waiting callers, longest wait), unreadable ones unset, and its service-level target
(``alert_sl_pct``: below it the tile says so), :data:`realtime.metrics.DEFAULT_SL_TARGET_PCT`
(80 %) for a queue with no settings or an unreadable target, none only when its settings say so
(null) (:func:`board_settings`). The settings ride in the entity, so a screen left on for days
follows a change at once.

:class:`TodayOnBoard` puts them on the board (:meth:`realtime.projections.board.BoardState.put`,
committed with the board's next batch):

- all at once (:meth:`TodayOnBoard.show`) at start, at a new business day (from zero), and when
  the settings or a recount changed them;
- the queues a batch counted, each once however many of its events counted it
  (:meth:`TodayOnBoard.show_counted`), by the pipeline's ``today`` step once the batch is
  applied (``realtime/pipeline.py``): building a queue's figures at each event was a large
  part of the worker's time at full speed (``docs/performance.md``, "Ingest");
- every charted queue when the chart moves on a minute (:meth:`TodayOnBoard.show_chart`).
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal, Protocol

from realtime.metrics import DEFAULT_SL_TARGET_PCT, QueueDay, QueueRules, figures
from realtime.projections.day.agents import AgentDays
from realtime.projections.day.chart import WaitingChart
from realtime.projections.day.queues import QueueCounts
from realtime.state import BoardSettings, State, TodayView

#: The board's collection of today's numbers, keyed by queue id.
COLLECTION: Final = "today"

#: A queue's name and alert thresholds on the board, when it has no settings of its own: no
#: alert but the industry's service-level target.
NOT_SET: BoardSettings = {
    "display_name": "", "alert_waiting": None, "alert_longest_wait_s": None,
    "alert_sl_pct": DEFAULT_SL_TARGET_PCT,
}  # fmt: skip


def board_settings(raw: object) -> BoardSettings:
    """What the board shows a queue by, from its stored settings (anything unreadable, or past
    what a queue could see: 100,000 callers, a day's wait, 100 %, is unset; the service-level
    target then the default, and none only when the settings say null)."""
    settings = raw if isinstance(raw, dict) else {}
    name = settings.get("display_name")
    target = settings.get("alert_sl_pct", DEFAULT_SL_TARGET_PCT)
    if target is not None:
        target = _at_most(target, 100)
        target = DEFAULT_SL_TARGET_PCT if target is None else target
    return {
        "display_name": name[:200] if isinstance(name, str) else "",
        "alert_waiting": _at_most(settings.get("alert_waiting"), 100_000),
        "alert_longest_wait_s": _at_most(settings.get("alert_longest_wait_s"), 86_400),
        "alert_sl_pct": target,
    }


def _at_most(value: object, top: int) -> int | None:
    """A threshold of 0 to ``top``; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top:
        return value
    return None


class Board(Protocol):
    """Where today's numbers go (``realtime.projections.board.BoardState``)."""

    state: State

    def put(
        self, collection: Literal["today"], entities: dict[str, TodayView], replace: bool = False
    ) -> None: ...


class TodayOnBoard:
    def __init__(
        self,
        board: Board | None,
        queues: QueueCounts,
        chart: WaitingChart,
        agents: AgentDays | None = None,
    ) -> None:
        self.board = board  # None: counted and stored only
        self.queues = queues
        self.chart = chart
        self.agents = agents  # who answered each queue's calls (None: nobody known)
        self.shown: dict[str, BoardSettings] = {}  # queue id -> its settings for the board
        self.day: date | None = None  # the day the board's numbers are of

    def entity(self, day: date, queue: str) -> TodayView:
        """``queue``'s ``today`` entity for ``day``."""
        counters = self.queues.days.get(day, {}).get(queue, QueueDay())
        return {
            **figures(counters, self.queues.rules.get(queue, QueueRules())),
            "day": day.isoformat(),
            **self.shown.get(queue, NOT_SET),
            "waiting_last_hour": self.chart.points(queue),
            "answered_by": self.agents.answered_by(day, queue) if self.agents else [],
        }

    def show(self, day: date) -> None:
        """The board's numbers become those of ``day``, for every queue with calls that day or
        settings of its own (at once); the queues counted on it from now on are noted for
        :meth:`show_counted`."""
        self.day = self.queues.noted_day = day
        if self.board is not None:
            queues = set(self.queues.days.get(day, {})) | set(self.shown)
            entities = {q: self.entity(day, q) for q in queues}
            self.board.put(COLLECTION, entities, replace=True)

    def show_counted(self) -> None:
        """Put the numbers of the queues counted since the last call on the board, each once."""
        counted = self.queues.take_noted()
        if counted and self.board is not None and self.day is not None:
            day = self.day
            self.board.put(COLLECTION, {queue: self.entity(day, queue) for queue in counted})

    def show_chart(self) -> None:
        """Every charted queue's entity, its chart moved on."""
        if self.board is not None and self.day is not None:
            day = self.day
            self.board.put(COLLECTION, {q: self.entity(day, q) for q in self.chart.history})
