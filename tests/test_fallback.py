"""Live calls from Voicenter's Active calls API while the socket is down (``realtime/fallback.py``):
the answers as events (pure), and the worker against the simulator with its socket refused."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from realtime.fallback import POLL, agent_events, queue_events
from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.simulator.model import CallCenter
from realtime.state import empty_state, reduce
from realtime.voicenter.client import VoicenterClient
from realtime.voicenter.rest import (
    ActiveCall,
    ExtensionCalls,
    ExtensionsCalls,
    QueueCaller,
    QueueCallers,
    QueuesCallers,
)
from realtime.worker import VoicenterWorker
from tests.helpers import snap_with_agents, until, worker_config
from tests.served import serving


def _utc(value: object) -> float | None:
    return None if not value else float(value) - 7200  # type: ignore[arg-type]  # Israel, winter


def _state() -> Any:
    state: Any = empty_state()
    state["queues"] = {
        "7": {"id": "7", "name": "Sales", "waiting": [
            {"call_id": "c1", "caller_number": "0501", "caller_name": "Dana", "joined_at": 1.0,
             "contact": "", "earlier": 0},
        ]},
    }  # fmt: skip
    state["agents"] = {
        "SIP1": {
            "extension": "SIP1", "number": "101", "user_id": 5, "user_name": "dana",
            "agent_name": "Dana", "status": 5, "status_name": "Lunch", "status_since": 100.0,
            "peer_status": "Reachable", "last_answered_at": None, "last_hangup_at": None,
            "calls": [{"call_id": "x1", "direction": "Incoming", "state": "Talking",
                       "number": "0502", "name": "", "did": "", "started_at": 50.0,
                       "answered_at": 60.0, "queue_id": "7", "leg": None, "contact": ""}],
        },
    }  # fmt: skip
    return state


@pytest.mark.pure
def test_a_polled_queue_keeps_the_names_the_board_had_and_unknown_queues_are_left_out():
    answer = QueuesCallers(
        (
            QueueCallers(
                7, "Sales", (QueueCaller("0501", "c1", 9000), QueueCaller("0509", "c2", 9100))
            ),
            QueueCallers(99, "Not monitored", (QueueCaller("0500", "c9", 9000),)),
        )
    )  # fmt: skip
    [event] = queue_events(answer, _state()["queues"], _utc, at=10_000.0)
    assert event.reason == POLL
    assert event.queue.id == "7"
    waiting = event.queue.waiting
    assert waiting is not None
    assert [(w.call_id, w.caller_number, w.caller_name) for w in waiting] == [
        ("c1", "0501", "Dana"),  # the name the socket gave stays
        ("c2", "0509", ""),
    ]
    assert waiting[1].joined_at == 9100 - 7200  # server-local -> UTC
    state, delta = reduce(_state(), event)
    assert delta is not None
    assert [w["call_id"] for w in state["queues"]["7"]["waiting"]] == ["c1", "c2"]


@pytest.mark.pure
def test_a_polled_extension_gets_its_calls_and_keeps_the_status_the_socket_gave():
    answer = ExtensionsCalls(
        (
            ExtensionCalls("SIP1", "Dana", "Dana", "Reachable", (
                ActiveCall("x1", "0502", "0502", 50, 60, True, "Talking", "Incoming"),
                ActiveCall("x2", "", "0503", 70, None, True, "", "outgoing"),
            )),
            ExtensionCalls("SIP404", "Nobody", "", "Unreachable", ()),
        )
    )  # fmt: skip
    [event] = agent_events(answer, _state()["agents"], _utc, at=10_000.0)
    assert event.reason == POLL
    state, _ = reduce(_state(), event)
    agent = state["agents"]["SIP1"]
    assert (agent["status"], agent["status_name"], agent["status_since"]) == (5, "Lunch", 100.0)
    calls = {c["call_id"]: c for c in agent["calls"]}
    assert calls["x1"]["queue_id"] == "7"  # what the socket said of a call stays
    assert calls["x1"]["name"] == ""  # the API names the caller by their number: no name
    assert (calls["x2"]["state"], calls["x2"]["direction"]) == ("Talking", "Outgoing")
    assert "SIP404" not in state["agents"]


# --- the worker ------------------------------------------------------------------------------


@pytest.fixture
async def sim():
    model = CallCenter(agents=6, queues=2, calls_per_minute=0, speed=1, seed=5, now=time.time())
    async with serving(model) as simulator:
        yield simulator


@pytest.fixture
async def polling(sim, store):
    made: list[tuple[VoicenterWorker, Any]] = []

    async def start() -> VoicenterWorker:
        rest = VoicenterClient(comet_url=f"{sim.base}/Comet/api", api_code="demo-code")
        config = worker_config(sim.base, fallback_after_s=0.5, fallback_every_s=0.5)
        worker = VoicenterWorker(config, Pipeline([BoardState(store)]), store, rest=rest)
        made.append((worker, asyncio.create_task(worker.run())))
        return worker

    yield start
    for worker, task in made:
        worker.stop()
        await asyncio.wait_for(task, 10)
        await worker.client.aclose()
        await worker.rest.aclose()


async def test_with_the_socket_refused_new_callers_come_from_the_api_until_it_is_back(
    sim, store, polling
):
    worker = await polling()
    await until(lambda: snap_with_agents(store))
    assert sim.comet_requests == {}  # never while the socket is open
    sim.accept_sockets = False
    await sim.drop_all()
    queue_id = sorted(sim.model.queues)[0]
    caller = sim.model.join(queue_id, "0541234567", "Yael")
    await until(lambda: _waiting(store, str(queue_id), caller.ivrid), within_s=10)
    health = await until(lambda: _health_with(store, source="api"))
    assert health["connected"] is False
    assert health["api_failing"] is False
    assert (await store.stats())["polled:active_calls"] >= 1
    # the socket is back: its snapshots win, and the API is asked no more
    sim.accept_sockets = True
    await until(lambda: _health_with(store, source="socket"), within_s=15)
    asked = sum(sim.comet_requests.values())
    polls = worker.polls
    back = time.time()
    await until(lambda: _health_written_after(store, back + 2), within_s=10)  # 4 intervals on
    assert worker.polls == polls
    assert sum(sim.comet_requests.values()) == asked


async def test_sockets_that_close_before_their_snapshots_leave_the_board_live_from_the_api(
    sim, store, polling
):
    await polling()
    await until(lambda: snap_with_agents(store))
    epoch = (await store.snapshot()).epoch
    sim.close_before_snapshots = True  # each socket opens, then closes before any snapshot
    await sim.drop_all()
    await until(lambda: sim.sockets_opened >= 3)
    queue_id = sorted(sim.model.queues)[0]
    caller = sim.model.join(queue_id, "0541234567", "Yael")
    await until(lambda: _waiting(store, str(queue_id), caller.ivrid), within_s=10)
    assert (await store.snapshot()).epoch == epoch  # the board carried on, never half-built
    await until(lambda: _health_with(store, source="api"))
    # a socket that delivers its snapshots again: they win
    sim.close_before_snapshots = False
    await until(lambda: _health_with(store, source="socket"), within_s=15)


async def test_the_api_is_asked_once_per_interval_and_each_api_once(sim, store, polling):
    worker = await polling()
    await until(lambda: snap_with_agents(store))
    sim.accept_sockets = False
    await sim.drop_all()
    await until(lambda: worker.polls >= 4, within_s=15)
    sim.accept_sockets = True
    await until(lambda: _health_with(store, source="socket"), within_s=15)
    asked = sim.comet_requests
    assert asked["GetQueuesCallers"] == asked["GetExtensionsCalls"] == worker.polls


async def test_with_both_the_socket_and_the_api_down_the_health_says_so(sim, store, polling):
    worker = await polling()
    await until(lambda: snap_with_agents(store))
    sim.accept_sockets = False
    sim.comet_internal_error = True
    await sim.drop_all()
    health = await until(lambda: _health_with(store, api_failing=True), within_s=10)
    assert health["source"] == ""
    assert health["connected"] is False
    assert worker.polls >= 1
    assert (await store.stats()).get("polled:active_calls", 0) == 0  # nothing was applied


async def _waiting(store, queue_id: str, call_id: str) -> bool:
    snap = await store.snapshot()
    queue = snap.state["queues"].get(queue_id)
    return queue is not None and call_id in [w["call_id"] for w in queue["waiting"]]


async def _health_with(store, **expected: object) -> dict[str, object] | None:
    health = await store.health()
    return health if all(health.get(k) == v for k, v in expected.items()) else None


async def _health_written_after(store, moment: float) -> bool:
    return float((await store.health()).get("updated_at") or 0) > moment
