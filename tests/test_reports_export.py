"""Tables as CSV and XLSX files (``wallboard/reports/export.py``): read back with Python's csv
module and with openpyxl, as a spreadsheet would read them."""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from asgiref.sync import async_to_sync
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from tests.helpers import downloaded
from wallboard.reports.export import (
    BOM,
    Column,
    Row,
    csv_chunks,
    csv_response,
    file_name,
    xlsx_file,
    xlsx_response,
)

pytestmark = pytest.mark.pure

HEADER = [Column("שם הנציג", 20), Column("Queue"), Column("Talk (s)")]
#: Text a spreadsheet would run as a formula, unescaped (OWASP's examples, and tab and CR).
FORMULAS = ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1"]
HEBREW = ["דנה כהן", "תמיכה 2", "Sales · מכירות"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def body(response: StreamingHttpResponse) -> bytes:
    return downloaded(response)


def test_a_csv_starts_with_a_bom_and_hebrew_names_read_back_intact():
    data = b"".join(csv_chunks(HEADER, [[name, "1", 3] for name in HEBREW]))
    assert data.startswith(BOM.encode())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = read_csv(data)
    assert rows[0] == ["שם הנציג", "Queue", "Talk (s)"]
    assert [row[0] for row in rows[1:]] == HEBREW


def test_csv_text_that_would_run_as_a_formula_gets_an_apostrophe_and_numbers_stay_numbers():
    data = b"".join(csv_chunks(HEADER, [[text, text, -1] for text in FORMULAS]))
    rows = read_csv(data)[1:]
    assert [row[0] for row in rows] == ["'" + text for text in FORMULAS]
    assert all(not row[0].startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows)
    # text is quoted; a number is not, and a negative number stays a number
    assert b"\"'=cmd|' /C calc'!A0\"" in data
    assert b",-1\r\n" in data
    assert read_csv(b"".join(csv_chunks(HEADER, [["safe", "a-b", 2.5]])))[1] == [
        "safe", "a-b", "2.5",
    ]  # fmt: skip


def test_csv_writes_dates_and_empty_cells_as_a_spreadsheet_reads_them():
    rows = read_csv(
        b"".join(csv_chunks(HEADER, [[datetime(2026, 12, 1, 9, 5, 7), date(2026, 12, 1), None]]))
    )
    assert rows[1] == ["2026-12-01 09:05:07", "2026-12-01", ""]


def test_xlsx_keeps_hebrew_and_writes_formula_text_as_text_with_its_value_intact():
    rows: list[Row] = [[name, "=1+1", 4] for name in HEBREW]
    rows += [[text, text, -1] for text in FORMULAS]
    made = xlsx_file(HEADER, rows, title="Calls", rtl=True)
    raw = made.read()
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    assert "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(raw)).active
    assert sheet is not None
    read = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    # XML reads a carriage return as a line feed: the file says so at once
    assert [row[0] for row in read] == HEBREW + [t.replace("\r", "\n") for t in FORMULAS]
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type == "s"
        assert row[1].data_type == "s"
        assert row[2].data_type == "n"  # a number stays a number, a negative one too
    escaped = [row[0] for row in sheet.iter_rows(min_row=len(HEBREW) + 2)]
    assert all(cell.quotePrefix for cell in escaped)  # Excel keeps them text when edited
    assert not any(row[0].quotePrefix for row in sheet.iter_rows(min_row=2, max_row=4))
    assert [row[2] for row in read] == [4] * len(HEBREW) + [-1] * len(FORMULAS)


def test_xlsx_has_a_bold_frozen_header_sensible_widths_and_reads_right_to_left_in_hebrew():
    rows: list[Row] = [[datetime(2026, 12, 1, 9, 5, 7), "x", 1]]
    hebrew = load_workbook(xlsx_file(HEADER, rows, title="יומן: שיחות/דצמבר", rtl=True)).active
    english = load_workbook(xlsx_file(HEADER, rows, title="Calls", rtl=False)).active
    assert hebrew is not None
    assert english is not None
    assert hebrew.sheet_view.rightToLeft is True
    assert not english.sheet_view.rightToLeft
    assert hebrew.title == "יומן  שיחות דצמבר"  # the characters Excel refuses left out
    assert [cell.font.b for cell in hebrew[1]] == [True, True, True]
    assert [cell.value for cell in hebrew[1]] == ["שם הנציג", "Queue", "Talk (s)"]
    assert not hebrew["A2"].font.b
    assert hebrew.freeze_panes == "A2"
    assert hebrew.column_dimensions["A"].width == 20
    assert hebrew.column_dimensions["B"].width >= len("Queue")
    assert hebrew["A2"].value == datetime(2026, 12, 1, 9, 5, 7)
    assert hebrew["A2"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_xlsx_leaves_out_characters_xml_cannot_hold_rather_than_failing():
    row: Row = ["a\x00b\x07c", "tab\there", 1]
    made = xlsx_file(HEADER, [row], title="t", rtl=False)
    sheet = load_workbook(made).active
    assert sheet is not None
    assert sheet["A2"].value == "abc"
    assert sheet["B2"].value == "tab\there"


def test_file_names_carry_the_days_and_only_safe_characters():
    assert file_name("calls", date(2026, 12, 1), date(2026, 12, 7), "csv") == (
        "calls-2026-12-01_2026-12-07.csv"
    )
    assert file_name("calls", date(2026, 12, 1), date(2026, 12, 1), "xlsx") == (
        "calls-2026-12-01.xlsx"
    )
    assert file_name('../x"; y', date(2026, 12, 1), date(2026, 12, 1), "csv") == (
        "xy-2026-12-01.csv"
    )


def test_downloads_stream_with_an_attachment_name_and_no_caching():
    made_on: set[int] = set()
    loop_on: set[int] = set()

    def rows() -> Iterator[Row]:
        for n in range(1200):
            made_on.add(threading.get_ident())
            yield [f"agent {n}", "=1", n]

    response = csv_response("calls", date(2026, 12, 1), date(2026, 12, 2), HEADER, rows())
    assert isinstance(response, StreamingHttpResponse)
    assert response.is_async
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="calls-2026-12-01_2026-12-02.csv"'
    )
    assert response["Cache-Control"] == "private, no-store"
    parts = []

    async def read() -> None:
        async for part in response.streaming_content:  # type: ignore[union-attr]
            loop_on.add(threading.get_ident())
            parts.append(part)

    async_to_sync(read)()
    assert len(parts) > 2  # sent in chunks, not as one piece
    assert made_on.isdisjoint(loop_on)  # the rows were made off the event loop
    rows_read = read_csv(b"".join(parts))
    assert len(rows_read) == 1201
    assert rows_read[-1] == ["agent 1199", "'=1", "1199"]
    assert b"".join(parts) == b"".join(
        csv_chunks(HEADER, [[f"agent {n}", "=1", n] for n in range(1200)])
    )

    xlsx = xlsx_response(
        "calls", date(2026, 12, 1), date(2026, 12, 1), HEADER, [["דנה", "q", 1]],
        title="Calls", rtl=True,
    )  # fmt: skip
    assert isinstance(xlsx, StreamingHttpResponse)
    assert xlsx.is_async
    assert xlsx["Content-Disposition"] == 'attachment; filename="calls-2026-12-01.xlsx"'
    sheet = load_workbook(io.BytesIO(body(xlsx))).active
    assert sheet is not None
    assert sheet["A2"].value == "דנה"


def test_rows_past_excels_last_row_go_on_in_a_second_sheet_with_its_header(monkeypatch):
    from wallboard.reports import export

    monkeypatch.setattr(export, "SHEET_ROWS", 4)  # the header and 3 rows a sheet
    rows: list[Row] = [[f"agent {n}", "q", n] for n in range(8)]
    book = load_workbook(xlsx_file(HEADER, rows, title="יומן השיחות של דצמבר 2026", rtl=True))
    assert [sheet.title for sheet in book.worksheets] == [
        "יומן השיחות של דצמבר 2026",
        "יומן השיחות של דצמבר 2026 (2)",
        "יומן השיחות של דצמבר 2026 (3)",
    ]
    values = [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
    assert all(sheet[0] == ("שם הנציג", "Queue", "Talk (s)") for sheet in values)
    assert [row[2] for sheet in values for row in sheet[1:]] == list(range(8))
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
