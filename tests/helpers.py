"""What several test modules share (no test module imports another): one polling helper, the
worker's configuration against the simulator and its checks on the store, the pipeline fed
with events, a published message, a client signed in with a role, a board screen as the fan-out
and the heartbeat see it, the worker's side publishing to the boards and a change it commits,
the headers of a board's socket, a download's bytes."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.publisher import Publisher
from realtime.state import Delta
from realtime.worker import WorkerConfig
from wallboard.agents.onboarding import create_agent
from wallboard.core.services import shared_store
from wallboard.worker.wiring import Ingest

#: A board's socket request: its Origin must be the site's own (``wallboard/core/origin.py``).
ORIGIN = (b"origin", b"http://localhost")
HOST = (b"host", b"localhost")


async def until(check: Callable[[], Any], within_s: float = 10.0, every_s: float = 0.02) -> Any:
    """Ask ``check`` (a function returning a value, or an awaitable of one) until its answer is
    truthy, and return that answer; an AssertionError after ``within_s``. The one polling
    helper: a test waits for what it checks, never for a fixed time."""
    deadline = time.monotonic() + within_s
    while True:
        answer = check()
        if inspect.isawaitable(answer):
            answer = await answer
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not so within {within_s} s")
        await asyncio.sleep(every_s)


def until_now(check: Callable[[], Any], within_s: float = 10.0, every_s: float = 0.1) -> Any:
    """:func:`until` for synchronous tests (the browser's): ``check`` is a plain function."""
    deadline = time.monotonic() + within_s
    while not (answer := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not so within {within_s} s")
        time.sleep(every_s)
    return answer


async def wired_to_boards() -> Ingest:
    """The worker's side, publishing to the boards of this test (its prefix: ``use_prefix``)."""
    store = shared_store()
    publisher = Publisher(store)
    board = BoardState(store, publisher)
    wired = Ingest(store, publisher, board, Pipeline([board]))
    await wired.pipeline.load()
    return wired


async def commit_and_publish(wired: Ingest, delta: Delta) -> None:
    """A change committed and published, as the worker does (after its first rebuild)."""
    epoch = wired.board.epoch
    assert epoch is not None, "the board's state was never built"
    seq = await wired.store.commit(epoch, delta)
    await wired.publisher.on_commit(epoch, seq, delta)


def worker_config(base: str, **overrides: Any) -> WorkerConfig:
    values: dict[str, Any] = {
        "login_type": "token",
        "credentials": {"token": "demo-token"},
        "login_url": f"{base}/monitorAPI/Login",
        "refresh_url": f"{base}/monitorAPI/RefreshIdentityToken",
        "reconnect_min_s": 0.1,
        "reconnect_max_s": 0.4,
        "snapshot_timeout_s": 1.0,
    }
    values.update(overrides)
    return WorkerConfig(**values)


async def snap_with_agents(store):
    """The stored snapshot once it has agents (else None)."""
    snap = await store.snapshot()
    return snap if snap.state["agents"] else None


async def seq_above(store, seq):
    return (await store.snapshot()).seq > seq


async def fed(store, events):
    """The pipeline and its board projection after ``events``; counters written."""
    board = BoardState(store)
    pipeline = Pipeline([board], tz=ZoneInfo("Asia/Jerusalem"))
    for name, payload in events:
        await pipeline.feed(name, payload)
    await store.add_stats(pipeline.take_stats())
    return pipeline, board


async def next_message(pubsub, within_s=5.0):
    """The next published message's data (the subscription's confirmation read as None)."""
    async with asyncio.timeout(within_s):
        while (message := await pubsub.get_message(timeout=within_s)) is None:
            pass
    return message["data"]


def signed_in(client: Client, username: str, **role: object) -> Client:
    """``client`` signed in as a new ``username`` with ``role`` (``create_agent``'s flags)."""
    create_agent(username, password="pw-123456", **role)  # type: ignore[arg-type]
    assert client.login(username=username, password="pw-123456")
    return client


class Screen:
    """A board as the heartbeat sees it: something to send text to."""

    def __init__(self, broken: bool = False):
        self.texts: list[str] = []
        self.broken = broken
        self.behind = False
        self.closed: int | None = None  # the close code, once closed

    async def send(self, text_data=None, bytes_data=None):
        if self.broken:
            raise ConnectionError("socket gone")
        self.texts.append(text_data)

    async def close(self, code=None):
        self.closed = code

    async def base_send(self, message):
        assert message["type"] == "websocket.send"
        await self.send(text_data=message["text"])


def calls(test):
    """For the call buttons' async view tests: the database as the async views see it (real
    transactions), and Django's sync thread's connection closed after."""
    test = pytest.mark.usefixtures("close_thread_connections")(test)
    return pytest.mark.django_db(transaction=True)(test)


def downloaded(response: object) -> bytes:
    """A download's bytes: a streamed response whose body is an asynchronous iterator
    (``wallboard/reports/export.py``), read to its end."""
    from asgiref.sync import async_to_sync
    from django.http import StreamingHttpResponse

    assert isinstance(response, StreamingHttpResponse)

    async def read() -> bytes:
        return b"".join([part async for part in response.streaming_content])  # type: ignore[union-attr]

    return async_to_sync(read)()
