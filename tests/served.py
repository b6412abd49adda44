"""A Voicenter simulator served on a free local port, for tests that talk to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
