"""A Voicenter simulator served on a free local port, for tests that talk to it over HTTP."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aiohttp.test_utils import TestServer

from realtime.simulator.model import CallCenter
from realtime.simulator.server import Simulator


class Served(Simulator):
    """A simulator that knows the address it is served at."""

    base: str = ""


@asynccontextmanager
async def serving(model: CallCenter | None, **options: Any) -> AsyncIterator[Served]:
    """The simulator (``options``: those of :class:`Simulator`) on a free port."""
    simulator = Served(model, **options)
    server = TestServer(simulator.app, host="127.0.0.1")
    await server.start_server()
    simulator.base = str(server.make_url("")).rstrip("/")
    try:
        yield simulator
    finally:
        await server.close()


@contextmanager
def serving_in_thread(model: CallCenter | None, **options: Any) -> Iterator[Served]:
    """:func:`serving`, on an event loop of its own thread: for a synchronous caller (a
    management command that runs its own loop)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    served: list[Served] = []
    stop = asyncio.Event()

    async def serve() -> None:
        async with serving(model, **options) as simulator:
            served.append(simulator)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the simulator did not start")
    try:
        yield served[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
