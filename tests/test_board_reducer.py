"""The browser's reducer (static/board/reducer.js, run under Node) and the server's agree on
recorded streams: same final state, and the protocol's drop / resync rules."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from realtime import messages
from realtime.simulator.model import CallCenter
from realtime.state import empty_state, merge_deltas, reduce
from realtime.voicenter.wire import normalise

pytestmark = pytest.mark.pure  # Node and the pure core; no Redis, no database

NODE_DIR = Path(__file__).parent / "node"


def frames_and_states(seed: int):
    start = time.time() - 20 * 60
    model = CallCenter(agents=30, queues=5, calls_per_minute=40, seed=seed, now=start)
    raw = model.snapshot_events() + model.advance(start + 20 * 60)
    state, states, deltas = empty_state(), [], []
    for name, payload in raw:
        for event in normalise(name, payload, offset_min=None, tz=None):
            state, delta = reduce(state, event)
            if delta is not None:
                deltas.append(delta)
                states.append(state)
    assert len(deltas) > 100, "the simulation produced too little traffic to compare"
    return deltas, states


def run_node(frames: list[dict]) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed to run the browser reducer"
    path = NODE_DIR / "frames.tmp.json"
    path.write_text(json.dumps(frames))
    try:
        out = subprocess.run(
            [node, "reduce.mjs", str(path)], cwd=NODE_DIR, capture_output=True, check=True
        )
    finally:
        path.unlink()
    return json.loads(out.stdout)


def snapshot_at(epoch, seq, state):
    return messages.snapshot(epoch, seq, state, server_time=time.time(), health={})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_snapshot_then_every_delta_gives_the_servers_state(seed):
    deltas, states = frames_and_states(seed)
    cut = len(deltas) // 3  # the board opens in the middle of the day
    frames = [snapshot_at("E", cut + 1, states[cut])]
    frames += [messages.delta("E", n + 1, deltas[n]) for n in range(cut + 1, len(deltas))]
    result = run_node(frames)
    assert result["state"] == states[-1]
    assert (result["epoch"], result["seq"], result["synced"]) == ("E", len(deltas), True)
    assert set(result["actions"][1:]) == {"delta"}


def test_duplicates_are_dropped_and_change_nothing():
    deltas, states = frames_and_states(4)
    frames = [snapshot_at("E", 1, states[0])]
    for n in range(1, 60):
        frames.append(messages.delta("E", n + 1, deltas[n]))
        frames.append(messages.delta("E", n, deltas[n - 1]))  # a late duplicate
    result = run_node(frames)
    assert result["state"] == states[59]
    assert result["actions"].count("drop") == 59


def test_a_gap_asks_for_resync_and_waits_for_the_snapshot():
    deltas, states = frames_and_states(5)
    frames = [snapshot_at("E", 1, states[0])]
    frames += [messages.delta("E", n + 1, deltas[n]) for n in range(1, 20)]
    frames += [messages.delta("E", n + 1, deltas[n]) for n in range(21, 30)]  # seq 21 lost
    frames.append(snapshot_at("E", 30, states[29]))  # the resync answer
    frames += [messages.delta("E", n + 1, deltas[n]) for n in range(30, 50)]
    result = run_node(frames)
    actions = result["actions"]
    assert actions[20] == "resync"  # the first delta after the gap
    assert actions[21:29] == ["drop"] * 8  # ignored until the snapshot
    assert actions[29] == "snapshot"
    assert result["state"] == states[49]
    assert result["seq"] == 50


def test_another_epoch_asks_for_resync_and_the_new_snapshot_replaces_everything():
    deltas, states = frames_and_states(6)
    frames = [snapshot_at("E1", 10, states[9])]
    frames.append(messages.delta("E2", 1, deltas[10]))
    frames.append(snapshot_at("E2", 0, {"queues": {}, "agents": {}}))
    result = run_node(frames)
    assert result["actions"] == ["snapshot", "resync", "snapshot"]
    assert result["state"] == {"queues": {}, "agents": {}, "today": {}}  # nothing left over
    assert result["epoch"] == "E2"


def test_a_heartbeat_ahead_twice_reveals_a_lost_delta():
    deltas, states = frames_and_states(7)
    beat = messages.heartbeat("E", 5, server_time=time.time(), health={})
    frames = [snapshot_at("E", 1, states[0])]
    frames += [messages.delta("E", n + 1, deltas[n]) for n in range(1, 3)]  # seq 2, 3
    frames += [beat, messages.heartbeat("E", 5, server_time=time.time(), health={})]
    result = run_node(frames)
    assert result["actions"][-2:] == ["heartbeat", "resync"]
    assert result["synced"] is False


def test_a_collection_the_reducer_never_heard_of_is_kept_like_the_others():
    # Adding a collection on the server (realtime.state.COLLECTIONS) needs no change here.
    state = {"queues": {}, "agents": {}, "callbacks": {"c1": {"phone": "050"}}}
    unknown: Any = {"callbacks": {"set": {"c2": {"phone": "052"}}, "del": ["c1"]}}  # (untyped)
    frames = [snapshot_at("E", 1, state), messages.delta("E", 2, unknown)]
    result = run_node(frames)
    assert result["actions"] == ["snapshot", "delta"]
    assert result["state"] == {"queues": {}, "agents": {}, "callbacks": {"c2": {"phone": "052"}}}
    assert result["changed"][1] == {"callbacks": ["c2", "c1"]}  # what the view must redraw


def test_a_merged_delta_applies_in_one_step_and_one_the_board_is_partly_past_resyncs():
    deltas, states = frames_and_states(8)
    merged = None
    for part in deltas[1:10]:  # seq 2..10 as one frame
        merged = merge_deltas(merged, part)
    assert merged is not None
    frames = [snapshot_at("E", 1, states[0]), messages.delta("E", 10, merged, from_seq=2)]
    frames.append(messages.delta("E", 11, deltas[10]))
    result = run_node(frames)
    assert result["actions"] == ["snapshot", "delta", "delta"]
    assert result["state"] == states[10]
    assert result["seq"] == 11
    partly_past = [snapshot_at("E", 5, states[4]), messages.delta("E", 10, merged, from_seq=2)]
    assert run_node(partly_past)["actions"] == ["snapshot", "resync"]
    stale = [snapshot_at("E", 10, states[9]), messages.delta("E", 10, merged, from_seq=2)]
    assert run_node(stale)["actions"] == ["snapshot", "drop"]
