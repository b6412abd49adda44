"""Real Socket.IO 2.x peers from npm against our code, so that compatibility is not only with
ourselves: Node's socket.io-client 2.4.0 (the Voicenter Node SDK's) as a client of the
simulator, and a Node socket.io 2.5 server that the worker connects to.
`make test` installs the packages (tests/node/package.json)."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import pytest

from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.simulator.model import CallCenter
from realtime.worker import VoicenterWorker
from tests.helpers import seq_above, snap_with_agents, until, worker_config
from tests.served import Served, serving

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    assert path, "Node.js is needed for the compatibility tests"
    assert (NODE_DIR / "node_modules" / "socket.io").is_dir(), (
        "run `make test` (it runs npm ci in tests/node)"
    )
    return path


@pytest.fixture
async def sim():
    model = CallCenter(agents=6, queues=2, calls_per_minute=600, speed=30, seed=3, now=time.time())
    async with serving(model) as simulator:
        yield simulator


async def _node(node: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        node, *args, cwd=NODE_DIR, stdout=asyncio.subprocess.PIPE
    )


async def _lines(proc: asyncio.subprocess.Process, within_s: float = 25) -> list[dict]:
    stdout, _ = await asyncio.wait_for(proc.communicate(), within_s)
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


async def _token(sim: Served) -> str:
    import httpx

    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{sim.base}/monitorAPI/Login/Token", json={"token": "demo-token"})
    return answer.json()["Data"]["Socket"]["Token"]


async def test_node_socketio_client_2x_talks_to_the_simulator(node, sim):
    token = await _token(sim)
    proc = await _node(node, "client.js", sim.base, token)
    lines = await _lines(proc)
    assert proc.returncode == 0, lines[-3:]
    names = [line["event"] for line in lines if "event" in line]
    assert names[:3] == ["loginSuccess", "loginStatus", "AllExtensionsStatus"]
    assert lines[0]["data"]["errorCode"] == 0
    assert "keepaliveResponse" in names
    assert {"ExtensionEvent", "QueueEvent"} & set(names[3:])  # live traffic
    [answer] = [line["data"] for line in lines if line.get("event") == "keepaliveResponse"]
    assert answer["errorCode"] == 0
    agents = next(line["data"] for line in lines if line.get("event") == "AllExtensionsStatus")
    assert {e["extenUser"] for e in agents["extensions"]} == set(sim.model.agents)
    assert names.count("loginStatus") == 2  # the resync answer


async def test_node_client_with_a_bad_token_is_refused(node, sim):
    proc = await _node(node, "client.js", sim.base, "not-a-token")
    lines = await _lines(proc)
    assert proc.returncode == 2
    assert "connect_error" in lines[-1]
    assert sim.sockets_opened == 0


async def test_the_worker_follows_a_node_socketio_2x_server(node, store, tmp_path):
    start = time.time()
    model = CallCenter(agents=5, queues=2, calls_per_minute=60, speed=1, seed=11, now=start)
    snapshot = model.snapshot_events()
    live = model.advance(start + 120)[:40]  # then silence, so a keep-alive goes out
    assert live, "the model produced no live traffic to send"
    script = tmp_path / "events.json"
    script.write_text(json.dumps({"snapshot": snapshot, "live": live}))
    proc = await _node(node, "server.js", str(script))
    seen: list[dict] = []
    try:
        assert proc.stdout is not None
        port = json.loads(await asyncio.wait_for(proc.stdout.readline(), 10))["port"]
        reader = asyncio.create_task(_collect(proc, seen))
        base = f"http://127.0.0.1:{port}"
        worker = VoicenterWorker(
            worker_config(base, credentials={"token": "node-token"}, keepalive_s=0.5),
            Pipeline([BoardState(store)]),
            store,
        )
        task = asyncio.create_task(worker.run())
        try:
            snap = await until(lambda: snap_with_agents(store))
            assert set(snap.state["agents"]) == set(model.agents)
            first = snap.seq
            await until(lambda: seq_above(store, first))  # live events from Node applied
            await until(lambda: any(s.get("received") == "keepalive" for s in seen))
        finally:
            worker.stop()
            await asyncio.wait_for(task, 10)
            await worker.client.aclose()
        reader.cancel()
    finally:
        proc.terminate()
        await proc.wait()
    assert {"connection": "3"} in seen  # Engine.IO 3
    assert all(s.get("received") != "login" for s in seen)  # no login emit on the socket
    keepalive = next(s for s in seen if s.get("received") == "keepalive")
    assert worker.grant is not None
    assert keepalive["data"] == worker.grant.token  # the SDKs send the token


async def _collect(proc, seen):
    while line := await proc.stdout.readline():
        seen.append(json.loads(line))
