"""``python manage.py replay FILE``: run recorded Voicenter events through the live path.

FILE holds one raw event per line, as the socket delivers it: ``["EventName", {payload}]``.
Blank lines and lines starting with ``#`` are skipped; a line that is not such an array is
reported with its line number and skipped. ``-`` reads standard input.
"""

from __future__ import annotations

import asyncio
import sys

import orjson
from django.core.management.base import BaseCommand, CommandError

from wallboard import services


def parse_line(line: bytes) -> tuple[str, object]:
    """One recorded event line -> (name, payload). Raises ValueError with a readable reason."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(value, list) or len(value) < 2 or not isinstance(value[0], str):
        raise ValueError('not an ["EventName", {payload}] array')
    return value[0], value[1]


class Command(BaseCommand):
    help = "Replay raw Voicenter events (one JSON array per line) into the wallboard state."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help='recorded events, one ["Name", {...}] per line; - for stdin'
        )
        parser.add_argument(
            "--reset", action="store_true", help="start from an empty state under a new epoch"
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        with stream:
            lines = stream.read().splitlines()
        fed, bad, snap = asyncio.run(self._replay(lines, options["reset"]))
        self.stdout.write(
            f"replayed {fed} events, skipped {bad} bad lines; epoch {snap[0]}, seq {snap[1]}"
        )

    async def _replay(self, lines: list[bytes], reset: bool):
        pipeline = services.pipeline()
        store = pipeline.store
        try:
            await pipeline.load()
            if reset:
                await pipeline.rebuild({"queues": {}, "agents": {}})
            fed = bad = 0
            for number, line in enumerate(lines, start=1):
                if not line.strip() or line.lstrip().startswith(b"#"):
                    continue
                try:
                    name, payload = parse_line(line)
                except ValueError as exc:
                    bad += 1
                    self.stderr.write(f"line {number}: {exc}; skipped")
                    continue
                await pipeline.feed(name, payload)
                fed += 1
            await pipeline.flush_stats()
            return fed, bad, (pipeline.epoch, pipeline.seq)
        finally:
            await store.redis.aclose()
