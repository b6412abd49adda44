"""``python manage.py create_team NAME [--queues 1,2] [--agents SIP1,SIP2] [--supervisors
alice,bob]``: make a team, or change it when it exists (each list given replaces the team's;
one left out is kept). Queues and agents by id or by the name the board shows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wallboard.teams.making import TeamError, save_team


def _list(text: str | None) -> list[str] | None:
    return None if text is None else [item for item in text.split(",") if item.strip()]


class Command(BaseCommand):
    help = "Create or update a team: its queues, its agents and its supervisors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--queues", help="queue ids or names, comma-separated")
        parser.add_argument("--agents", help="extensions (SIP users) or names, comma-separated")
        parser.add_argument("--supervisors", help="user names, comma-separated")

    def handle(self, *args: object, **options: Any) -> None:
        try:
            team, created = save_team(
                options["name"],
                queues=_list(options["queues"]),
                agents=_list(options["agents"]),
                supervisors=_list(options["supervisors"]),
            )
        except TeamError as exc:
            raise CommandError(str(exc)) from None
        said = _("Team %(name)s created") if created else _("Team %(name)s updated")
        counts = _("queues: %(queues)d, agents: %(agents)d, supervisors: %(supervisors)d") % {
            "queues": team.queues.count(),
            "agents": team.agents.count(),
            "supervisors": team.supervisors.count(),
        }
        self.stdout.write(f"{said % {'name': team.name}}: {counts}")
