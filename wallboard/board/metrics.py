"""This web process's boards as ``/metrics`` serves them (``wallboard/core/metrics.py``).

Read at scrape time from what the fan-out already keeps (``fanout.py``: its boards and the
counters it adds up once per round, never per screen), and the snapshot time observed once per
snapshot. Each web process serves its own; Prometheus sums them.

- ``wallboard_boards``: boards connected now; ``wallboard_boards_by_scope{kind, scope}`` the
  same by scope (``realtime/scopes.py``): ``kind`` is ``account`` (the whole account, ``scope``
  ``all``), ``team`` (a team's queues and agents; ``scope`` is the scope's key, the same for
  every team with the same queues and agents) or ``none`` (someone in no team); as many series
  as the teams, at most.
- ``wallboard_board_messages_total``: changes read from Redis (one per published change);
  ``wallboard_board_frames_total``: frames handed to boards, one per board (a merged run counts
  one: sent, or queued for a board catching up, or dropped for a board held back);
  ``wallboard_board_coalesced_total``: deltas merged into another's frame (a run of n: n - 1);
  ``wallboard_board_held_back_total``: boards found behind (held back, then sent a fresh
  snapshot); ``wallboard_board_closed_slow_total``: boards closed for not reading.
- ``wallboard_board_snapshot_seconds``: how long a board waited for its snapshot (the shared
  Redis read, ``snapshots.py``, and its scope's encoding).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from realtime.scopes import NOTHING, Scope
from wallboard.board import fanout as fanouts
from wallboard.core.metrics import PROCESS

SNAPSHOT_SECONDS = Histogram(
    "wallboard_board_snapshot_seconds",
    "Time a board of this process waited for its snapshot (the Redis read and its encoding)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=PROCESS,
)


def kind_of(scope: Scope) -> str:
    if scope.whole:
        return "account"
    return "none" if scope == NOTHING else "team"


class Boards(Collector):
    """The fan-outs of this process (one per event loop) at scrape time."""

    def collect(self) -> Iterator[Metric]:
        hubs = list(fanouts._fanouts.values())
        scopes: Counter[tuple[str, str]] = Counter()
        for hub in hubs:
            for board in list(hub.boards):
                scopes[(kind_of(board.scope), board.scope.key)] += 1
        total = GaugeMetricFamily("wallboard_boards", "Boards connected to this web process")
        total.add_metric([], sum(scopes.values()))
        yield total
        by_scope = GaugeMetricFamily(
            "wallboard_boards_by_scope",
            "Boards connected to this web process, by scope (account, team or none)",
            labels=["kind", "scope"],
        )
        for (kind, key), count in sorted(scopes.items()):
            by_scope.add_metric([kind, key], count)
        yield by_scope
        for name, attribute, help_text in (
            ("wallboard_board_messages_total", "received",
             "Changes this web process read from Redis for its boards"),
            ("wallboard_board_frames_total", "handed",
             "Frames (a merged run counts one) this process's fan-out handed to its boards, one "
             "per board"),
            ("wallboard_board_coalesced_total", "coalesced",
             "Deltas merged into another delta's frame by this process's fan-out"),
            ("wallboard_board_held_back_total", "fell_behind",
             "Boards of this process found behind and held back until they read what they had"),
            ("wallboard_board_closed_slow_total", "closed_slow",
             "Boards of this process closed for not reading"),
        ):  # fmt: skip
            counter = CounterMetricFamily(name, help_text)
            counter.add_metric([], sum(getattr(hub, attribute) for hub in hubs))
            yield counter


PROCESS.register(Boards())
