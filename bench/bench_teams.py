"""Teams at a thousand screens: each board cut to its team, at the cost of one cut per scope.

Run: .venv/bin/python bench/bench_teams.py [--screens 1000] [--teams 20] [--all-screens 50]
     [--rate 340] [--seconds 20] [--agents 200] [--queues 50] [--clients 4]
     [--server uvicorn] [--redis-url URL]
Starts the whole stack (simulator, worker, one web process), makes ``--teams`` teams (the
queues and agents dealt out in turn) with a display link each, and one display link for the
whole account. Then, with Node `ws` screens (``bench/node/screens.mjs``):

1. unscoped, the reference of this same run: every screen on the whole account's link, the
   simulator sending ``--rate`` events/s for ``--seconds``: p50/p99/max event to screen.
2. scoped: ``--all-screens`` screens on the whole account, the rest spread over the teams'
   links; the same load. Each screen times only the callers of its own queues, and the
   delivered count is held to what each should have got (the simulator counts its stamped
   callers by queue). Targets: p99 within 500 ms and within 1.5x the unscoped run's p99.
   The web process's memory per screen (RSS growth once every screen has its snapshot):
   target 40 KiB.
3. a reconnect storm of the scoped screens (every socket dropped and reopened at once): the
   time until all have their snapshot again; target 5 s.

The ceiling of the machine and the load clients is bench_screens.py's (a bare aiohttp server
sending the same frames), printed by ``make bench`` beside the unscoped figures.
"""

from __future__ import annotations

import argparse
import json
import os
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
from django.conf import settings

from bench.bench_fleet import KIB, TARGET_KIB, TARGET_STORM_S, Clients, rss
from bench.bench_screens import DRAIN_S, merged, percentile
from tests.stack import Stack
from wallboard.core.services import ensure_redis

TARGET_P99_MS, TARGET_RATIO = 500, 1.5
#: A screen: its socket's URL, and the queue ids it sees (None: every queue).
Screen = tuple[str, set[str] | None]

#: Made in the stack's own database: the teams and their display links, as JSON.
MAKE_TEAMS = """
import json
from wallboard.board.models import DisplayLink
from wallboard.teams.models import Team, TeamAgent, TeamQueue
teams, queues, agents = {teams}, {queues}, {agents}
out = {{"all": DisplayLink.objects.create(name="Whole account").token, "teams": []}}
for i in range(teams):
    team = Team.objects.create(name=f"Team {{i}}")
    mine = [str(1000 + q) for q in range(queues) if q % teams == i]
    TeamQueue.objects.bulk_create(TeamQueue(team=team, queue_id=q) for q in mine)
    sips = [f"SIM{{100 + n:04d}}" for n in range(agents) if n % teams == i]
    TeamAgent.objects.bulk_create(TeamAgent(team=team, extension=sip) for sip in sips)
    out["teams"].append([DisplayLink.objects.create(name=f"TV {{i}}", team=team).token, mine])
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--all-screens", type=int, default=50, help="screens on All teams")
    parser.add_argument("--rate", type=float, default=340, help="Voicenter events/s")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4, help="Node client processes")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    parser.add_argument("--redis-url", default=settings.REDIS_URL)
    a = parser.parse_args()
    if a.redis_url == settings.REDIS_URL:
        ensure_redis()
    print(
        f"{a.screens} screens over {a.teams} teams ({a.all_screens} on All teams), "
        f"{a.rate:g} events/s for {a.seconds:g} s, {a.agents} agents, {a.queues} queues, "
        f"one {a.server} process, {a.clients} client processes"
    )
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(
            Path(tmp), a.redis_url, agents=a.agents, queues=a.queues, calls_per_minute=0,
            heartbeat_s=20, server=a.server,
        )  # fmt: skip
        try:
            stack.start()
            made = json.loads(
                stack.manage_output(
                    "shell", "-c",
                    MAKE_TEAMS.format(teams=a.teams, queues=a.queues, agents=a.agents),
                ).strip().splitlines()[-1]
            )  # fmt: skip
            socket = stack.web.replace("http", "ws", 1) + "/ws/wallboard/?display="
            whole: Screen = (socket + made["all"], None)
            teams: list[Screen] = [(socket + t, set(queues)) for t, queues in made["teams"]]
            spread = [whole] * a.all_screens + [
                teams[i % len(teams)] for i in range(a.screens - a.all_screens)
            ]
            warm(stack, whole[0])  # the first boards set up the process's pools and tasks
            scoped = screens_run(stack, spread, a, pid=stack.procs["web0"].pid)
            report(f"scoped, {a.teams} teams + All teams", scoped)
            unscoped = screens_run(stack, [whole] * a.screens, a)
            report("unscoped, every screen on the whole account (the reference)", unscoped)
        finally:
            stack.close()
    p99, ref = percentile(scoped["histogram"], 99), percentile(unscoped["histogram"], 99)
    print(
        f"  scoped p99 {p99} ms: {p99 / max(ref, 1):.2f}x the unscoped run's {ref} ms "
        f"(target {TARGET_P99_MS} ms and {TARGET_RATIO}x); memory "
        f"{scoped['per_screen'] / KIB:.1f} KiB per screen (target {TARGET_KIB} KiB); "
        f"reconnect storm: {len(spread)} screens back in sync in {scoped['storm_s']:.2f} s "
        f"(target {TARGET_STORM_S} s)"
    )


def warm(stack: Stack, url: str) -> None:
    clients = Clients(stack.web, "", 10, 1, urls=[url] * 10)
    try:
        clients.expect("ready")
    finally:
        clients.stop()
    time.sleep(2)


def screens_run(
    stack: Stack, screens: list[Screen], a: argparse.Namespace, pid: int | None = None
) -> dict[str, Any]:
    """``screens``: each screen's socket URL and the queues it sees (None: all). With ``pid``,
    the web process's memory per screen and a reconnect storm too."""
    rss0 = rss(pid) if pid else 0
    clients = Clients(stack.web, "", len(screens), a.clients, urls=[url for url, _ in screens])
    result: dict[str, Any] = {}
    try:
        clients.expect("ready")
        if pid:
            time.sleep(2)
            result["per_screen"] = (rss(pid) - rss0) / len(screens)
        started = httpx.post(
            stack.sim + "/simulator/load", json={"rate": a.rate, "seconds": a.seconds}, timeout=60
        )
        started.raise_for_status()
        load = started.json()
        while load["running"]:
            time.sleep(0.2)
            load = httpx.get(stack.sim + "/simulator/load", timeout=60).json()
        time.sleep(DRAIN_S)
        if pid:
            began = time.perf_counter()
            clients.command("storm")
            clients.expect("storm")
            result["storm_s"] = time.perf_counter() - began
    finally:
        outputs = clients.stop()
    by_queue: dict[str, int] = load["by_queue"]
    expected = sum(
        load["stamped"] if queues is None else sum(by_queue.get(q, 0) for q in queues)
        for _, queues in screens
    )
    return {
        **result,
        "events": load["events"],
        "expected": expected,
        "screens": sum(out["open"] for out in outputs),
        "delivered": sum(out["delivered"] for out in outputs),
        "frames": sum(out["frames"] for out in outputs),
        "bytes": sum(out["bytes"] for out in outputs),
        "gaps": sum(out["gaps"] for out in outputs),
        "errors": sum(out["errors"] for out in outputs),
        "histogram": merged(outputs),
        "seconds": a.seconds,
    }


def report(name: str, r: dict[str, Any]) -> None:
    h = r["histogram"]
    seconds, screens = r["seconds"], max(r["screens"], 1)
    print(
        f"{name}: {r['events'] / seconds:,.0f} events/s sent; delivered "
        f"{r['delivered']:,}/{r['expected']:,} of the callers each screen should see "
        f"({r['delivered'] / max(r['expected'], 1):.1%}); p50 {percentile(h, 50)} ms, "
        f"p99 {percentile(h, 99)} ms, max {max(h, default=-1)} ms; "
        f"{r['frames'] / seconds / screens:,.1f} frames/s and "
        f"{r['bytes'] / seconds / screens / KIB:,.1f} KiB/s per screen; {r['gaps']} gaps"
        + (f"; {r['errors']} client errors" if r["errors"] else "")
    )


if __name__ == "__main__":
    main()
