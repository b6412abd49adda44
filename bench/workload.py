"""The traffic the benchmarks replay: a simulated call center's snapshots, then its peak.

At the peak every agent takes about 10 calls an hour (``calls_per_minute = agents / 2`` counts
the calls offered to the whole center), 10 to 20 events each: about 35 events/s for 1,000
agents in the model's own time. The benchmarks replay it as fast as the path under test takes it.
"""

from __future__ import annotations

import time

from realtime.simulator.model import CallCenter, RawEvent


def peak(agents: int, queues: int, seconds: int, seed: int = 1) -> list[RawEvent]:
    """The snapshots a fresh connection gets, then ``seconds`` of live events at the peak."""
    now = time.time()
    model = CallCenter(
        agents=agents, queues=queues, calls_per_minute=agents * 0.5, seed=seed, now=now
    )
    events = model.snapshot_events()
    for step in range(seconds * 10):
        events += model.advance(now + step / 10)
    return events
