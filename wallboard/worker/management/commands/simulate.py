"""``python manage.py simulate``: a stand-in for Voicenter, speaking its real protocol.

Serves the login API, the Engine.IO 3 socket and the REST APIs on one port (see
:mod:`realtime.simulator.server`), driven by a seeded call-center model, or replaying a recorded
event file. Point the product at it with::

    VOICENTER_LOGIN_URL=http://127.0.0.1:8765/monitorAPI/Login
    VOICENTER_REFRESH_URL=http://127.0.0.1:8765/monitorAPI/RefreshIdentityToken
    VOICENTER_API_URL=http://127.0.0.1:8765
    VOICENTER_COMET_URL=http://127.0.0.1:8765/Comet/api
    VOICENTER_TOKEN=demo-token  VOICENTER_API_CODE=demo-code
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiohttp import web
from django.core.management.base import BaseCommand, CommandError, CommandParser

from realtime import recording
from realtime.simulator.model import CallCenter
from realtime.simulator.server import Credentials, Simulator


class Command(BaseCommand):
    help = "Run a Voicenter simulator (login, Engine.IO 3 socket, REST APIs) on this machine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--agents", type=int, default=40, help="up to 10,000")
        parser.add_argument("--queues", type=int, default=6)
        parser.add_argument("--calls-per-minute", type=float, default=12.0)
        parser.add_argument("--speed", type=float, default=1.0, help="time runs this much faster")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--names", choices=["en", "he"], default="en", help="the people's and queues' names"
        )
        parser.add_argument("--token-ttl", type=float, default=3600.0, help="token lifetime, s")
        parser.add_argument("--replay", help="replay this recorded event file instead")
        parser.add_argument("--fast", action="store_true", help="replay as fast as possible")
        parser.add_argument("--token", default="demo-token")
        parser.add_argument("--api-code", default="demo-code")
        parser.add_argument("--cdr-url", help="post each finished call's record (CDR) to this URL")
        parser.add_argument(
            "--cdr-format",
            choices=["json", "xmlrpc"],
            default="json",
            help="the CDRs' format, as a Voicenter account chooses it",
        )

    def handle(self, *args: object, **o: Any) -> None:
        replay: list[recording.RawEvent] | None = None
        if o["replay"]:
            try:
                lines = Path(o["replay"]).read_bytes().splitlines()
            except OSError as exc:
                raise CommandError(f"cannot read {o['replay']}: {exc.strerror}") from None
            replay = []
            for item in recording.read(lines):
                if isinstance(item, recording.BadLine):
                    self.stderr.write(f"line {item.number}: {item.problem}; skipped")
                else:
                    replay.append(item)
        try:
            model = (
                None
                if replay is not None
                else CallCenter(
                    agents=o["agents"],
                    queues=o["queues"],
                    calls_per_minute=o["calls_per_minute"],
                    speed=o["speed"],
                    seed=o["seed"],
                    now=time.time(),
                    names=o["names"],
                )
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        sim = Simulator(
            model,
            credentials=Credentials(token=o["token"], api_code=o["api_code"]),
            token_ttl_s=o["token_ttl"],
            replay=replay,
            replay_fast=o["fast"],
            cdr_url=o["cdr_url"] or None,
            cdr_format=o["cdr_format"],
        )
        self.stdout.write(
            f"Voicenter simulator on http://{o['host']}:{o['port']} "
            f"(token {o['token']!r}, API code {o['api_code']!r})"
        )
        web.run_app(sim.app, host=o["host"], port=o["port"], print=None)
