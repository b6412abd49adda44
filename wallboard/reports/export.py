"""Tables as files people open in a spreadsheet: CSV and XLSX, streamed, for every table the
reports app shows (the call log; the reports' tables use the same writers).

A table is a header (its columns: a title and a width) and rows; a row is a sequence of cells,
each a ``str``, an ``int`` or a ``float`` (a number), a naive ``datetime`` or ``date`` on the
account's clock, or ``None`` (empty). Anything else is written as its ``str``.

**CSV** (RFC 4180, ``text/csv; charset=utf-8``):

- UTF-8 with a byte-order mark first, so that Excel reads Hebrew as Hebrew (without it Excel
  guesses the machine's code page); lines end with CRLF.
- Text is quoted; numbers are not, and stay numbers (a negative number too: ``-1`` is a
  number, not a formula). A datetime is ``YYYY-MM-DD HH:MM:SS``, a date ``YYYY-MM-DD``.
- No formula runs (OWASP, "CSV Injection"): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading apostrophe (``'=1+1``, ``'+972...``), so a
  spreadsheet shows it as text. Only text is escaped: a number is never a formula.

**XLSX** (Office Open XML, ``openpyxl``'s write-only mode: rows go to disk as they come, so a
month of calls never sits in memory; the file is then sent in chunks):

- One sheet; the header row bold and frozen; each column as wide as its width (characters), at
  least its title's, at most 60.
- Text is written as text, always: ``openpyxl`` takes a string starting with ``=`` for a
  formula, so every text cell's type is set to string. A text cell starting with one of the
  characters above is also marked "quote prefix" (the apostrophe Excel itself puts before text
  that looks like a formula), so that editing the cell does not turn it into one; its value
  stays exactly as it was. Numbers are numbers; datetimes are dates formatted
  ``yyyy-mm-dd hh:mm:ss``. Characters XML cannot hold (control characters but tab, line feed and
  carriage return) are left out, and a carriage return is a line feed (as XML reads it).
- The sheet reads right to left when the person's language does (Hebrew).

**The response** is a ``StreamingHttpResponse`` whose body is an asynchronous iterator, so
that an ASGI server sends it as it is made (Django reads a synchronous iterator whole before
sending it under ASGI). ``Content-Disposition: attachment`` with the file name
``<name>-<first day>[_<last day>].<csv|xlsx>`` (``calls-2026-12-01_2026-12-07.csv``); the name
is ASCII letters, digits, ``-`` and ``_`` only. ``Cache-Control: private, no-store``: a file
of calls is not kept by a proxy. Nothing but the table goes in the file.

CSV rows may come as an asynchronous iterable (a query's ``aiterator()`` mapped to rows: the
database is read chunk by chunk while the file is sent) or as an iterable already in memory. XLSX
rows are an iterable read in synchronous code (a sync view: ``QuerySet.iterator()``).
"""

from __future__ import annotations

import asyncio
import csv
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, cast

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Cell = str | int | float | datetime | date | None
Row = Sequence[Cell]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Widest a column is made, in characters.
MAX_WIDTH = 60
#: Bytes per chunk of an XLSX file sent; rows per chunk of a CSV.
FILE_CHUNK = 64 * 1024
CSV_ROWS_PER_CHUNK = 500
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


@dataclass(frozen=True)
class Column:
    """A column: its title (translated) and its width in characters (0: its title's)."""

    title: str
    width: int = 0


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_cell(value: Cell | object) -> str | int | float:
    """One cell as the CSV writer takes it: numbers as numbers, text escaped (module doc)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


class _Writer:
    """The CSV writer: each call returns the text of the lines it wrote."""

    def __init__(self) -> None:
        self.text = ""
        self.csv = csv.writer(self, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")

    def write(self, text: str) -> int:  # the csv writer's file
        self.text += text
        return len(text)

    def lines(self, rows: Iterable[Row | list[str]]) -> bytes:
        for row in rows:
            self.csv.writerow([csv_cell(value) for value in row])
        text, self.text = self.text, ""
        return text.encode()

    def head(self, header: Sequence[Column]) -> bytes:
        return BOM.encode() + self.lines([[column.title for column in header]])


def csv_chunks(header: Sequence[Column], rows: Iterable[Row]) -> Iterator[bytes]:
    """The CSV file (BOM, header, rows), in chunks of :data:`CSV_ROWS_PER_CHUNK` rows."""
    writer = _Writer()
    yield writer.head(header)
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CSV_ROWS_PER_CHUNK:
            yield writer.lines(batch)
            batch = []
    if batch:
        yield writer.lines(batch)


async def acsv_chunks(
    header: Sequence[Column], rows: AsyncIterable[Row] | Iterable[Row]
) -> AsyncIterator[bytes]:
    """:func:`csv_chunks` from rows that may come asynchronously."""
    if not isinstance(rows, AsyncIterable):
        for chunk in csv_chunks(header, rows):
            yield chunk
        return
    writer = _Writer()
    yield writer.head(header)
    batch: list[Row] = []
    async for row in rows:
        batch.append(row)
        if len(batch) == CSV_ROWS_PER_CHUNK:
            yield writer.lines(batch)
            batch = []
    if batch:
        yield writer.lines(batch)


def _xlsx_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell | object) -> SheetCell:
    if isinstance(value, bool) or not isinstance(value, int | float | datetime | date | None):
        text = str(value)
        cell = WriteOnlyCell(sheet, value=_xlsx_text(text))
        cell.data_type = "s"  # as text, whatever it starts with: no formula, no error code
        if looks_like_formula(text):
            cell.quotePrefix = True
        return cell
    cell = WriteOnlyCell(sheet, value=cast(float | datetime | None, value))
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    return cell


def sheet_title(text: str) -> str:
    """A sheet's title as Excel takes it: 31 characters at most, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Sheet"


def xlsx_file(header: Sequence[Column], rows: Iterable[Row], *, title: str, rtl: bool) -> IO[bytes]:
    """The XLSX file (module doc), written to a temporary file, rewound."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(title))
    sheet.sheet_view.rightToLeft = rtl
    sheet.freeze_panes = "A2"
    for n, column in enumerate(header, 1):
        width = min(MAX_WIDTH, max(column.width, len(column.title) + 2, 6))
        sheet.column_dimensions[get_column_letter(n)].width = width
    bold = Font(bold=True)
    titles = []
    for column in header:
        cell = _xlsx_cell(sheet, column.title)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller sends it, then closes it
    try:
        book.save(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def file_name(name: str, first: date, last: date, extension: str) -> str:
    """``<name>-<first>[_<last>].<extension>``, ASCII only (module doc)."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "", name) or "table"
    days = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
    return f"{stem}-{days}.{extension}"


def _response(body: AsyncIterator[bytes], content_type: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(
    name: str,
    first: date,
    last: date,
    header: Sequence[Column],
    rows: AsyncIterable[Row] | Iterable[Row],
) -> StreamingHttpResponse:
    """The table as a streamed CSV download (module doc)."""
    return _response(acsv_chunks(header, rows), CSV_TYPE, file_name(name, first, last, "csv"))


def xlsx_response(
    name: str,
    first: date,
    last: date,
    header: Sequence[Column],
    rows: Iterable[Row],
    *,
    title: str,
    rtl: bool,
) -> StreamingHttpResponse:
    """The table as an XLSX download (module doc): made now, in synchronous code, from
    ``rows``; sent in chunks."""
    made = xlsx_file(header, rows, title=title, rtl=rtl)
    name = file_name(name, first, last, "xlsx")
    return _response(_chunks_of(made), XLSX_TYPE, name)


async def _chunks_of(made: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(made.read, FILE_CHUNK):
            yield chunk
    finally:
        made.close()
