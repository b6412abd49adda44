"""``python manage.py create_agent USERNAME --password PW --voicenter-user-id ID --extension SIP
[--supervisor] [--email E]``: scripted onboarding; running it again updates the same user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wallboard.agents.onboarding import OnboardingError, create_agent


class Command(BaseCommand):
    help = (
        "Create or update a user as an agent (with its Voicenter user id and extension) or, with"
        " --supervisor, as a supervisor (extension optional)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", help="required for a new user")
        parser.add_argument("--voicenter-user-id", default="", help="Voicenter's user id")
        parser.add_argument("--extension", default="", help="the extension's SIP user")
        parser.add_argument("--supervisor", action="store_true", help="may change anyone")
        parser.add_argument("--email")

    def handle(self, *args: object, **options: Any) -> None:
        try:
            done = create_agent(
                options["username"],
                password=options["password"],
                voicenter_user_id=options["voicenter_user_id"],
                extension=options["extension"],
                supervisor=options["supervisor"],
                email=options["email"],
            )
        except OnboardingError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(done)
