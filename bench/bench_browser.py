"""The board in headless Chromium at scale: first render, keeping up, long tasks, memory.

Run: .venv/bin/python bench/bench_browser.py [--agents 1000] [--queues 50]
     [--calls-per-minute 500] [--rate 340] [--speed 1] [--seconds 30] [--samples 20]
     [--redis-url URL]
Starts the whole stack (simulator, worker, web server) as `make demo` does, signs in, and
prints:
- time from navigation to the first full render, and the snapshot's size;
- long tasks (the Long Tasks API: anything that held the page's main thread over 50 ms) while
  the simulator adds ``--rate`` events/s of steady load on top of its own calls, beside the
  same page's long tasks while idle (its ceiling); target: none over 50 ms under load;
- the event rate the worker committed, the frames the board received and applied (all of
  them: no drop, no resync) and how far behind the board was (its seq against Redis'), the
  slowest render batch;
- how long a new caller takes from joining a queue to its row on the page (p50, p95), next to
  the join's own HTTP round trip (the floor);
- the page's JS heap at the start and the end.

With ``--team-agents N --team-queues M`` the signed-in supervisor supervises one team of the
first M queues and N agents, and the page is that team's board: the load is still spread over
every queue, so the team gets its share as changes and the rest as empty deltas (its
position only, ``realtime/scopes.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
os.environ.setdefault("WALLBOARD_DEV_SECRET_KEY", "1")  # a benchmark, not a site

import django

django.setup()

import httpx
import redis
from django.conf import settings
from playwright.sync_api import Page, sync_playwright

from realtime.keys import Keys
from tests.browser import launch, sign_in
from tests.stack import PASSWORD, USER, Stack
from wallboard.core.services import ensure_redis


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--calls-per-minute", type=float, default=500)
    parser.add_argument("--rate", type=float, default=340, help="steady load, events/s")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--redis-url", default=settings.REDIS_URL)
    parser.add_argument("--samples", type=int, default=20, help="new callers timed to the page")
    parser.add_argument("--team-agents", type=int, default=0, help="a team board of N agents")
    parser.add_argument("--team-queues", type=int, default=0, help="...and M queues")
    a = parser.parse_args()
    if a.redis_url == settings.REDIS_URL:
        ensure_redis()  # the embedded server, when REDIS_URL is unset
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(
            Path(tmp), a.redis_url, agents=a.agents, queues=a.queues,
            calls_per_minute=a.calls_per_minute, speed=a.speed, heartbeat_s=20, server=a.server,
        )  # fmt: skip
        try:
            stack.start()
            if a.team_agents or a.team_queues:
                make_team(stack, a.team_queues, a.team_agents)
            run(stack, a)
        finally:
            stack.close()


def make_team(stack: Stack, queues: int, agents: int) -> None:
    """One team of the first ``queues`` queues and ``agents`` agents, supervised by the
    stack's supervisor (who then sees that team only)."""
    stack.manage_output(
        "create_team", "Bench team",
        "--queues", ",".join(str(1000 + q) for q in range(queues)),
        "--agents", ",".join(f"SIM{100 + n:04d}" for n in range(agents)),
        "--supervisors", USER,
    )  # fmt: skip
    print(f"a team board: {agents} agents and {queues} queues of the account's")


def run(stack: Stack, a: argparse.Namespace) -> None:
    r = redis.Redis.from_url(stack.redis_url)
    meta = Keys(stack.prefix).meta
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.add_init_script(LONG_TASKS_JS)
        sign_in(page, stack.web, USER, PASSWORD)
        timings = []
        for _ in range(3):  # first render, measured on fresh loads
            started = time.perf_counter()
            page.reload()
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            page.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
            timings.append(time.perf_counter() - started)
        cards = page.evaluate("document.querySelectorAll('.agent').length")
        tiles = page.evaluate("document.querySelectorAll('.queue').length")
        names = Keys(stack.prefix)
        snap_bytes = sum(len(v) for v in r.hgetall(names.collection("agents")).values()) + sum(
            len(v) for v in r.hgetall(names.collection("queues")).values()
        )
        heap0 = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : null")
        page.wait_for_timeout(2000)
        page.evaluate("window.__longTasks.length = 0")
        page.wait_for_timeout(a.seconds * 1000 / 3)  # idle: the page's own long tasks
        idle_tasks = page.evaluate("window.__longTasks.splice(0)")
        stats0 = page.evaluate("({...window.wallboard.stats})")
        seq0 = int(r.hget(meta, "seq") or 0)
        httpx.post(stack.sim + "/simulator/load", json={"rate": a.rate, "seconds": a.seconds})
        lags, t0 = [], time.perf_counter()
        while time.perf_counter() - t0 < a.seconds:
            server_seq = int(r.hget(meta, "seq") or 0)
            board_seq = page.evaluate("window.wallboard.board.seq")
            lags.append(max(0, server_seq - board_seq))
            page.wait_for_timeout(250)
        elapsed = time.perf_counter() - t0
        page.wait_for_timeout(3000)  # the last frames in flight
        busy_tasks = page.evaluate("window.__longTasks.splice(0)")
        stats1 = page.evaluate("({...window.wallboard.stats})")
        seq1 = int(r.hget(meta, "seq") or 0)
        final_board_seq = page.evaluate("window.wallboard.board.seq")
        shown, joins = caller_latency(page, stack, a.samples)
        page.evaluate("window.gc && window.gc()")
        heap1 = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : null")
        browser.close()
    r.close()
    deltas = stats1["deltas"] - stats0["deltas"]
    print(f"board: {cards} agent cards, {tiles} queue tiles; snapshot ≈ {snap_bytes / 1e6:.2f} MB")
    print(
        "first render (navigation -> all cards drawn): "
        + ", ".join(f"{t:.2f} s" for t in timings)
        + f"; median {statistics.median(timings):.2f} s"
    )
    print(
        f"live for {elapsed:.0f} s: worker committed {(seq1 - seq0) / elapsed:.1f} deltas/s, "
        f"board applied {deltas / elapsed:.1f} deltas/s in {stats1['renders'] - stats0['renders']} "
        f"render batches; slowest batch {stats1['maxRenderMs']:.1f} ms"
    )
    print(
        f"board behind Redis: median {statistics.median(lags):.0f}, max {max(lags)} deltas "
        f"(sampled every 250 ms); at the end the board is at seq {final_board_seq}, Redis at "
        f"{seq1}"
    )
    moved = {k: stats1[k] - stats0[k] for k in ("frames", "drops", "resyncs", "snapshots")}
    print(
        f"frames received {moved['frames']:,}: applied {deltas:,} deltas (+ heartbeats), "
        f"dropped {moved['drops']}, resyncs {moved['resyncs']}, snapshots {moved['snapshots']}"
    )
    print(
        f"long tasks at {a.rate:g} events/s + the simulator's calls: {len(busy_tasks)} over 50 ms"
        + (f" (longest {max(busy_tasks):.0f} ms)" if busy_tasks else "")
        + f"; target none; ceiling (the same page idle): {len(idle_tasks)}"
        + (f" (longest {max(idle_tasks):.0f} ms)" if idle_tasks else "")
    )
    print(
        f"a new caller on the page (join -> drawn), {len(shown)} samples: "
        f"p50 {percentile(shown, 50) * 1000:.0f} ms, p95 {percentile(shown, 95) * 1000:.0f} ms; "
        f"floor (the join's HTTP round trip alone): p50 {percentile(joins, 50) * 1000:.0f} ms"
    )
    if heap0 and heap1:
        print(f"JS heap: {heap0 / 1e6:.1f} MB -> {heap1 / 1e6:.1f} MB")


LONG_TASKS_JS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""


def caller_latency(page: Page, stack: Stack, samples: int) -> tuple[list[float], list[float]]:
    """Seconds from putting a caller in a queue to its row on the page, and of the join alone."""
    shown, joins = [], []
    for n in range(samples):
        name = f"Bench {n} {time.time_ns() % 10**8}"
        started = time.perf_counter()
        stack.join(name)
        joins.append(time.perf_counter() - started)
        page.locator(".caller-name", has_text=name).wait_for(state="attached", timeout=30_000)
        shown.append(time.perf_counter() - started)
    return shown, joins


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
