"""The worker against the simulator, end to end, over real sockets and a real Redis."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestServer

from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.redis_server import embedded_redis_url, ensure_embedded_redis, stop_embedded_redis
from realtime.simulator.model import CallCenter
from realtime.store import StateStore
from realtime.worker import VoicenterWorker, backoff_delay
from tests.helpers import seq_above, snap_with_agents, until, worker_config
from tests.served import serving

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"


@pytest.fixture
async def sim():
    model = CallCenter(agents=8, queues=2, calls_per_minute=120, speed=20, seed=7, now=time.time())
    async with serving(model) as simulator:
        yield simulator


@pytest.fixture
async def running(sim, store):
    workers = []

    async def start(**overrides):
        pipeline = Pipeline([BoardState(store)])
        worker = VoicenterWorker(worker_config(sim.base, **overrides), pipeline, store)
        task = asyncio.create_task(worker.run())
        workers.append((worker, task))
        return worker

    yield start
    for worker, task in workers:
        worker.stop()
        await asyncio.wait_for(task, 10)
        await worker.client.aclose()


async def test_it_logs_in_gets_snapshots_and_follows_live_events(sim, store, running):
    await running()
    snap = await until(lambda: snap_with_agents(store))
    assert set(snap.state["agents"]) == set(sim.model.agents)
    first_seq = snap.seq
    await until(lambda: seq_above(store, first_seq))  # live traffic keeps arriving
    health = await until(lambda: _health_connected(store))
    assert health["server"].startswith("127.0.0.1")


async def test_the_socket_uses_engine_io_3_with_the_token_and_no_login_emit(sim, store, running):
    await running()
    await until(lambda: snap_with_agents(store))
    [peer] = list(sim.peers)
    assert peer.token in sim.sessions
    assert all(name != "login" for name, _ in peer.received)


async def test_a_dropped_connection_rebuilds_under_a_new_epoch_with_no_ghost_calls(
    sim, store, running
):
    worker = await running()
    before = await until(lambda: _snap_with_a_call(store))
    ext, agent = next((e, a) for e, a in before.state["agents"].items() if a["calls"])
    ghost = agent["calls"][0]["call_id"]
    sim.silent = True  # the hang-up below never reaches us...
    sim.model.agents[ext].calls.clear()  # ...the call ends while we are away
    await sim.drop_all()
    await until(lambda: worker.sessions >= 2)
    sim.silent = False
    await sim.drop_all()  # make sure the fresh socket gets fresh snapshots
    after = await until(lambda: _new_epoch(store, before.epoch))
    assert ghost not in [c["call_id"] for c in after.state["agents"][ext]["calls"]]
    assert (await store.stats())["rebuilds_total"] >= 2


async def test_bad_credentials_are_counted_and_retried_without_a_crash(sim, store, running):
    worker = await running(credentials={"token": "wrong"})
    await until(lambda: worker.health.login_errors >= 2)
    assert worker.sessions == 0
    assert "refused the login" in worker.health.last_error


async def test_a_dead_primary_moves_to_the_next_server(sim, store, running):
    sim.urls = ["http://127.0.0.1:9", sim.base]  # nothing listens on port 9
    worker = await running()
    await until(lambda: snap_with_agents(store))
    assert worker.url_index == 1


async def test_a_keepalive_goes_out_after_silence_and_an_error_answer_reconnects(
    sim, store, running
):
    sim.silent = True
    await running(keepalive_s=0.5, snapshot_timeout_s=30)
    await until(lambda: any(p.received for p in sim.peers))
    [peer] = list(sim.peers)
    assert ("keepalive", peer.token) in peer.received
    sim.keepalive_error = 1
    logins = sim.logins
    await until(lambda: bool(sim.logins > logins), within_s=10)  # logged in again


async def test_the_token_is_refreshed_before_it_expires(sim, store, running):
    sim.token_ttl_s = 6.0  # refresh is due 5 s before expiry
    await running()
    await until(lambda: snap_with_agents(store))
    first = set(sim.sessions)
    await until(lambda: set(sim.sessions) - first)
    assert sim.logins == 1  # refreshed, not logged in again


@pytest.mark.pure
@pytest.mark.parametrize("seed", range(20))
def test_backoff_doubles_from_the_minimum_to_the_ceiling_with_jitter_above(seed):
    import random

    rng = random.Random(seed)
    delays = [backoff_delay(n, 5, 120, rng) for n in range(9)]
    for n, delay in enumerate(delays):
        base = min(120, 5 * 2**n)
        assert base <= delay <= min(120, base * 1.5)  # never below the base, never over 120
    assert delays == sorted(delays)
    assert delays[-1] == 120


async def test_backoff_grows_from_the_first_failure_after_a_good_session(sim, store, running):
    worker = await running(reconnect_min_s=0.2, reconnect_max_s=1.6)
    await until(lambda: snap_with_agents(store))
    assert not worker.delays  # nothing failed yet
    sim.accept_logins = sim.accept_sockets = False  # Voicenter is down from now on
    await sim.drop_all()
    await until(lambda: bool(len(worker.delays) >= 6), within_s=20)
    delays = list(worker.delays)[:6]
    assert 0.2 <= delays[0] <= 0.3  # the first retry after the good session: the minimum
    assert delays == sorted(delays)
    assert delays[3] > 2 * delays[0]
    assert delays[4:] == [1.6, 1.6]  # ...up to the ceiling, however long Voicenter stays down


async def test_the_health_stays_fresh_while_the_worker_backs_off(sim, store, running):
    worker = await running(reconnect_min_s=3, reconnect_max_s=6)
    await until(lambda: _health_connected(store))
    sim.accept_logins = sim.accept_sockets = False  # Voicenter is down: long waits follow
    await sim.drop_all()
    await until(lambda: len(worker.delays) >= 1)
    seen = (await store.health())["updated_at"]
    for _ in range(4):  # through the wait, the health is written again and again (each second)
        health = await until(partial(_health_written_after, store, seen), within_s=10)
        assert health["running"]
        assert not health["connected"]
        seen = health["updated_at"]


@pytest.fixture
async def own_redis(sim, tmp_path):
    """A worker on a Redis of its own (the embedded redis-server in ``tmp_path``, not started
    yet), so that a test can stop and start it; ``start()`` runs the worker."""
    client = aioredis.from_url(embedded_redis_url(tmp_path))
    store = StateStore(client, "wallboard:")
    worker = VoicenterWorker(worker_config(sim.base), Pipeline([BoardState(store)]), store)
    tasks: list[asyncio.Task[None]] = []

    def start() -> asyncio.Task[None]:
        tasks.append(asyncio.create_task(worker.run()))
        return tasks[-1]

    yield worker, store, start
    worker.stop()
    for task in tasks:
        await asyncio.wait_for(task, 10)
    await worker.client.aclose()
    await client.aclose()
    stop_embedded_redis(tmp_path)


@pytest.mark.parametrize("data_lost", [False, True], ids=["data-kept", "data-lost"])
async def test_a_redis_outage_keeps_the_voicenter_socket_and_catches_up_after(
    sim, own_redis, tmp_path, data_lost
):
    worker, store, start = own_redis
    ensure_embedded_redis(tmp_path)
    task = start()
    before = await until(lambda: snap_with_agents(store))
    await until(lambda: _health_connected(store))
    sessions = worker.sessions
    assert stop_embedded_redis(tmp_path)
    if data_lost:  # it comes back empty (no persistence, or a new machine)
        for path in tmp_path.iterdir():
            if path.name.startswith(("wallboard.rdb", "appendonly")):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    await until(lambda: worker.store_down_since is not None)
    ext = next(iter(sim.model.agents))
    sim._apply_status(sim.model, ext, 11)  # an agent goes to Training meanwhile
    events = worker.health.last_event_at or 0
    await until(lambda: (worker.health.last_event_at or 0) > events)  # still heard
    [peer] = [p for p in sim.peers if p.token in sim.sessions]
    resyncs = sum(1 for name, _ in peer.received if name == "resync")
    ensure_embedded_redis(tmp_path)  # Redis is back
    await until(lambda: bool(worker.store_down_since is None), within_s=10)
    await until(lambda: sum(n == "resync" for n, _ in peer.received) > resyncs)
    assert worker.sessions == sessions  # the Voicenter socket was kept
    health = await until(lambda: _health_connected(store))
    await until(lambda: _health_written_after(store, health["updated_at"]))  # and written on
    after = await until(lambda: _agent_status(store, ext, 11))  # the change made meanwhile
    assert set(after.state["agents"]) == set(sim.model.agents)
    assert (after.epoch != before.epoch) is data_lost  # a new epoch only if Redis lost it
    assert not task.done()


async def _agent_status(store, ext, status):
    snap = await store.snapshot()
    agent = snap.state["agents"].get(ext)
    return snap if agent and agent["status"] == status else None


async def test_the_worker_waits_for_redis_before_it_connects_to_voicenter(sim, own_redis, tmp_path):
    worker, store, start = own_redis
    tries = []
    load = worker.pipeline.load

    async def counted_load():  # each look for Redis, counted
        tries.append(1)
        await load()

    worker.pipeline.load = counted_load
    task = start()  # nothing listens at its Redis address yet
    await until(lambda: len(tries) >= 3, within_s=10)  # it has looked, and looked again
    assert worker.store_down_since is not None
    assert worker.sessions == 0
    assert sim.logins == 0
    assert not task.done()
    ensure_embedded_redis(tmp_path)
    await until(lambda: snap_with_agents(store), within_s=15)
    assert worker.sessions == 1


async def _snap_with_a_call(store):
    snap = await store.snapshot()
    return snap if any(a["calls"] for a in snap.state["agents"].values()) else None


async def _events_counted(store, count):
    return (await store.stats()).get("events_total") == count


async def _health_written_after(store, when):
    health = await store.health()
    return health if health.get("updated_at", 0) > when else None


async def _health_connected(store):
    health = await store.health()
    return health if health.get("connected") and not health.get("syncing") else None


async def _new_epoch(store, old):
    snap = await store.snapshot()
    return snap if snap.epoch != old and snap.state["agents"] else None


async def test_a_socket_silent_past_dead_after_is_dropped_and_reopened(sim, store, running):
    worker = await running(keepalive_s=0.3, dead_after_s=1.0)
    await until(lambda: snap_with_agents(store))
    sim.frozen = True  # open, but nothing comes down it, not even keep-alive answers
    await until(lambda: bool(worker.sessions >= 2), within_s=15)
    assert "connection is dead" in worker.health.last_error
    sim.frozen = False
    await until(lambda: _health_connected(store))


async def test_it_goes_back_to_the_primary_after_primary_retry_s(sim, store, running):
    primary = TestServer(sim.app, host="127.0.0.1")
    port = primary.port or _free_port()
    sim.urls = [f"http://127.0.0.1:{port}", sim.base]  # the primary is down at first
    worker = await running(primary_retry_s=1.5)
    await until(lambda: worker.url_index == 1 and worker.last_synced)
    primary = TestServer(sim.app, host="127.0.0.1", port=port)
    await primary.start_server()  # the primary comes back
    try:
        await until(lambda: bool(worker.url_index == 0 and worker.last_synced), within_s=15)
        health = await until(lambda: _health_connected(store))
        assert health["server"] == f"127.0.0.1:{port}"
    finally:
        await primary.close()


async def test_a_socket_refusing_the_token_makes_it_log_in_again(sim, store, running):
    worker = await running()
    await until(lambda: snap_with_agents(store))
    assert sim.logins == 1
    sim.sessions.clear()  # Voicenter forgot the token (e.g. restarted)
    await sim.drop_all()
    await until(lambda: sim.logins >= 2)
    await until(lambda: worker.last_synced and worker.sessions >= 3)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_health_says_running_and_a_clean_stop_says_so(sim, store, running):
    worker = await running()
    health = await until(lambda: _health_connected(store))
    assert health["running"] is True
    worker.stop()
    await until(lambda: _stopped(store))


async def _stopped(store):
    health = await store.health()
    return health.get("running") is False and health.get("connected") is False


@pytest.mark.pure
def test_a_batch_is_every_event_already_waiting_up_to_the_bound_and_stops_at_a_close():
    from realtime.voicenter.socket import DISCONNECTED, Inbox
    from realtime.worker import INBOX_HIGH_WATER, MAX_BATCH, _take_batch

    inbox = Inbox(INBOX_HIGH_WATER)
    assert _take_batch(("A", 1), inbox) == ([("A", 1)], False)  # alone: at once
    for n in range(MAX_BATCH + 5):
        inbox.put_nowait(("E", n))
    batch, closed = _take_batch(("A", 1), inbox)
    assert len(batch) == MAX_BATCH
    assert not closed
    assert batch[1] == ("E", 0)
    assert inbox.qsize() == 6  # the rest waits for the next batch, in order
    inbox = Inbox(INBOX_HIGH_WATER)
    for item in (("B", 2), DISCONNECTED, ("C", 3)):
        inbox.put_nowait(item)
    assert _take_batch(("A", 1), inbox) == ([("A", 1), ("B", 2)], True)
    assert _take_batch(None, inbox) == ([], False)  # a timeout: nothing to feed


async def test_a_fast_replay_reaches_a_worker_that_connects_later_whole_and_in_order(store, prefix):
    from realtime.store import StateStore
    from tests.examples import doc_examples
    from tests.served import serving

    events = doc_examples() * 40  # 600 events, sent as fast as the worker takes them
    reference = StateStore(store.redis, prefix + "reference:")
    expected = Pipeline([BoardState(reference)])
    await expected.feed_many(events)
    async with serving(None, replay=events, replay_fast=True) as sim:
        for _ in range(20):  # a replay that did not wait would send one event per loop turn
            await asyncio.sleep(0)
        assert sim.replayed == 0
        worker = VoicenterWorker(worker_config(sim.base), Pipeline([BoardState(store)]), store)
        task = asyncio.create_task(worker.run())
        try:
            await until(lambda: sim.replayed == len(events))
            await until(lambda: _events_counted(store, len(events)))  # all fed, nothing lost
            snap = await store.snapshot()
            assert snap.state == (await reference.snapshot()).state
        finally:
            worker.stop()
            await asyncio.wait_for(task, 10)
            await worker.client.aclose()


async def test_a_fast_replay_held_back_by_a_small_inbox_arrives_whole_and_in_order(
    store, prefix, monkeypatch
):
    from realtime import worker as worker_module
    from realtime.store import StateStore
    from realtime.voicenter import socket
    from tests.examples import doc_examples
    from tests.served import serving

    monkeypatch.setattr(worker_module, "INBOX_HIGH_WATER", 3)
    most = 0
    put = socket.Inbox.put_nowait

    def counted(self, item):
        nonlocal most
        put(self, item)
        if item is not socket.DISCONNECTED:
            most = max(most, self.qsize())

    monkeypatch.setattr(socket.Inbox, "put_nowait", counted)
    events = doc_examples() * 40  # 600 events, sent as fast as the worker takes them
    reference = StateStore(store.redis, prefix + "reference:")
    expected = Pipeline([BoardState(reference)])
    await expected.feed_many(events)
    async with serving(None, replay=events, replay_fast=True) as sim:
        worker = VoicenterWorker(worker_config(sim.base), Pipeline([BoardState(store)]), store)
        task = asyncio.create_task(worker.run())
        try:
            await until(lambda: sim.replayed == len(events))
            await until(lambda: _events_counted(store, len(events)))  # all fed, nothing lost
            assert (await store.snapshot()).state == (await reference.snapshot()).state
            assert most <= 3  # the socket was not read past the inbox's high water
        finally:
            worker.stop()
            await asyncio.wait_for(task, 10)
            await worker.client.aclose()


async def test_a_worker_stopped_while_its_socket_reader_waits_for_room_leaves_no_reader_behind(
    store, monkeypatch
):
    from realtime import worker as worker_module
    from tests.examples import doc_examples
    from tests.served import serving

    monkeypatch.setattr(worker_module, "INBOX_HIGH_WATER", 3)
    events = doc_examples() * 400  # 6,000 events: more than the sockets' buffers hold
    async with serving(None, replay=events, replay_fast=True) as sim:
        worker = VoicenterWorker(worker_config(sim.base), Pipeline([BoardState(store)]), store)
        task = asyncio.create_task(worker.run())
        try:
            await until(lambda: sim.replayed >= 100)
            assert sim.replayed < len(events)  # mid-replay: the reader is held at the mark
        finally:
            worker.stop()
            await asyncio.wait_for(task, 10)
            await worker.client.aclose()
        await until(lambda: not _socket_readers())


def _socket_readers() -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if "_read_loop_websocket" in repr(t.get_coro())]


async def test_events_for_extensions_voicenter_did_not_list_add_no_card_and_ask_a_resync(
    sim, store, running
):
    await running()
    await until(lambda: _health_connected(store))
    [peer] = [p for p in sim.peers if p.token in sim.sessions]
    resyncs = sum(1 for name, _ in peer.received if name == "resync")
    ghost = {"reason": "HANGUP", "ivruniqueid": "x1", "data": {"extenUser": "GHOST", "calls": []}}
    sim.broadcast([("ExtensionEvent", ghost)] * 3)
    await until(lambda: sum(n == "resync" for n, _ in peer.received) > resyncs)
    snap = await store.snapshot()
    assert "GHOST" not in snap.state["agents"]
    assert set(snap.state["agents"]) == set(sim.model.agents)
    await until(lambda: _unmonitored_counted(store, 3))  # counted where an operator looks


async def _unmonitored_counted(store, count):
    return (await store.stats()).get("unmonitored_events", 0) >= count


async def test_the_worker_command_started_before_redis_waits_for_it(sim, tmp_path):
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wallboard.settings",
        "WALLBOARD_DEV_SECRET_KEY": "1",
        "WALLBOARD_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": embedded_redis_url(redis_dir),  # nothing listens there yet
        "VOICENTER_LOGIN_TYPE": "token",
        "VOICENTER_TOKEN": "demo-token",
        "VOICENTER_LOGIN_URL": f"{sim.base}/monitorAPI/Login",
        "VOICENTER_REFRESH_URL": f"{sim.base}/monitorAPI/RefreshIdentityToken",
        "LOG_LEVEL": "WARNING",
    }
    log = await asyncio.to_thread((tmp_path / "worker.log").open, "wb")
    proc = await asyncio.to_thread(
        subprocess.Popen,
        [sys.executable, str(MANAGE), "voicenter_worker"], env=env, stdout=log, stderr=log,
    )  # fmt: skip
    client = aioredis.from_url(embedded_redis_url(redis_dir))
    try:
        # started, found no Redis (it says so), and still running, retrying
        await until(lambda: "Redis is unavailable" in (tmp_path / "worker.log").read_text(),
                    within_s=30)  # fmt: skip
        assert proc.poll() is None, (tmp_path / "worker.log").read_text()
        assert sim.logins == 0  # no Voicenter socket with nowhere to put its events
        await asyncio.to_thread(ensure_embedded_redis, redis_dir)
        store = StateStore(client, "wallboard:")
        await until(lambda: snap_with_agents(store), within_s=30)
        assert proc.poll() is None
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 10)
        log.close()
        await client.aclose()
        stop_embedded_redis(redis_dir)


async def test_a_message_nested_too_deep_is_a_bad_line_reported_and_skipped(
    sim, store, running, caplog
):
    worker = await running()
    await until(lambda: snap_with_agents(store))
    [peer] = list(sim.peers)
    deep = "[" * 5000 + "]" * 5000
    for raw in ("42" + deep, '42["QueueEvent",' + deep + "]", "4" + deep):
        peer.outbox.put_nowait(raw)
    sim.broadcast([("ExtensionsUpdated", {})])  # a readable event after them still arrives

    async def counted():
        stats = await store.stats()
        return stats.get("rejected:unreadable", 0) >= 3 and stats.get("events:ExtensionsUpdated")

    await until(counted)
    assert worker.health.connected  # the socket goes on
    assert not [r for r in caplog.records if r.exc_info]  # a line each, no traceback
    assert any("unreadable message from Voicenter" in r.getMessage() for r in caplog.records)


async def test_hold_ring_all_and_a_rejected_click2call_reach_the_stored_state_live(store):
    # the simulator's on-demand moments, through the real socket, worker and Redis
    import httpx

    model = CallCenter(agents=3, queues=1, calls_per_minute=0, speed=20, seed=1, now=time.time())
    for agent in model.agents.values():
        agent.status = 1
    async with serving(model) as simulator:
        worker = VoicenterWorker(
            worker_config(simulator.base), Pipeline([BoardState(store)]), store
        )
        task = asyncio.create_task(worker.run())
        try:
            await until(lambda: snap_with_agents(store))
            async with httpx.AsyncClient(base_url=simulator.base) as http:
                answer = await http.post(
                    "/simulator/join", json={"phone": "0502222222", "ring_all": True}
                )
                call_id = answer.json()["call_id"]

                async def calls() -> dict[str, list[tuple[str, str]]]:
                    agents = (await store.snapshot()).state["agents"]
                    return {
                        ext: [(c["call_id"], c["state"]) for c in a["calls"]]
                        for ext, a in agents.items()
                    }

                async def all_ringing():
                    now = await calls()
                    return all(v == [(call_id, "Ringing")] for v in now.values())

                await until(all_ringing)  # (the ring lasts 0.1-0.4 s at speed 20)

                async def answered_by_one():
                    now = await calls()
                    busy = {e: v for e, v in now.items() if v}
                    return busy if list(busy.values()) == [[(call_id, "Talking")]] else None

                [talker] = await until(answered_by_one)  # the others: "Answered elsewhere"
                (await http.post("/simulator/hold", json={"ext": talker})).raise_for_status()
                await until(async_eq(calls, talker, [(call_id, "Hold")]))
                answer = await http.post("/simulator/hold", json={"ext": talker, "hold": False})
                answer.raise_for_status()
                await until(async_eq(calls, talker, [(call_id, "Talking")]))

                free = next(e for e in model.agents if e != talker)
                answer = await http.get(
                    "/ForwardDialer/click2call.aspx",
                    params={"code": "demo-code", "phone": free, "target": "0501234567",
                            "action": "call", "format": "JSON"},
                )  # fmt: skip
                leg1 = answer.json()["CALLID"]
                await until(async_eq(calls, free, [(leg1, "Dialing")]))
                (await http.post("/simulator/reject", json={"ext": free})).raise_for_status()
                await until(async_eq(calls, free, []))  # "Call Rejected" ended it
                refused = await http.post("/simulator/reject", json={"ext": free})
                assert refused.status_code == 409
        finally:
            worker.stop()
            await asyncio.wait_for(task, 10)
            await worker.client.aclose()


def async_eq(read, key, wanted):
    """A check for :func:`until`: ``(await read())[key] == wanted``."""

    async def check():
        return (await read())[key] == wanted

    return check
