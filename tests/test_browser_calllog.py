"""The call log in Chromium against the real stack: a caller who gave up in the simulator's
queue reaches the log as Voicenter's record of it (posted by the simulator), its status in
words in English and Hebrew with the code in the tooltip, and the page's CSV and Excel links
download it. Screenshots in ``test-output/``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser import sign_in
from tests.helpers import until_now
from tests.stack import PASSWORD, USER, Stack

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _test_redis):
    OUTPUT.mkdir(exist_ok=True)
    running = Stack(
        tmp_path_factory.mktemp("stack-calllog"), settings.REDIS_URL, queues=1,
        calls_per_minute=0, names="he",
    )  # fmt: skip
    try:
        yield running.start()
    finally:
        running.close()


def shows_a_record(page: Page, web: str) -> bool:
    page.goto(web + "/reports/calls/")
    return page.locator("tr.call-record").count() > 0


def test_the_call_log_shows_a_given_up_call_in_words_and_downloads_it(browser, stack):
    caller = stack.join("דנה כהן", "0501234567")
    stack.hang_up(str(caller["call_id"]))
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    sign_in(page, stack.web, USER, PASSWORD)
    until_now(lambda: shows_a_record(page, stack.web), within_s=30, every_s=0.5)
    status = page.locator("tr.call-record bdi[title='ABANDONE']")
    expect(status).to_have_text("Abandoned in the queue")
    page.screenshot(path=OUTPUT / "call-log.png", full_page=True)

    with page.expect_download() as got:
        page.locator("a.download-csv").click()
    download = got.value
    assert download.suggested_filename.startswith("calls-")
    assert download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:4] == ["Started", "Type", "Status", "Status code"]
    assert ["Abandoned in the queue", "ABANDONE"] in [row[2:4] for row in rows[1:]]

    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "he", "url": stack.web}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(status).to_have_text("ננטשה בתור")
    page.screenshot(path=OUTPUT / "call-log-he.png", full_page=True)
    with page.expect_download() as got:
        page.locator("a.download-xlsx").click()
    download = got.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sheet is not None
    assert sheet.sheet_view.rightToLeft is True
    statuses = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "ננטשה בתור" in statuses
    context.close()
