"""Contacts from CSV: ``name,phone,company`` with a header row, extra phone columns welcome.

Columns are found by their header (case and spaces ignored): ``name`` (required), ``company``,
``notes``, and every column whose header contains ``phone``, ``mobile`` or ``tel`` is a phone
number, labelled by its header (``phone`` alone: no label). Numbers are normalised
(``realtime.phones``); a row without a name, without any number, or with a number
that is not one (or that the toll-fraud policy refuses: ``wallboard.contacts.dialling``) is
reported with its line number and skipped: the rest import. A contact with
the same name and company (ignoring case) is updated: its company and notes from the row, the
row's numbers added. Synchronous ORM, one transaction, bulk inserts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from realtime.phones import BadNumber, normalise
from wallboard.contacts.dialling import why_not
from wallboard.contacts.models import Contact, PhoneNumber

#: A file longer than this many rows is refused (a contact list, not a phone book dump).
MAX_ROWS = 100_000
CHUNK = 1000  # rows per bulk insert
PHONE_WORDS = ("phone", "mobile", "tel")


class BadFile(ValueError):
    """The file cannot be imported at all (no header, no name column...)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)  # "line N: why"

    def lines(self) -> list[str]:
        return [
            f"contacts: {self.created} created, {self.updated} updated,"
            f" {len(self.skipped)} rows skipped",
            *(f"  {line}" for line in self.skipped),
        ]


def _key(header: str) -> str:
    return " ".join(header.strip().lower().replace("_", " ").split())


def import_csv(lines: Iterable[str], region: str) -> ImportReport:
    """Import CSV text (an iterable of lines, e.g. an open file); raises :class:`BadFile`.

    Read whole, then written in one transaction with bulk inserts: the existing contacts are
    looked up in memory, not once per row (a 100,000-row file is a few seconds, not minutes)."""
    reader = csv.reader(lines)
    try:
        header = [_key(h) for h in next(reader)]
    except StopIteration:
        raise BadFile("the file is empty") from None
    except csv.Error as exc:
        raise BadFile(f"line 1: {exc}") from None
    if "name" not in header:
        raise BadFile("the first line must name the columns, with a 'name' column")
    phone_columns = [
        (i, "" if h == "phone" else h)
        for i, h in enumerate(header)
        if any(w in h for w in PHONE_WORDS)
    ]
    if not phone_columns:
        raise BadFile("no phone column (a column named 'phone', 'mobile'...)")
    column = {h: i for i, h in enumerate(header)}
    report = ImportReport()
    rows: list[_Row] = []
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line += 1
            report.skipped.append(f"line {line}: unreadable ({exc})")
            continue
        line = reader.line_num
        if len(rows) >= MAX_ROWS:
            report.skipped.append(f"line {line} and after: more than {MAX_ROWS} rows")
            break
        if not any(cell.strip() for cell in row):
            continue
        try:
            rows.append(_parse_row(row, column, phone_columns, region))
        except (BadNumber, _BadRow) as exc:
            report.skipped.append(f"line {line}: {exc}")
    _write(rows, report)
    return report


class _BadRow(ValueError):
    pass


@dataclass
class _Row:
    name: str
    company: str
    notes: str
    numbers: list[tuple[str, str]]  # (label, E.164)


def _cell(row: list[str], index: int | None, limit: int) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()[:limit]


def _parse_row(
    row: list[str], column: dict[str, int], phone_columns: list[tuple[int, str]], region: str
) -> _Row:
    name = _cell(row, column.get("name"), 200)
    if not name:
        raise _BadRow("no name")
    numbers = []
    for index, label in phone_columns:
        raw = _cell(row, index, 100)
        if raw:
            number = normalise(raw, region)
            refused = why_not(number)  # the toll-fraud policy (wallboard.contacts.dialling)
            if refused:
                raise BadNumber(refused)
            numbers.append((label[:40], number))
    if not numbers:
        raise _BadRow(f"{name}: no phone number")
    company = _cell(row, column.get("company"), 200)
    return _Row(name, company, _cell(row, column.get("notes"), 5000), numbers)


@transaction.atomic
def _write(rows: list[_Row], report: ImportReport) -> None:
    """The parsed rows into the database: a contact with the same name and company (ignoring
    case) is updated, else created; numbers are added."""
    existing = {
        (c.name.lower(), c.company.lower()): c
        for c in Contact.objects.only("id", "name", "company", "notes")
    }
    new: dict[tuple[str, str], Contact] = {}
    noted: dict[int, Contact] = {}
    for row in rows:
        key = (row.name.lower(), row.company.lower())
        contact = existing.get(key) or new.get(key)
        if contact is None:
            new[key] = Contact(name=row.name, company=row.company, notes=row.notes)
            report.created += 1
        else:
            report.updated += 1
            if row.notes and row.notes != contact.notes:
                contact.notes = row.notes
                if contact.pk:
                    noted[contact.pk] = contact
    Contact.objects.bulk_create(list(new.values()), batch_size=CHUNK)
    Contact.objects.bulk_update(list(noted.values()), ["notes"], batch_size=CHUNK)
    have = set(PhoneNumber.objects.values_list("contact_id", "number"))
    numbers = []
    for row in rows:
        key = (row.name.lower(), row.company.lower())
        contact = existing.get(key) or new[key]
        for label, number in row.numbers:
            if (contact.pk, number) not in have:
                have.add((contact.pk, number))
                numbers.append(PhoneNumber(contact=contact, number=number, label=label))
    PhoneNumber.objects.bulk_create(numbers, batch_size=CHUNK)


def import_and_publish(lines: Iterable[str], region: str) -> ImportReport:
    """:func:`import_csv`, then the contact directory rewritten once (not row by row)."""
    from wallboard.contacts import directory

    with directory.quiet():
        report = import_csv(lines, region)
    try:
        directory.publish_all()
    except Exception:  # Redis out of reach: the worker's next start publishes it
        directory.log.warning("contact directory not published", exc_info=True)
    return report


def import_bytes(data: bytes, region: str) -> ImportReport:
    """An uploaded file: UTF-8 (with or without a BOM), else Windows-1255 (Hebrew Excel)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1255", errors="replace")
    return import_and_publish(io.StringIO(text, newline=""), region)
