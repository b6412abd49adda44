"""``python manage.py create_display NAME [--language he|en]``: a new display link for a TV, in
a language of its own if given; prints its path."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from wallboard.board.models import DisplayLink


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

    def handle(self, *args: object, **options: Any) -> None:
        name = options["name"].strip()[:80] or _("Display")
        display = DisplayLink.objects.create(name=name, language=options["language"])
        self.stdout.write(display.path())
