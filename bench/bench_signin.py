"""A shift change: the board page while people sign in by the dozen every second.

Run: .venv/bin/python bench/bench_signin.py [--rate 50] [--seconds 60] [--server uvicorn]
     [--database-url URL]
Starts the whole stack as `make demo` does (the real password hasher, PBKDF2), makes
``--users`` accounts, then fetches the board page as a signed-in supervisor every 100 ms: first
alone for ``--quiet`` seconds (the ceiling: this machine's board page with nothing else to do),
then while ``--rate`` people a second sign in (each as a browser does: the sign-in page, then
the form) for ``--seconds``. Prints the board page's p50/p99/max in both phases, and how the
sign-ins were answered: signed in, told to retry at once (429, ``Retry-After``), or anything
else (a 5xx is a failure). Target (the sign-in issue): at 50 sign-ins/s for 60 s, the board
page's p99 under 1 s and no 500. The sign-ins come from one address with the right password
(people, not a guesser): the back-pressure is measured, not the guessing limits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
os.environ.setdefault("WALLBOARD_DEV_SECRET_KEY", "1")  # a benchmark, not a site

import django

django.setup()

import aiohttp
from django.conf import settings

from tests.stack import PASSWORD, Stack
from wallboard.core.services import ensure_redis

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BOARD_EVERY_S = 0.1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50, help="sign-ins a second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--quiet", type=float, default=10, help="seconds of the board alone")
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    parser.add_argument("--database-url", help="default: the stack's own SQLite file")
    parser.add_argument("--redis-url", default=settings.REDIS_URL)
    parser.add_argument("--log-dir", help="keep the stack's logs here")
    parser.add_argument("--load-client", help=argparse.SUPPRESS)  # internal: the sign-ins
    a = parser.parse_args()
    if a.load_client:
        answers = asyncio.run(sign_ins(a.load_client, a.rate, a.seconds, a.users))
        print(json.dumps(answers))
        return
    if a.redis_url == settings.REDIS_URL:
        ensure_redis()
    env = {"DATABASE_URL": a.database_url} if a.database_url else {}
    print(
        f"{a.rate:g} sign-ins/s for {a.seconds:g} s, {a.server}, "
        f"{'SQLite' if not a.database_url else 'DATABASE_URL'}, "
        f"WALLBOARD_SIGNIN_CONCURRENCY={settings.WALLBOARD_SIGNIN_CONCURRENCY}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(a.log_dir) if a.log_dir else None
        stack = Stack(Path(tmp), a.redis_url, agents=40, queues=6, server=a.server, env=env,
                      log_dir=logs)  # fmt: skip
        try:
            stack.start()
            make_users(stack, a.users)
            asyncio.run(run(stack, a))
        finally:
            stack.close()


def make_users(stack: Stack, count: int) -> None:
    code = (
        "from django.contrib.auth.hashers import make_password;"
        "from django.contrib.auth.models import User;"
        f"h = make_password({PASSWORD!r});"
        "User.objects.filter(username__startswith='bench-').delete();"
        "User.objects.bulk_create([User(username=f'bench-{i}', password=h)"
        f" for i in range({count})], batch_size=1000)"
    )
    stack.manage_output("shell", "-c", code)


async def run(stack: Stack, a: argparse.Namespace) -> None:
    cookie = stack.session_cookie()
    quiet = await board_latencies(stack.web, cookie, a.quiet, None)
    report("board page alone (ceiling)", quiet)
    # the sign-ins from a process of their own: the board's fetches are timed by an event loop
    # that has nothing else to do
    storm = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--load-client", stack.web, "--rate", str(a.rate),
        "--seconds", str(a.seconds), "--users", str(a.users), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    waiting = asyncio.create_task(storm.communicate())
    loaded = await board_latencies(stack.web, cookie, a.seconds, waiting)
    out, _ = await waiting
    answers: Counter[str] = Counter(json.loads(out.decode().strip().splitlines()[-1]))
    report(f"board page under {a.rate:g} sign-ins/s", loaded)
    total = sum(answers.values())
    print(
        f"sign-ins: {total:,} asked; "
        + ", ".join(f"{what} {n:,}" for what, n in sorted(answers.items()))
        + f"; signed in {answers['signed in'] / a.seconds:.1f}/s"
    )
    failures = loaded["5xx"] + sum(n for what, n in answers.items() if what.startswith("5"))
    met = loaded["p99"] < 1000 and failures == 0
    print(f"target (board p99 under 1,000 ms, no 5xx): {'met' if met else 'NOT met'}")


async def board_latencies(
    web: str, cookie: str, seconds: float, storm: asyncio.Future[Any] | None
) -> dict[str, float]:
    """The board page fetched every BOARD_EVERY_S for ``seconds`` (or until ``storm`` ends)."""
    times: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(
        web, headers={"Cookie": cookie}, cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=120),
    ) as client:  # fmt: skip
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (storm is not None and storm.done()):
            started = time.monotonic()
            async with client.get("/") as page:
                text = await page.text()
            times.append((time.monotonic() - started) * 1000)
            if page.status >= 500 or 'id="board-config"' not in text:
                errors += 1
            await asyncio.sleep(max(0.0, BOARD_EVERY_S - (time.monotonic() - started)))
    times.sort()
    return {
        "n": len(times),
        "p50": statistics.median(times) if times else -1,
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))] if times else -1,
        "max": times[-1] if times else -1,
        "5xx": errors,
    }


async def sign_ins(web: str, rate: float, seconds: float, users: int) -> Counter[str]:
    """``rate`` sign-ins a second for ``seconds``, each a browser of its own (its own cookies,
    on connections shared by all: aiohttp, several times lighter than a client per browser)."""
    answers: Counter[str] = Counter()
    tasks = []
    started = time.monotonic()
    n = 0
    async with aiohttp.ClientSession(
        web, cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=120),
        connector=aiohttp.TCPConnector(limit=0),
    ) as client:  # fmt: skip
        while (elapsed := time.monotonic() - started) < seconds:
            while n < elapsed * rate:
                tasks.append(
                    asyncio.create_task(sign_in(client, web, f"bench-{n % users}", answers))
                )
                n += 1
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
    return answers


async def sign_in(
    client: aiohttp.ClientSession, web: str, username: str, answers: Counter[str]
) -> None:
    try:
        async with client.get("/accounts/login/") as page:
            text = await page.text()
            csrf_cookie = page.cookies.get("csrftoken")
        token = CSRF.search(text)
        if token is None or csrf_cookie is None:
            answers[f"{page.status} on the sign-in page"] += 1
            return
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        headers = {
            "Referer": str(client._base_url) + "/",
            "Cookie": f"csrftoken={csrf_cookie.value}",
        }
        async with client.post(
            "/accounts/login/", data=form, headers=headers, allow_redirects=False
        ) as answer:
            await answer.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        answers[f"client error {type(exc).__name__}"] += 1
        return
    if answer.status == 302:
        answers["signed in"] += 1
    elif answer.status == 429 and answer.headers.get("Retry-After"):
        answers["told to retry (429)"] += 1
    else:
        answers[str(answer.status)] += 1


def report(name: str, r: dict[str, float]) -> None:
    print(
        f"{name}: {r['n']:,.0f} pages, p50 {r['p50']:,.0f} ms, p99 {r['p99']:,.0f} ms,"
        f" max {r['max']:,.0f} ms" + (f"; {r['5xx']:,.0f} failed" if r["5xx"] else "")
    )


if __name__ == "__main__":
    main()
