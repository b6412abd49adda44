"""The day's numbers: typed events -> per-queue and per-agent numbers per business day, in Redis
and on the board.

What is counted, and every metric, is specified in :mod:`realtime.metrics`; this projection only
applies it to the stream, in parts, one job each:

- :mod:`~realtime.projections.day.queues`: each call counted once, per queue and day (offered,
  answered, abandoned, with its wait), and recounted from the calls' records
  (:func:`realtime.metrics.fold`);
- :mod:`~realtime.projections.day.agents`: the agent day: calls answered, talk time, time in
  each status;
- :mod:`~realtime.projections.day.settling`: Voicenter's call records settle the calls they tell
  ("Call records win");
- :mod:`~realtime.projections.day.chart`: the tiles' chart of callers waiting over the last
  hour;
- :mod:`~realtime.projections.day.display`: what the board shows: each queue's ``today``
  entity, its display name and alert thresholds, put on the board at start, at each new
  business day, and once per batch for the queues it counted;
- :mod:`~realtime.projections.day.projection`: :class:`DayCounters`, the projection that feeds
  them the events, reads and writes Redis (:mod:`realtime.daystore`: one transaction per batch)
  and keeps them to the business day.

Counters (:meth:`DayCounters.take_stats`): ``day_offered``, ``day_answered``,
``day_abandoned`` (calls counted), ``day_duplicates`` (events about calls already counted),
``day_settled_by_records`` (calls the records counted otherwise), ``day_records_unmatched``
(records of a queue name no queue has), ``day_records_errors`` (looks at the records that
failed).
"""

from realtime.projections.day.display import COLLECTION, NOT_SET, Board, board_settings
from realtime.projections.day.projection import DayCounters
from realtime.projections.day.settling import CallRecords

__all__ = ["COLLECTION", "NOT_SET", "Board", "CallRecords", "DayCounters", "board_settings"]
