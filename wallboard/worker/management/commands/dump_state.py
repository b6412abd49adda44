"""``python manage.py dump_state``: print the current snapshot as JSON.

Output: ``{"epoch", "seq", "state": {"queues": ..., "agents": ...}, "stats": {...},
"health": {...}, "lease": {...}}`` (health: the worker's, see :mod:`realtime.worker`; lease:
which worker is active, how old its lease is, and every worker seen, active and standby, see
:func:`realtime.lease.lease_status`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandParser

from realtime.lease import lease_status
from wallboard.core.services import state_store


class Command(BaseCommand):
    help = "Print the wallboard state stored in Redis (epoch, seq, state, counters) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compact", action="store_true", help="one line, no indentation")

    def handle(self, *args: object, **options: Any) -> None:
        document = asyncio.run(self._read())
        option = orjson.OPT_SORT_KEYS | (0 if options["compact"] else orjson.OPT_INDENT_2)
        self.stdout.write(orjson.dumps(document, option=option).decode())

    async def _read(self) -> dict[str, object]:
        store = state_store()
        try:
            snap = await store.snapshot()
            return {
                **snap.as_json(),
                "stats": await store.stats(),
                "health": await store.health(),
                "lease": await lease_status(store.redis, store.prefix),
            }
        finally:
            await store.redis.aclose()
