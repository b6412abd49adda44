"""Event to screen: how long each Voicenter event takes to reach every open screen.

Run: .venv/bin/python bench/bench_screens.py [--screens 100] [--rate 340] [--seconds 20]
     [--clients 2] [--redis-url URL]
Starts the whole stack (simulator, worker, daphne) as `make demo` does, opens ``--screens``
real websocket screens on ``/ws/wallboard/`` from Node `ws` clients (``bench/node/``, spread
over ``--clients`` processes), then has the simulator send ``--rate`` events/s for
``--seconds``. Every caller it puts in a queue is named with the moment its event was sent, so
each screen times each event (``bench/node/screens.mjs``). Prints p50/p99/max and
delivered/expected; then the same clients against a bare asyncio (aiohttp) websocket server
broadcasting the same kind of frames at the same rate: the ceiling of this machine and of the
load clients themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
os.environ.setdefault("WALLBOARD_DEV_SECRET_KEY", "1")  # a benchmark, not a site

import django

django.setup()

import httpx
import orjson
from aiohttp import web
from django.conf import settings

from tests.stack import Stack, free_port
from wallboard.core.services import ensure_redis

NODE_DIR = ROOT / "bench" / "node"
DRAIN_S = 5.0  # after the load: time for late frames to arrive


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screens", type=int, default=100)
    parser.add_argument("--rate", type=float, default=340, help="Voicenter events/s")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=2, help="Node client processes")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    parser.add_argument(
        "--web-processes", type=int, default=1, help="web servers, the screens spread over them"
    )
    parser.add_argument("--redis-url", default=settings.REDIS_URL)
    parser.add_argument("--ceiling-server", type=int, help=argparse.SUPPRESS)  # internal
    parser.add_argument("--snapshot-file", help=argparse.SUPPRESS)  # internal
    a = parser.parse_args()
    if a.ceiling_server:
        snapshot = Path(a.snapshot_file).read_text() if a.snapshot_file else None
        web.run_app(ceiling_app(snapshot), host="127.0.0.1", port=a.ceiling_server, print=None)
        return
    if a.redis_url == settings.REDIS_URL:
        ensure_redis()
    a.clients = max(a.clients, a.web_processes)
    print(
        f"{a.screens} screens, {a.rate:g} events/s for {a.seconds:g} s, {a.clients} clients, "
        f"{a.web_processes} {a.server} process(es)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(
            Path(tmp),
            a.redis_url,
            agents=1,
            queues=50,
            calls_per_minute=0,
            heartbeat_s=20,
            web_processes=a.web_processes,
            server=a.server,
        )
        try:
            stack.start()
            webs = [(web, stack.session_cookie(web)) for web in stack.webs]
            result = measure(webs, stack.sim, a)
            report(f"wallboard ({a.web_processes} x {a.server})", result)
        finally:
            stack.close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--ceiling-server", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/simulator/load")
        result = measure([(base, "")], base, a)
        report("ceiling (bare aiohttp server)", result)
    except (httpx.HTTPError, RuntimeError) as exc:
        # at 1,000 screens x 340 events/s the bare server itself is swamped on 2 cores
        print(f"ceiling (bare aiohttp server): could not keep up at this load ({exc!r})")
    finally:
        server.terminate()
        server.wait(10)


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def measure(webs: list[tuple[str, str]], sim: str, a: argparse.Namespace) -> dict[str, Any]:
    """``webs``: each web process's address and session cookie; client i talks to web i % n."""
    shares = [a.screens // a.clients + (i < a.screens % a.clients) for i in range(a.clients)]
    clients = []
    for i, n in enumerate(shares):
        if n:
            web, cookie = webs[i % len(webs)]
            ws_url = web.replace("http", "ws", 1) + "/ws/wallboard/"
            node = ["node", str(NODE_DIR / "screens.mjs"), ws_url, cookie, web, str(n)]
            clients.append(
                subprocess.Popen(node, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
            )
    try:
        for client in clients:
            assert client.stdout is not None
            line = client.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"a load client did not get its snapshots ({line!r})")
        load_args = {"rate": a.rate, "seconds": a.seconds}
        started = httpx.post(sim + "/simulator/load", json=load_args, timeout=60)
        started.raise_for_status()
        load = started.json()
        while load["running"]:
            time.sleep(0.2)
            load = httpx.get(sim + "/simulator/load", timeout=60).json()
        time.sleep(DRAIN_S)
    finally:
        outputs = []
        for client in clients:
            client.send_signal(signal.SIGTERM)
            out, _ = client.communicate(timeout=30)
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    histogram = merged(outputs)
    return {
        "events": load["events"],
        "stamped": load["stamped"],
        "screens": sum(out["open"] for out in outputs),
        "delivered": sum(out["delivered"] for out in outputs),
        "frames": sum(out["frames"] for out in outputs),
        "errors": sum(out["errors"] for out in outputs),
        "closed": sum(out["closed"] for out in outputs),
        "resnapshots": sum(out["resnapshots"] for out in outputs),
        "gaps": sum(out.get("gaps", 0) for out in outputs),
        "histogram": histogram,
        "seconds": a.seconds,
    }


def merged(outputs: list[dict[str, Any]], key: str = "histogram") -> dict[int, int]:
    """The Node clients' histograms (``ms -> count``, under ``key``) added up."""
    histogram: dict[int, int] = {}
    for out in outputs:
        for ms, count in out[key].items():
            histogram[int(ms)] = histogram.get(int(ms), 0) + count
    return histogram


def percentile(histogram: dict[int, int], p: float) -> int:
    total = sum(histogram.values())
    seen = 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= total * p / 100:
            return ms
    return -1


def report(name: str, r: dict[str, Any]) -> None:
    expected = r["stamped"] * r["screens"]
    h = r["histogram"]
    print(
        f"{name}: {r['events'] / r['seconds']:,.0f} events/s sent; "
        f"delivered {r['delivered']:,}/{expected:,} stamped events "
        f"({r['delivered'] / max(expected, 1):.1%}); "
        f"p50 {percentile(h, 50)} ms, p99 {percentile(h, 99)} ms, max {max(h, default=-1)} ms; "
        f"{r['frames'] / r['seconds'] / max(r['screens'], 1):,.1f} frames/s per screen"
        + f"; {r['gaps']} gaps in the seqs"
        + (f"; {r['errors']} client errors" if r["errors"] else "")
        + (f"; {r['closed']} screens closed" if r["closed"] else "")
        + (f"; {r['resnapshots']} fresh snapshots (held back)" if r["resnapshots"] else "")
    )


# --- the ceiling: a bare asyncio websocket server broadcasting the same kind of frames --------


def ceiling_app(snapshot: str | None = None) -> web.Application:
    """The bare server: ``snapshot`` (a real board's snapshot frame, as text) is sent on connect
    and on each ``resync``, else a small one is built."""
    sockets: set[web.WebSocketResponse] = set()
    load = {"running": False, "events": 0, "stamped": 0}
    queues: dict[str, dict[str, Any]] = {
        str(q): {"id": str(q), "name": f"Q{q}", "waiting": []} for q in range(50)
    }

    def encode(frame: dict[str, Any]) -> str:
        return orjson.dumps(frame).decode()

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        state = {"queues": queues, "agents": {}}
        first = snapshot or encode({"type": "snapshot", "epoch": "E", "seq": 0, "state": state})
        await ws.send_str(first)
        sockets.add(ws)
        async for message in ws:
            if snapshot and '"resync"' in message.data:
                await ws.send_str(snapshot)
        sockets.discard(ws)
        return ws

    async def run(rate: float, seconds: float) -> None:
        started, turn, seq = time.monotonic(), 0, 0
        while (elapsed := time.monotonic() - started) < seconds:
            while load["events"] < elapsed * rate:
                queue = queues[str(turn % len(queues))]
                if len(queue["waiting"]) >= 3:
                    queue["waiting"] = queue["waiting"][1:]
                else:
                    caller = {"call_id": str(turn), "caller_name": f"t{time.time() * 1000:.3f}"}
                    queue["waiting"] = [*queue["waiting"], caller]
                    load["stamped"] += 1
                turn, seq = turn + 1, seq + 1
                delta = {"queues": {"set": {queue["id"]: queue}}}
                text = encode({"type": "delta", "epoch": "E", "seq": seq, "delta": delta})
                for ws in list(sockets):
                    await ws.send_str(text)
                load["events"] += 1
            await asyncio.sleep(0.002)
        load["running"] = False

    async def start(request: web.Request) -> web.Response:
        body = await request.json()
        load.update(running=True, events=0, stamped=0)
        asyncio.get_running_loop().create_task(run(float(body["rate"]), float(body["seconds"])))
        return web.json_response(load)

    async def progress(request: web.Request) -> web.Response:
        return web.json_response(load)

    app = web.Application()
    app.router.add_get("/ws/wallboard/", socket)
    app.router.add_post("/simulator/load", start)
    app.router.add_get("/simulator/load", progress)
    return app


if __name__ == "__main__":
    main()
