"""The worker's batch telemetry (realtime/telemetry.py): buckets, stored keys, read back."""

from __future__ import annotations

import math

import pytest

from realtime import telemetry
from realtime.events import KeepaliveAnswer, Queue, QueueChanged
from realtime.telemetry import BATCH_EVENTS, COMMIT, EVENT_AGE, Telemetry, newest_time, read

pytestmark = pytest.mark.pure


def queue_event(at: float | None) -> QueueChanged:
    return QueueChanged("queue_changed", "JOIN", Queue("1", "Sales", ()), "c1", at, 180)


def test_a_value_falls_in_the_smallest_bucket_at_or_above_it():
    assert BATCH_EVENTS.key_of(1) == "telemetry:batch_events:le:1"
    assert BATCH_EVENTS.key_of(3) == "telemetry:batch_events:le:5"
    assert BATCH_EVENTS.key_of(500) == "telemetry:batch_events:le:500"
    assert BATCH_EVENTS.key_of(501) == "telemetry:batch_events:le:+Inf"
    assert COMMIT.key_of(0.0004) == "telemetry:commit_seconds:le:0.0005"
    assert COMMIT.key_of(0.003) == "telemetry:commit_seconds:le:0.005"


def test_a_batch_is_counted_once_with_its_size_commit_time_and_newest_events_age():
    t = Telemetry()
    events = [
        queue_event(1000.0),
        queue_event(1010.0),
        KeepaliveAnswer("keepalive_response", True, 0, ""),
    ]
    t.batch(3, events, commit_s=0.002, now=1012.0)
    taken = t.take()
    assert taken[BATCH_EVENTS.key_of(3)] == 1
    assert taken[COMMIT.key_of(0.002)] == 1
    assert taken[EVENT_AGE.key_of(2.0)] == 1  # 1012 - 1010: the newest, not the first
    assert taken[BATCH_EVENTS.sum_key] == 3
    assert taken[COMMIT.sum_key] == 2000  # microseconds
    assert taken[EVENT_AGE.sum_key] == 2_000_000
    assert t.take() == {}  # handed out once


def test_a_batch_without_voicenter_times_has_no_age_and_a_clock_ahead_reads_zero():
    t = Telemetry()
    t.batch(1, [KeepaliveAnswer("keepalive_response", True, 0, "")], 0.001, now=50.0)
    assert not any(key.startswith("telemetry:event_age_seconds") for key in t.take())
    t.batch(1, [queue_event(60.0)], 0.001, now=50.0)  # Voicenter's clock 10 s ahead of ours
    taken = t.take()
    assert taken[EVENT_AGE.keys[0]] == 1
    assert taken[EVENT_AGE.sum_key] == 0


def test_the_newest_time_is_the_last_event_that_carries_one():
    assert newest_time([queue_event(5.0), queue_event(None)]) == 5.0
    assert newest_time([queue_event(5.0), queue_event(7.0)]) == 7.0
    assert newest_time([]) is None


def test_stored_buckets_read_back_cumulative_with_inf_and_the_sum_in_units():
    t = Telemetry()
    for size in (1, 1, 7, 600):
        t.observe(BATCH_EVENTS, size)
    for seconds in (0.0002, 0.03):
        t.observe(COMMIT, seconds)
    stored = read(dict(t.take()) | {"events_total": 9})
    batches = stored["batch_events"]
    assert batches.buckets[0] == (1.0, 2)
    assert dict(batches.buckets)[10.0] == 3
    assert batches.buckets[-1] == (math.inf, 4)
    assert batches.count == 4
    assert batches.sum == 609
    assert stored["commit_seconds"].sum == pytest.approx(0.0302)
    assert stored["event_age_seconds"].count == 0  # known, nothing stored yet...
    assert [b for b, _ in stored["event_age_seconds"].buckets] == [*EVENT_AGE.bounds, math.inf]


def test_counts_added_over_several_flushes_and_old_bounds_still_read():
    first, second = Telemetry(), Telemetry()
    first.observe(BATCH_EVENTS, 3)
    second.observe(BATCH_EVENTS, 4)
    stats: dict[str, int] = {}
    for taken in (first.take(), second.take()):
        for key, value in taken.items():
            stats[key] = stats.get(key, 0) + value  # as HINCRBY adds them
    stats["telemetry:batch_events:le:3"] = 1  # a bound of an older release
    stats["telemetry:batch_events:le:junk"] = 5  # unreadable: left out
    buckets = dict(read(stats)["batch_events"].buckets)
    assert buckets[3.0] == 1
    assert buckets[5.0] == 3
    assert buckets[math.inf] == 3
    assert telemetry.is_telemetry("telemetry:batch_events:sum")
    assert not telemetry.is_telemetry("events_total")
