"""Contacts from CSV: ``name,phone,company`` with a header row, extra phone columns welcome.

Columns are found by their header (case, spaces and underscores ignored), in English or in
Hebrew (:data:`HEADERS`): ``name`` / ``שם`` (required), ``company`` / ``חברה``, ``notes`` /
``הערות``, and every column whose header contains one of :data:`PHONE_WORDS` (``phone``,
``mobile``, ``tel``, ``טלפון``, ``נייד``...) is a phone number, labelled by its header as written
(``phone`` or ``טלפון`` alone: no label). Numbers are normalised (``realtime.phones``: E.164, or
a star number such as ``*2700``). A number that is not one, or that the toll-fraud policy
refuses (``wallboard.contacts.dialling``), is left out and reported with its line number and its
column's header; the row imports with its other numbers. A row without a name, or left without
any number, is reported with its line number and skipped: the rest import. A contact with the
same name and company (ignoring case) is updated: its company and notes from the row, the row's
numbers added.

The file is read as it streams, never whole, and written a thousand rows at a time in one
transaction, so a file costs memory for a chunk of rows, not for its size. Its encoding is the
one asked for, or found (:func:`detect`): a byte-order mark (UTF-8; UTF-16, which Excel's
"Unicode text" is, tab-separated), else UTF-8 if it reads as UTF-8, else one of the two
Windows code pages Israeli spreadsheets are saved in: Windows-1255 (Hebrew) or Windows-1252
(Western European, a superset of Latin-1), told apart by where their letters sit: an accented
Latin letter beside Latin letters, a Hebrew one beside Hebrew ones. The report says which was
used. The separator is a comma, a semicolon or a tab, read from the header line.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from realtime.phones import BadNumber, normalise
from wallboard.contacts.dialling import number_problem, why_not
from wallboard.contacts.models import Contact, PhoneNumber

#: A file longer than this many rows is refused (a contact list, not a phone book dump).
MAX_ROWS = 100_000
CHUNK = 1000  # rows per bulk insert
#: The columns read besides the numbers, by the headers that name them (as :func:`_key` makes
#: them): English, and Hebrew as Israeli spreadsheets write it.
HEADERS = {
    "name": ("name", "שם"),
    "company": ("company", "חברה", "שם חברה", "שם החברה"),
    "notes": ("notes", "הערות"),
}
#: A column whose header contains one of these is a phone number ("mobile", "office phone",
#: "טלפון נייד", "פלאפון"...), labelled by its header...
PHONE_WORDS = ("phone", "mobile", "tel", "טלפון", "נייד", "פלאפון", "סלולרי")
#: ...but for these, the plain number: no label.
PLAIN_PHONE = ("phone", "טלפון")


class BadFile(ValueError):
    """The file cannot be imported at all (no header, no name column...); the text says why,
    for a person."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)  # rows: "line N: why"
    left_out: list[str] = field(default_factory=list)  # numbers: "line N, column “mobile”: why"
    encoding: str = ""  # how the file was read (a value of ENCODINGS)

    def lines(self) -> list[str]:
        """The report in words (``import_contacts`` prints it)."""
        lines = [
            *([_("read as %(encoding)s") % {"encoding": self.encoding}] if self.encoding else []),
            _("contacts: %(created)s created, %(updated)s updated, %(skipped)s rows skipped")
            % {"created": self.created, "updated": self.updated, "skipped": len(self.skipped)},
            *(f"  {line}" for line in self.skipped),
        ]
        if self.left_out:
            count = len(self.left_out)
            lines.append(
                ngettext("%(count)s number not imported:", "%(count)s numbers not imported:", count)
                % {"count": count}
            )
            lines.extend(f"  {line}" for line in self.left_out)
        return lines


def _key(header: str) -> str:
    return " ".join(header.strip().lower().replace("_", " ").split())


def import_csv(lines: Iterable[str], region: str) -> ImportReport:
    """Import CSV text (an iterable of lines, e.g. an open file); raises :class:`BadFile`."""
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        raise BadFile(_("the file is empty"))
    reader = csv.reader(itertools.chain([first], lines), dialect=_dialect(first))
    try:
        written = next(reader)
        header = [_key(h) for h in written]
    except StopIteration:
        raise BadFile(_("the file is empty")) from None
    except csv.Error as exc:
        raise BadFile(_line(1, str(exc))) from None
    column = _columns(header)
    if "name" not in column:
        raise BadFile(_("the first line must name the columns, with a 'name' (or 'שם') column"))
    phone_columns = _phone_columns(header, written)
    if not phone_columns:
        raise BadFile(_("no phone column (a column named 'phone', 'mobile', 'טלפון'...)"))
    report = ImportReport()
    with transaction.atomic():
        writer = _Writer(report)
        rows: list[_Row] = []
        read = 0
        line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                line += 1
                report.skipped.append(_line(line, _("unreadable (%(why)s)") % {"why": exc}))
                continue
            line = reader.line_num
            if read >= MAX_ROWS:
                report.skipped.append(
                    _("line %(line)s and after: more than %(max)s rows")
                    % {"line": line, "max": MAX_ROWS}
                )
                break
            if not any(cell.strip() for cell in row):
                continue
            read += 1
            try:
                parsed = _parse_row(row, column, phone_columns, region)
            except _BadRow as exc:
                report.skipped.append(_line(line, str(exc)))
                continue
            report.left_out.extend(_left_out(line, left) for left in parsed.left_out)
            if parsed.numbers:
                rows.append(parsed)
            else:
                name = isolated(parsed.name)
                none = _("%(name)s: none of its numbers can be imported") % {"name": name}
                report.skipped.append(_line(line, none))
            if len(rows) >= CHUNK:
                writer.write(rows)
                rows = []
        writer.write(rows)
    return report


def _dialect(header: str) -> type[csv.Dialect]:
    """A comma's, a semicolon's (Excel in much of Europe) or a tab's (Excel's "Unicode
    text"), whichever the header line uses most."""
    separator = max(",;\t", key=header.count)

    class Found(csv.excel):
        delimiter = separator

    return Found


def _columns(header: list[str]) -> dict[str, int]:
    """Where each of :data:`HEADERS`' columns is (the first column of that name), by its
    English name."""
    found: dict[str, int] = {}
    for i, key in enumerate(header):
        for name, keys in HEADERS.items():
            if key in keys:
                found.setdefault(name, i)
    return found


def _phone_columns(header: list[str], written: list[str]) -> list[tuple[int, str, str]]:
    """The phone columns: (index, label, header as written in the file). ``header`` holds the
    headers as :func:`_key` makes them."""
    return [
        (i, "" if key in PLAIN_PHONE else key, written[i].strip())
        for i, key in enumerate(header)
        if any(word in key for word in PHONE_WORDS)
    ]


def _line(line: int, why: str) -> str:
    """A report's line about line ``line`` of the file."""
    return _("line %(line)s: %(why)s") % {"line": line, "why": why}


def _left_out(line: int, left: tuple[str, str]) -> str:
    """A report's line about a number left out of line ``line``: ``left`` is (the header of its
    column as the file writes it, why)."""
    column, why = left
    return _("line %(line)s, column “%(column)s”: %(why)s") % {
        "line": line, "column": isolated(column), "why": why,
    }  # fmt: skip


def isolated(text: str) -> str:
    """``text`` between FSI and PDI: a name from a person keeps its own direction inside a
    sentence of the other one (a Hebrew header in an English report, or the reverse)."""
    return f"\u2068{text}\u2069"


class _BadRow(ValueError):
    """A row that is not imported; the text says why, for a person."""


@dataclass
class _Row:
    name: str
    company: str
    notes: str
    numbers: list[tuple[str, str]]  # (label, E.164 or a star number)
    left_out: list[tuple[str, str]]  # (the column's header, why), for a person


def _cell(row: list[str], index: int | None, limit: int) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].replace("\x00", "").strip()[:limit]  # (no database keeps a NUL)


def _parse_row(
    row: list[str],
    column: dict[str, int],
    phone_columns: list[tuple[int, str, str]],
    region: str,
) -> _Row:
    """A row's contact, with its good numbers and why each other one is left out; raises
    :class:`_BadRow` for a row without a name, or without any number at all."""
    name = _cell(row, column.get("name"), 200)
    if not name:
        raise _BadRow(_("no name"))
    numbers, left_out = [], []
    for index, label, header in phone_columns:
        raw = _cell(row, index, 100)
        if raw:
            try:
                numbers.append((label[:40], _number(raw, region)))
            except _BadRow as exc:
                left_out.append((header, str(exc)))
    if not numbers and not left_out:
        raise _BadRow(_("%(name)s: no phone number") % {"name": name})
    company = _cell(row, column.get("company"), 200)
    return _Row(name, company, _cell(row, column.get("notes"), 5000), numbers, left_out)


def _number(raw: str, region: str) -> str:
    """``raw`` normalised, or :class:`_BadRow` saying why it is not a number to import: not a
    number, or one the toll-fraud policy refuses (``wallboard.contacts.dialling``)."""
    try:
        number = normalise(raw, region)
    except BadNumber as exc:
        raise _BadRow(number_problem(exc)) from None
    refused = why_not(number)
    if refused:
        raise _BadRow(refused)
    return number


class _Writer:
    """The parsed rows into the database, a chunk at a time: a contact with the same name and
    company (ignoring case) is updated, else created; numbers are added. What it keeps between
    chunks is the contacts' keys and ids, not the rows."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.known = {
            (name.lower(), company.lower()): pk
            for pk, name, company in Contact.objects.values_list("id", "name", "company")
        }
        self.have = set(PhoneNumber.objects.values_list("contact_id", "number"))

    def write(self, rows: list[_Row]) -> None:
        new: dict[tuple[str, str], Contact] = {}
        noted: dict[int, str] = {}
        for row in rows:
            key = (row.name.lower(), row.company.lower())
            if key in new:
                self.report.updated += 1
                new[key].notes = row.notes or new[key].notes
            elif key in self.known:
                self.report.updated += 1
                if row.notes:
                    noted[self.known[key]] = row.notes
            else:
                new[key] = Contact(name=row.name, company=row.company, notes=row.notes)
                self.report.created += 1
        Contact.objects.bulk_create(list(new.values()), batch_size=CHUNK)
        self.known.update((key, contact.pk) for key, contact in new.items())
        Contact.objects.bulk_update(
            [Contact(pk=pk, notes=notes) for pk, notes in noted.items()], ["notes"],
            batch_size=CHUNK,
        )  # fmt: skip
        numbers = []
        for row in rows:
            pk = self.known[(row.name.lower(), row.company.lower())]
            for label, number in row.numbers:
                if (pk, number) not in self.have:
                    self.have.add((pk, number))
                    numbers.append(PhoneNumber(contact_id=pk, number=number, label=label))
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


#: How much of a file :func:`detect` reads to find its encoding.
SAMPLE = 64 * 1024
#: The encodings a person may ask for, by the names the page and the command use.
ENCODINGS = {
    "utf-8": gettext_lazy("UTF-8"), "utf-16": gettext_lazy("UTF-16 (Excel's Unicode text)"),
    "cp1255": gettext_lazy("Windows-1255 (Hebrew)"),
    "cp1252": gettext_lazy("Windows-1252 (Western European, Latin-1)"),
}  # fmt: skip


def detect(sample: bytes) -> str:
    """The encoding of a file that begins with ``sample`` (a key of :data:`ENCODINGS`, or
    ``utf-8-sig``)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    latin = hebrew = 0
    for i, byte in enumerate(sample):
        if byte < 0x80:
            continue
        near = sample[max(0, i - 1) : i] + sample[i + 1 : i + 2]
        if any(chr(b).isascii() and chr(b).isalpha() for b in near):
            latin += 1  # "Jos\xe9": an accent inside a Latin word
        elif 0xE0 <= byte <= 0xFA:
            hebrew += 1  # a letter among letters of its own alphabet
    return "cp1252" if latin > hebrew else "cp1255"


def import_file(stream: BinaryIO, region: str, encoding: str | None = None) -> ImportReport:
    """A file (opened in binary), read as it streams: in ``encoding`` if given, else the one
    :func:`detect` finds; then the contact directory rewritten once."""
    sample = stream.read(SAMPLE)
    found = encoding or detect(sample)
    if found == "utf-8":  # (Excel's "CSV UTF-8" begins with a byte-order mark: not a name)
        found = "utf-8-sig"
    text = io.TextIOWrapper(
        io.BufferedReader(_Rejoined(sample, stream)), encoding=found, errors="replace", newline=""
    )
    report = import_and_publish(text, region)
    report.encoding = str(ENCODINGS.get(found, ENCODINGS["utf-8"]))
    return report


class _Rejoined(io.RawIOBase):
    """The sample already read, then the rest of the stream."""

    def __init__(self, sample: bytes, rest: BinaryIO) -> None:
        self.sample, self.rest = sample, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.sample:
            size = min(len(buffer), len(self.sample))
            buffer[:size], self.sample = self.sample[:size], self.sample[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
