"""``python manage.py replay FILE``: run recorded Voicenter events through the live path.

FILE is a recording (:mod:`realtime.recording`: one ``["EventName", {payload}]`` per line); a
line that is not such an array is reported with its line number and skipped. ``-`` reads
standard input.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from realtime import recording
from realtime.state import empty_state
from wallboard.worker import wiring


class Command(BaseCommand):
    help = "Replay raw Voicenter events (one JSON array per line) into the wallboard state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help='recorded events, one ["Name", {...}] per line; - for stdin'
        )
        parser.add_argument(
            "--reset", action="store_true", help="start from an empty state under a new epoch"
        )

    def handle(self, *args: object, **options: Any) -> None:
        path = options["file"]
        try:
            stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        with stream:
            lines = stream.read().splitlines()
        fed, bad, (epoch, seq) = asyncio.run(self._replay(lines, options["reset"]))
        self.stdout.write(
            f"replayed {fed} events, skipped {bad} bad lines; epoch {epoch}, seq {seq}"
        )

    async def _replay(
        self, lines: list[bytes], reset: bool
    ) -> tuple[int, int, tuple[str | None, int]]:
        wired = wiring.ingest()
        try:
            await wired.pipeline.load()
            if reset:
                await wired.board.rebuild(empty_state())
            fed = bad = 0
            for item in recording.read(lines):
                if isinstance(item, recording.BadLine):
                    bad += 1
                    self.stderr.write(f"line {item.number}: {item.problem}; skipped")
                    continue
                await wired.pipeline.feed(*item)
                fed += 1
            await wired.store.add_stats(wired.pipeline.take_stats())
            return fed, bad, (wired.board.epoch, wired.board.seq)
        finally:
            await wired.aclose()
