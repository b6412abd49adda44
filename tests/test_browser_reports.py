"""The reports in Chromium against the real stack (the demo's past two weeks, Hebrew names): a
team's supervisor picks last week by hour for their team and sees the table and both charts,
downloads the table as CSV and XLSX with the Hebrew names intact, and opens the agents report.
Screenshots in ``test-output/``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser import sign_in
from tests.stack import PASSWORD, USER, Stack

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _test_redis):
    OUTPUT.mkdir(exist_ok=True)
    running = Stack(
        tmp_path_factory.mktemp("stack-reports"), settings.REDIS_URL, agents=8, queues=2,
        calls_per_minute=0, names="he",
    )  # fmt: skip
    try:
        running.start()
        running.manage_output(
            "shell", "-c",
            "from wallboard.worker import demo_history; demo_history.seed(8, 2, 'he', 2.0)",
        )  # fmt: skip
        running.manage_output(
            "create_team", "מכירות", "--queues", "1000", "--agents", "SIM0100,SIM0102",
            "--supervisors", USER,
        )  # fmt: skip
        yield running
    finally:
        running.close()


def test_a_team_supervisor_sees_last_week_by_hour_as_table_and_charts_and_downloads_it(
    browser, stack
):
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    sign_in(page, stack.web, USER, PASSWORD)
    page.goto(stack.web + "/reports/")
    page.select_option("select[name=range]", "last_week")
    page.select_option("select[name=group]", "hour")
    page.select_option("select[name=team]", label="מכירות")
    page.locator("form.report-form button[type=submit]").click()
    expect(page.locator("figure.report-chart")).to_have_count(2)
    expect(page.locator("figure[data-chart=hour] rect.chart-bar").first).to_be_visible()
    assert page.locator("figure[data-chart=day] rect.chart-bar").count() == 7
    assert page.locator("figure[data-chart=hour] polyline.chart-line").count() >= 1
    queues = set(
        page.locator("tr.report-row").evaluate_all("rows => rows.map(r => r.dataset.queue)")
    )
    assert queues == {"1000", "all"}  # the team's queue only (then all of its queues)
    offered = int(page.locator('tr[data-group="total"][data-queue="1000"] td').nth(1).inner_text())
    bars = page.locator("figure[data-chart=day] g.chart-group").evaluate_all(
        "groups => groups.map(g => Number(g.dataset.offered))"
    )
    assert sum(bars) == offered > 0  # the charts draw the table's numbers
    page.screenshot(path=OUTPUT / "reports-team-last-week.png", full_page=True)

    with page.expect_download() as got:
        page.locator("a.download-csv").click()
    data = Path(got.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert {row[1] for row in rows[1:]} == {"מכירות", "All queues"}  # (the totals' row)

    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "he", "url": stack.web}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("figure[data-chart=hour] figcaption")).to_contain_text("לפי שעה ביום")
    page.screenshot(path=OUTPUT / "reports-team-last-week-he.png", full_page=True)
    with page.expect_download() as got:
        page.locator("a.download-xlsx").click()
    sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    assert sheet is not None
    assert sheet.sheet_view.rightToLeft is True
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"מכירות", "כל התורים"}

    page.goto(stack.web + "/reports/agents/?range=last_week")
    expect(page.locator("tr.report-row[data-extension=all]")).to_be_visible()
    agents = page.locator("tbody tr.report-row").evaluate_all(
        "rows => rows.map(r => r.dataset.extension)"
    )
    assert agents == ["SIM0100", "SIM0102"]  # the team's agents only
    page.screenshot(path=OUTPUT / "reports-agents-he.png", full_page=True)
    context.close()
