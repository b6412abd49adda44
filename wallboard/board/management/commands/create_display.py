"""``python manage.py create_display NAME [--language he|en] [--team TEAM]``: a new display
link for a TV, in a language of its own if given, showing one team (by name) or the whole
account; prints its path."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wallboard.board.models import DisplayLink
from wallboard.teams.models import Team


class Command(BaseCommand):
    help = "Create a display link (the board in TV mode without signing in) and print its path."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the screen it is for, e.g. 'Sales TV'")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default="",
            help="the language of its screen (default: the screen's browser's)",
        )
        parser.add_argument("--team", help="the team it shows, by name (default: all teams)")

    def handle(self, *args: object, **options: Any) -> None:
        name = options["name"].strip()[:80] or _("Display")
        team = None
        if options["team"]:
            team = Team.objects.filter(name__iexact=options["team"].strip()).first()
            if team is None:
                raise CommandError(_("No team is named %(name)s.") % {"name": options["team"]})
        display = DisplayLink.objects.create(name=name, language=options["language"], team=team)
        self.stdout.write(display.path())
