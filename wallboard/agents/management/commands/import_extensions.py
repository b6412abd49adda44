"""``python manage.py import_extensions [--own-account]``: Voicenter's organisational extension
list (GetExtensions) into the extension directory and the agent profiles (users matched by
e-mail). Prints what it created, updated and skipped."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from redis import RedisError

from realtime.voicenter.rest import ExtensionRow, RestRefused
from wallboard.agents.onboarding import import_extensions
from wallboard.core.answers import extensions_refusal
from wallboard.core.services import live_agents, voicenter_client


class Command(BaseCommand):
    help = (
        "Import Voicenter's extension list into the directory and the agent profiles (users"
        " matched by e-mail; Voicenter user ids from the worker's live state)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--own-account",
            action="store_true",
            help="only the API code's own account, not the whole organisation",
        )

    def handle(self, *args: object, **options: Any) -> None:
        rows, unreadable = asyncio.run(self._fetch(not options["own_account"]))
        user_ids = asyncio.run(self._live_user_ids())
        report = import_extensions(
            rows, user_ids, unreadable, whole_list=not options["own_account"]
        )
        for line in report.lines():
            self.stdout.write(line)

    async def _fetch(self, show_all: bool) -> tuple[list[ExtensionRow], int]:
        client = voicenter_client()
        try:
            return await client.get_extensions(show_all=show_all)
        except RestRefused as exc:
            raise CommandError(extensions_refusal(exc)) from None
        except httpx.TimeoutException:
            raise CommandError(_("Voicenter did not answer in time: try again")) from None
        except httpx.HTTPError:
            raise CommandError(_("Voicenter could not be reached (network error)")) from None
        finally:
            await client.aclose()

    async def _live_user_ids(self) -> dict[str, str]:
        try:
            agents = await live_agents()
        except (OSError, RedisError) as exc:
            self.stderr.write(
                _("no Voicenter user ids: Redis is out of reach (%(why)s)") % {"why": exc}
            )
            return {}
        if not agents:
            self.stderr.write(
                _(
                    "no Voicenter user ids: the worker has stored no extensions yet (run it, then"
                    " import again, or set them in the admin)"
                )
            )
        return {
            sip: str(agent["user_id"])
            for sip, agent in agents.items()
            if isinstance(agent.get("user_id"), int)
        }
