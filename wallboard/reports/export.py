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

**XLSX** (Office Open XML, ``openpyxl``'s write-only mode: rows go to disk as they come):

- One sheet (a second past Excel's row limit, below); the header row bold and frozen; each
  column as wide as its width (characters), at least its title's, at most 60.
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
sending it under ASGI). Its chunks are made in Django's thread for synchronous code, never on
the event loop (:func:`off_the_loop`): the rows are an iterable read there as the file is sent
(``QuerySet.iterator()`` reads the database a chunk at a time), so a month of calls never sits
in memory. A CSV's first bytes leave at once; an XLSX is a zip, whose directory comes last: it
is written to a temporary file (``openpyxl``'s write-only mode) and then sent in chunks; past
Excel's 1,048,576 rows a sheet, the rows go on in a second sheet (``Calls (2)``).
``Content-Disposition: attachment`` with the file name
``<name>-<first day>[_<last day>].<csv|xlsx>`` (``calls-2026-12-01_2026-12-07.csv``); the name
is ASCII letters, digits, ``-`` and ``_`` only. ``Cache-Control: private, no-store``: a file
of calls is not kept by a proxy. Nothing but the table goes in the file.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, cast

from asgiref.sync import sync_to_async
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
#: Rows a sheet holds at most, its header included (Excel's limit).
SHEET_ROWS = 1_048_576
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


def _sheet(book: Workbook, header: Sequence[Column], title: str, rtl: bool) -> WriteOnlyWorksheet:
    """A new sheet, its header row written."""
    sheet = cast(WriteOnlyWorksheet, book.create_sheet(title))
    sheet.sheet_view.rightToLeft = rtl
    sheet.freeze_panes = "A2"
    for n, column in enumerate(header, 1):
        width = min(MAX_WIDTH, max(column.width, len(column.title) + 2, 6))
        # set in a write-only sheet's __init__; its stubs leave it out
        sheet.column_dimensions[get_column_letter(n)].width = width  # type: ignore[attr-defined]
    bold = Font(bold=True)
    titles = []
    for column in header:
        cell = _xlsx_cell(sheet, column.title)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    return sheet


def xlsx_file(header: Sequence[Column], rows: Iterable[Row], *, title: str, rtl: bool) -> IO[bytes]:
    """The XLSX file (module doc), written to a temporary file, rewound."""
    book = Workbook(write_only=True)
    base = sheet_title(title)
    sheets = 1
    sheet = _sheet(book, header, base, rtl)
    written = 1
    for row in rows:
        if written == SHEET_ROWS:  # Excel's last row: the rest on the next sheet
            sheets += 1
            suffix = f" ({sheets})"
            sheet = _sheet(book, header, base[: 31 - len(suffix)] + suffix, rtl)
            written = 1
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        written += 1
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller sends it, then closes it
    try:
        book.save(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def xlsx_chunks(
    header: Sequence[Column], rows: Iterable[Row], *, title: str, rtl: bool
) -> Iterator[bytes]:
    """The XLSX file (:func:`xlsx_file`) in chunks of :data:`FILE_CHUNK` bytes."""
    made = xlsx_file(header, rows, title=title, rtl=rtl)
    try:
        while chunk := made.read(FILE_CHUNK):
            yield chunk
    finally:
        made.close()


def file_name(name: str, first: date, last: date, extension: str) -> str:
    """``<name>-<first>[_<last>].<extension>``, ASCII only (module doc)."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "", name) or "table"
    days = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
    return f"{stem}-{days}.{extension}"


async def off_the_loop(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """``chunks``, each made in Django's thread for synchronous code (the request's, where the
    view ran), never on the event loop: making them reads the database and a month's rows take
    seconds, which would hold every board the web process serves."""
    step = sync_to_async(_next, thread_sensitive=True)
    try:
        while (chunk := await step(chunks)) is not None:
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:  # a generator given up on: its cursor or file closed, there too
            await sync_to_async(close, thread_sensitive=True)()


def _next(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


def _response(chunks: Iterator[bytes], content_type: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(off_the_loop(chunks), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(
    name: str, first: date, last: date, header: Sequence[Column], rows: Iterable[Row]
) -> StreamingHttpResponse:
    """The table as a streamed CSV download (module doc); ``rows`` read as it is sent."""
    return _response(csv_chunks(header, rows), CSV_TYPE, file_name(name, first, last, "csv"))


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
    """The table as a streamed XLSX download (module doc); ``rows`` read into the file once
    the response is being sent, then the file sent."""
    chunks = xlsx_chunks(header, rows, title=title, rtl=rtl)
    return _response(chunks, XLSX_TYPE, file_name(name, first, last, "xlsx"))
