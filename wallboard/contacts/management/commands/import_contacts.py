"""``python manage.py import_contacts FILE.csv``: contacts from CSV (columns ``name,phone,company``
and more phone columns); bad rows are reported with their line number and skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wallboard.contacts.importing import BadFile, import_bytes


class Command(BaseCommand):
    help = "Import contacts from a CSV file (name, phone, company; more phone columns welcome)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            report = import_bytes(data, settings.CONTACTS_DEFAULT_REGION)
        except BadFile as exc:
            raise CommandError(f"{path}: {exc}") from None
        for line in report.lines():
            self.stdout.write(line)
