"""Several web processes against one Redis, as several hosts behind a load balancer: each
process holds its own subscription and every board on every process gets every change. Run
with each server the README offers (daphne, uvicorn), through the real stack."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import orjson
import pytest
from django.conf import settings

from tests.stack import Stack


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def stack(request, tmp_path_factory, _test_redis):  # the flush first, then the stack
    running = Stack(
        tmp_path_factory.mktemp(f"web-{request.param}"),
        settings.REDIS_URL,
        agents=4,
        queues=2,
        calls_per_minute=0,
        heartbeat_s=20,
        web_processes=2,
        server=request.param,
    )
    try:
        yield running.start()
    finally:
        running.close()


async def open_board(session, stack, web):
    ws = await session.ws_connect(
        web.replace("http", "ws", 1) + "/ws/wallboard/",
        headers={"Cookie": stack.session_cookie(web), "Origin": web},
    )
    snapshot = orjson.loads((await ws.receive(timeout=10)).data)
    assert snapshot["type"] == "snapshot"
    return ws, snapshot


def callers_in(frame):
    """The callers a frame shows: waiting in a queue, or already on an agent's call (a frame
    that merges several changes may carry the caller past the queue, fanout.py)."""
    delta = frame.get("delta") or {}
    queues = delta.get("queues", {}).get("set", {})
    agents = delta.get("agents", {}).get("set", {})
    waiting = {c["caller_name"] for q in queues.values() for c in q.get("waiting", [])}
    on_calls = {c["name"] for a in agents.values() for c in a.get("calls") or []}
    return waiting | on_calls


async def wait_for_caller(ws, name, within_s=10.0):
    async with asyncio.timeout(within_s):
        while True:
            frame = orjson.loads((await ws.receive()).data)
            if frame["type"] == "delta" and name in callers_in(frame):
                return frame


async def test_a_change_reaches_the_boards_of_every_web_process(stack):
    async with aiohttp.ClientSession() as session:
        boards = [await open_board(session, stack, web) for web in stack.webs]
        snapshots = [snap for _, snap in boards]
        assert len({(s["epoch"], s["seq"]) for s in snapshots}) == 1  # one state behind both
        name = f"Both {time.time_ns() % 10**8}"
        await asyncio.to_thread(stack.join, name)
        frames = [await wait_for_caller(ws, name) for ws, _ in boards]
        # the same change at the same position: a frame may carry it merged with the next
        # ones (from_seq..seq, wallboard/board/fanout.py), so the two frames' ranges overlap
        ranges = [(f.get("from_seq", f["seq"]), f["seq"]) for f in frames]
        assert max(lo for lo, _ in ranges) <= min(hi for _, hi in ranges), ranges
        assert frames[0]["epoch"] == frames[1]["epoch"]
        for ws, _ in boards:
            await ws.close()


async def test_a_board_that_acknowledges_stays_live_on_every_server(stack):
    async with aiohttp.ClientSession() as session:
        ws, snap = await open_board(session, stack, stack.webs[1])
        await ws.send_str(orjson.dumps({"type": "ack", **position(snap)}).decode())
        seqs = [snap["seq"]]
        for n in range(3):
            name = f"Acked {n} {time.time_ns() % 10**8}"
            await asyncio.to_thread(stack.join, name)
            frame = await wait_for_caller(ws, name)  # (a delta: live, not held back)
            seqs.append(frame["seq"])
            await ws.send_str(orjson.dumps({"type": "ack", **position(frame)}).decode())
        assert seqs == sorted(seqs)
        assert len(set(seqs)) == len(seqs)
        assert frame["epoch"] == snap["epoch"]
        assert not ws.closed
        await ws.close()


def position(frame):
    return {"epoch": frame["epoch"], "seq": frame["seq"]}


async def test_a_flood_of_resyncs_is_closed_on_every_server(stack):
    # counted as it arrives: daphne held a flood in its queue behind the resyncs' waits and
    # grew by 135 MB per 500,000 messages, for good
    async with aiohttp.ClientSession() as session:
        ws, _ = await open_board(session, stack, stack.webs[0])
        for _ in range(2000):
            await ws.send_str('{"type": "resync"}')
        frames = 0
        async with asyncio.timeout(5):  # a resync a second at most: no 2,000 s of waits
            while (message := await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                frames += 1
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4029
        assert frames <= 1


async def test_each_process_serves_metrics_with_the_workers_numbers_and_the_proxys_address(
    stack,
):
    """/metrics through the real servers: the worker's counters (another process's, through
    Redis) from either web process; the client's address as the server took it: uvicorn
    trusts X-Forwarded-For from 127.0.0.1 (its default proxy address), daphne as run here
    reads none, so the same header refuses on one and is ignored by the other."""
    from prometheus_client.parser import text_string_to_metric_families

    async with aiohttp.ClientSession() as session:
        for web in stack.webs:
            async with session.get(f"{web}/metrics") as response:
                assert response.status == 200
                text = await response.text()
            samples = {
                (s.name, s.labels.get("type")): s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
            }
            assert samples[("wallboard_events_total", "AllExtensionsStatus")] >= 1
            assert samples[("wallboard_worker_up", None)] == 1
            forwarded = {"X-Forwarded-For": "203.0.113.7"}  # a proxy at 127.0.0.1 says: public
            async with session.get(f"{web}/metrics", headers=forwarded) as response:
                assert response.status == (403 if stack.server == "uvicorn" else 200)
