"""``python manage.py import_contacts FILE.csv [--encoding E]``: contacts from CSV (columns
``name,phone,company`` and more phone columns, or their Hebrew headers); bad rows are reported
with their line number and skipped, bad numbers with their line and column and left out of their
row. The file is read as it streams (``wallboard.contacts.importing``), whatever its size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wallboard.contacts.importing import ENCODINGS, BadFile, import_file


class Command(BaseCommand):
    help = "Import contacts from a CSV file (name, phone, company; more phone columns welcome)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--encoding",
            choices=sorted(ENCODINGS),
            help="the file's encoding (default: found from the file, and printed)",
        )

    def handle(self, *args: object, **options: Any) -> None:
        path: Path = options["file"]
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise CommandError(
                _("cannot read %(path)s: %(why)s") % {"path": path, "why": exc.strerror}
            ) from None
        try:
            with stream:
                report = import_file(stream, settings.CONTACTS_DEFAULT_REGION, options["encoding"])
        except BadFile as exc:
            raise CommandError(f"{path}: {exc}") from None
        for line in report.lines():
            self.stdout.write(line)
