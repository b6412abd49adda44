"""A thousand screens on one web process: memory per connection, snapshot time, reconnect storm.

Run: .venv/bin/python bench/bench_fleet.py [--screens 1000] [--agents 1000] [--queues 50]
     [--soak 60] [--ceiling-soak SECONDS] [--rate 34] [--server uvicorn] [--clients 4]
     [--redis-url URL]
Starts the whole stack (simulator, worker, one web process) with ``--agents`` agents and
``--queues`` queues, opens ``--screens`` real websocket screens from Node `ws` clients
(``bench/node/screens.mjs``), and prints:

- memory: the web process's RSS growth per idle screen, then after ``--soak`` seconds of traffic
  at ``--rate`` events/s (sampled every 10 s: growth over the second half of the soak says
  whether it leaks). Target: at most 40 KiB per screen, no growth.
- snapshot: the time from a board's ``resync`` to its snapshot (read, build, encode, send) of
  the whole state, p50/p99 over 50 boards asking every 1.1 s for 10 s while the others stay
  connected. Target p99 at most 15 ms.
- reconnect storm: every screen's socket dropped at once and reopened at once: the time until
  all have their snapshot again (target 5 s), and Redis's client count before, during and
  after (the web process's connections, named ``wallboard-web``: they must return to their
  baseline once the screens have gone).

Each beside its ceiling: the same clients against a bare aiohttp websocket server that sends
the same snapshot bytes (bench_screens.py's ceiling server), which soaks as long as the
wallboard unless ``--ceiling-soak`` says otherwise (a one-hour soak of the wallboard need not
wait another hour for the bare server's, which holds no state to grow).
"""

from __future__ import annotations

import argparse
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
import redis
from django.conf import settings

from bench.bench_screens import merged, percentile, wait_http
from tests.stack import Stack, free_port
from wallboard.core.services import ensure_redis

NODE = ROOT / "bench" / "node" / "screens.mjs"
KIB = 1024
TARGET_KIB, TARGET_SNAPSHOT_MS, TARGET_STORM_S = 40, 15, 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--soak", type=float, default=60, help="seconds of traffic")
    parser.add_argument(
        "--ceiling-soak", type=float, help="the bare server's soak, s (default: --soak)"
    )
    parser.add_argument("--rate", type=float, default=34, help="events/s during the soak")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    parser.add_argument("--clients", type=int, default=4, help="Node client processes")
    parser.add_argument("--redis-url", default=settings.REDIS_URL)
    a = parser.parse_args()
    if a.redis_url == settings.REDIS_URL:
        ensure_redis()
    print(
        f"{a.screens} screens on one {a.server} process, {a.agents} agents, {a.queues} queues; "
        f"soak {a.soak:g} s at {a.rate:g} events/s; {a.clients} client processes"
    )
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(
            Path(tmp), a.redis_url, agents=a.agents, queues=a.queues, calls_per_minute=0,
            heartbeat_s=20, server=a.server,
        )  # fmt: skip
        try:
            stack.start()
            snapshot_file = Path(tmp) / "snapshot.json"
            result = run(stack.web, stack.session_cookie(), stack.sim, stack.procs["web0"].pid, a)
            snapshot_file.write_text(first_snapshot(stack))
        finally:
            stack.close()
        report("wallboard", result, a)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bench_screens.py"), "--ceiling-server",
             str(port), "--snapshot-file", str(snapshot_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/simulator/load")
            bare = argparse.Namespace(**{**vars(a), "soak": a.ceiling_soak or a.soak})
            result = run(base, "", base, server.pid, bare, None)
            report("ceiling (bare aiohttp server)", result, bare)
        finally:
            server.terminate()
            server.wait(10)


def first_snapshot(stack: Stack) -> str:
    """One real snapshot frame, as the board receives it, for the ceiling server to send."""
    out = subprocess.run(
        ["node", "-e", SNAPSHOT_JS, stack.web.replace("http", "ws", 1) + "/ws/wallboard/",
         stack.session_cookie(), stack.web],
        capture_output=True, text=True, check=True, cwd=NODE.parent, timeout=60,
    )  # fmt: skip
    return out.stdout


SNAPSHOT_JS = """
const WebSocket = require("ws");
const [url, cookie, origin] = process.argv.slice(1);
const ws = new WebSocket(url, { headers: { Cookie: cookie, Origin: origin } });
ws.on("message", (d) => { process.stdout.write(d.toString(), () => process.exit(0)); });
"""


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * KIB
    raise RuntimeError(f"no VmRSS for {pid}")


def redis_clients(r: redis.Redis | None) -> int | None:
    """The web processes' connections to Redis (``wallboard-web``, services.py)."""
    if r is None:
        return None
    return sum(1 for c in r.client_list() if c.get("name") == "wallboard-web")


class Clients:
    """The Node screen processes, with their stdin for commands."""

    def __init__(
        self, web: str, cookie: str, screens: int, processes: int, urls: list[str] | None = None
    ) -> None:
        """``screens`` screens on the board's socket, over ``processes`` Node processes; or,
        with ``urls``, screen i on ``urls[i]`` (e.g. one display link per team)."""
        ws_url = web.replace("http", "ws", 1) + "/ws/wallboard/"
        each = urls if urls is not None else [ws_url] * screens
        chunks = [each[i::processes] for i in range(processes)]
        self.procs = [
            subprocess.Popen(
                ["node", str(NODE), "|".join(chunk), cookie, web, str(len(chunk))],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
            for chunk in chunks
            if chunk
        ]

    def expect(self, word: str) -> list[str]:
        """Each process's next line, which must start with ``word``."""
        lines = []
        for proc in self.procs:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            if not line.startswith(word):
                raise RuntimeError(f"a load client said {line!r}, not {word!r}")
            lines.append(line)
        return lines

    def command(self, line: str, only_first: bool = False) -> None:
        for proc in self.procs[:1] if only_first else self.procs:
            assert proc.stdin is not None
            proc.stdin.write(line + "\n")
            proc.stdin.flush()

    def stop(self) -> list[dict[str, Any]]:
        outputs = []
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
            outputs.append(json.loads(out.strip().splitlines()[-1]))
        return outputs


def run(
    web: str, cookie: str, sim: str, pid: int, a: argparse.Namespace, r: Any = "stack"
) -> dict[str, Any]:
    r = redis.Redis.from_url(a.redis_url) if r == "stack" else None
    warm = Clients(web, cookie, 10, 1)  # the first board sets up the process's pools and tasks
    warm.expect("ready")
    warm.stop()
    time.sleep(1)
    settle = time.monotonic() + 5  # the process lets go of its idle Redis connections a second
    while redis_clients(r) and time.monotonic() < settle:  # after its last screen left
        time.sleep(0.1)
    rss0, clients0 = rss(pid), redis_clients(r)
    clients = Clients(web, cookie, a.screens, a.clients)
    try:
        clients.expect("ready")
        time.sleep(2)
        rss_idle = rss(pid)
        httpx.post(sim + "/simulator/load", json={"rate": a.rate, "seconds": a.soak})
        samples = []
        while (load := httpx.get(sim + "/simulator/load", timeout=60).json())["running"]:
            samples.append(rss(pid))
            time.sleep(min(10, a.soak / 6))
        time.sleep(2)
        rss_soak = rss(pid)
        clients.command("resync 10 50", only_first=True)
        clients.procs[0].stdout.readline()  # type: ignore[union-attr]  # "resynced"
        clients_before_storm = redis_clients(r)
        started = time.perf_counter()
        clients.command("storm")
        storm_ms = [int(line.split()[1]) for line in clients.expect("storm")]
        storm_s = time.perf_counter() - started
        clients_in_storm = redis_clients(r)
    finally:
        outputs = clients.stop()
    back_after = None
    if r is not None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and redis_clients(r) != clients0:
            time.sleep(0.1)
        back_after = redis_clients(r)
        r.close()
    histogram = merged(outputs, "snapshotHistogram")
    half = samples[len(samples) // 2] if samples else rss_soak
    return {
        "per_idle": (rss_idle - rss0) / a.screens,
        "per_soaked": (rss_soak - rss0) / a.screens,
        "soak_growth": rss_soak - half,
        "events": load["events"],
        "snapshots": histogram,
        "storm_s": storm_s,
        "storm_client_ms": max(storm_ms),
        "redis": (clients0, clients_before_storm, clients_in_storm, back_after),
        "errors": sum(out["errors"] for out in outputs),
    }


def report(name: str, r: dict[str, Any], a: argparse.Namespace) -> None:
    h = r["snapshots"]
    print(f"{name}:")
    print(
        f"  memory: {r['per_idle'] / KIB:.1f} KiB per idle screen, "
        f"{r['per_soaked'] / KIB:.1f} KiB after {r['events']:,} events in {a.soak:g} s "
        f"(target {TARGET_KIB} KiB); growth over the soak's second half "
        f"{r['soak_growth'] / KIB / KIB:+.1f} MiB"
    )
    print(
        f"  snapshot (resync -> snapshot received), {sum(h.values())} samples: "
        f"p50 {percentile(h, 50)} ms, p99 {percentile(h, 99)} ms, max {max(h, default=-1)} ms "
        f"(target p99 {TARGET_SNAPSHOT_MS} ms)"
    )
    base, before, during, after = r["redis"]
    redis_line = (
        f"; the web process's Redis clients {base} before the screens, {before} with them, "
        f"{during} in the storm, {after} once they left"
        + (" (back to baseline)" if after == base else "")
        if base is not None
        else ""
    )
    print(
        f"  reconnect storm: {a.screens} screens dropped and back in sync in "
        f"{r['storm_s']:.2f} s (target {TARGET_STORM_S} s){redis_line}"
        + (f"; {r['errors']} client errors" if r["errors"] else "")
    )


if __name__ == "__main__":
    main()
