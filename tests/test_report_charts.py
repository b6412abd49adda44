"""The reports' charts (wallboard/reports/charts.py): offered calls as bars, the service level
as a line, mirrored in a right-to-left page; and the page drawing them from its numbers."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest

from tests.test_reports_history import DAY, page, push
from wallboard.reports.charts import TOP, WIDTH, Point, bar_line, nice_top


def test_the_offered_axis_tops_at_a_round_number_at_or_above_the_most_offered():
    assert nice_top(0) == (4, 1)
    assert nice_top(3) == (3, 1)
    assert nice_top(37) == (40, 10)
    assert nice_top(120) == (150, 50)
    assert nice_top(1999) == (2000, 500)
    for most in range(1, 500):
        top, step = nice_top(most)
        assert top >= most
        assert top % step == 0
        assert top // step <= 5


def test_bars_grow_with_the_calls_offered_and_the_fullest_reaches_the_top_of_its_axis():
    chart = bar_line([Point("08:00", 10, 90.0), Point("09:00", 40, 75.0), Point("10:00", 0, None)])
    heights = [b.height for b in chart.bars]
    assert heights[1] == pytest.approx(4 * heights[0])
    assert heights[2] == 0
    assert chart.bars[1].y == pytest.approx(TOP)
    assert [t.value for t in chart.offered_ticks] == [0, 10, 20, 30, 40]
    assert [b.x for b in chart.bars] == sorted(b.x for b in chart.bars)  # first at the left


def test_the_service_level_line_breaks_where_a_group_has_none():
    points = [Point(str(n), 5, None if n == 2 else 50.0 + n) for n in range(6)]
    chart = bar_line(points)
    assert len(chart.lines) == 2
    assert [len(run.split()) for run in chart.lines] == [2, 3]
    assert len(chart.dots) == 5
    assert chart.dots[0][1] == pytest.approx((chart.top + chart.bottom) / 2)  # 50 %: halfway up
    assert chart.dots[-1][1] < chart.dots[0][1]  # 55 % above it


def test_a_right_to_left_chart_is_mirrored_with_its_axes_swapped():
    points = [Point("08:00", 3, 100.0), Point("09:00", 6, 0.0)]
    ltr, rtl = bar_line(points), bar_line(points, rtl=True)
    for a, b in zip(ltr.bars, rtl.bars, strict=True):
        assert b.middle == pytest.approx(WIDTH - a.middle)
    assert rtl.bars[0].x > rtl.bars[1].x  # the first group at the right
    assert ltr.offered_x < ltr.left
    assert rtl.offered_x > rtl.right
    assert ltr.sl_x > ltr.right
    assert rtl.sl_x < rtl.left


def test_labels_are_thinned_to_fit_evenly_and_the_last_group_is_always_named():
    chart = bar_line([Point(f"d{n}", n, None) for n in range(31)])
    named = [b.point.label for b in chart.bars if b.labelled]
    assert len(named) <= 14
    assert named[-1] == "d30"
    steps = {int(b[1:]) - int(a[1:]) for a, b in itertools.pairwise(named)}
    assert len(steps) == 1  # evenly spaced: no two labels crowd each other
    hours = bar_line([Point(f"{h:02d}:00", 1, None) for h in range(12)])
    assert all(b.labelled for b in hours.bars)


@pytest.mark.django_db
def test_the_reports_page_charts_each_hours_and_each_days_offered_calls_and_service_level(
    use_prefix,
):
    from django.test import Client

    from tests.helpers import signed_in

    push("a", 9, wait=5), push("b", 9, "ABANDONE", wait=40), push("c", 11, wait=5)
    push("d", 10, wait=5, day=date(2026, 11, 30))
    boss = signed_in(Client(), "boss", supervisor=True)
    html = page(boss, range="custom", **{"from": DAY.isoformat(), "to": "2026-11-30"})
    assert html.count('class="report-chart"') == 2
    hour_chart = html[html.index('data-chart="hour"') : html.index('data-chart="day"')]
    bars = re.findall(r'data-group="([^"]+)" data-offered="(\d+)" data-sl="([^"]*)"', hour_chart)
    # the hours from the first call's to the last's, each with all its days' calls
    assert bars == [("09:00", "2", "50.0"), ("10:00", "1", "100.0"), ("11:00", "1", "100.0")]
    day_chart = html[html.index('data-chart="day"') :]
    days = re.findall(r'data-group="([^"]+)" data-offered="(\d+)"', day_chart)
    assert days == [("29 Nov", "3"), ("30 Nov", "1")]
    assert "2026-11-29 · 3 calls offered · service level 66.7%" in day_chart
    one_day = page(boss, range="custom", **{"from": DAY.isoformat()})
    assert one_day.count('class="report-chart"') == 1  # a day has no by-day chart


@pytest.mark.django_db
def test_the_charts_speak_hebrew_and_run_right_to_left_on_a_hebrew_page(use_prefix):
    from django.test import Client

    from tests.helpers import signed_in

    push("a", 9, wait=5), push("b", 10, wait=5, day=date(2026, 11, 30))
    boss = signed_in(Client(), "boss", supervisor=True)
    query = {"range": "custom", "from": DAY.isoformat(), "to": "2026-11-30"}
    html = boss.get("/reports/", query, HTTP_ACCEPT_LANGUAGE="he").content.decode()
    assert "שיחות שהוצעו ורמת שירות לפי שעה ביום" in html
    xs = [float(x) for x in re.findall(r'class="chart-bar" x="([\d.]+)"', html)]
    assert xs[0] > xs[1]  # by hour: 09:00 at the right, 10:00 left of it
