"""The tiles' chart: the callers waiting in each queue over the last hour, one point a minute.

Each point is the most callers waiting at once in that minute, sampled from the board's state
about once a second (the projection's verify, :mod:`realtime.projections.day.projection`), up to
``HISTORY_MINUTES`` points, oldest first: each queue's ``waiting_last_hour`` on the board
(:mod:`realtime.state`). Held in memory only: a restart starts the chart afresh. A minute with no
sample (the worker busy or stopped) repeats the callers waiting when sampling resumed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from realtime.state import QueueView

#: The chart's points: one a minute, for the last hour.
HISTORY_MINUTES = 60


class WaitingChart:
    def __init__(self) -> None:
        self.history: dict[str, deque[int]] = {}  # queue id -> its points, oldest first
        self._minute: int | None = None  # the minute being sampled (epoch minutes)
        self._peak: dict[str, int] = {}  # queue id -> the most waiting at once in it so far

    def sample(self, queues: Mapping[str, QueueView], now: float) -> bool:
        """The callers waiting in ``queues`` (the board's) at ``now``; True when a new minute
        moved every queue's chart on."""
        for queue, view in queues.items():
            waiting = len(view.get("waiting", ()))
            if waiting > self._peak.get(queue, -1):
                self._peak[queue] = waiting
        minute = int(now // 60)
        if self._minute is None:
            self._minute = minute
            return False
        if minute == self._minute:
            return False
        gap = min(minute - self._minute, HISTORY_MINUTES)
        for queue in set(queues) | set(self.history):
            points = self.history.setdefault(queue, deque(maxlen=HISTORY_MINUTES))
            points.append(self._peak.get(queue, 0))
            still = queues.get(queue)
            points.extend([len(still.get("waiting", ())) if still is not None else 0] * (gap - 1))
        self._minute, self._peak = minute, {}
        return True

    def points(self, queue: str) -> list[int]:
        """``queue``'s chart, oldest point first (none yet: empty)."""
        return list(self.history.get(queue, ()))
