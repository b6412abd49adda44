"""The agents report (/reports/agents/, wallboard/reports/agents.py) with the real database and
Redis: each agent's days summed over the range, today's copied from the worker's numbers as the
page is asked for, a team supervisor's agents only, the downloads, Hebrew."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, timedelta

import orjson
import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from realtime.metrics import business_day
from tests.helpers import downloaded, signed_in
from wallboard.agents.models import StatusOption
from wallboard.core.services import account_tz
from wallboard.reports.models import AgentDayStats
from wallboard.teams.models import Team

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 29)


def worked(day: date, ext: str, name: str, answered: int, talk: float, **status_s: float) -> None:
    AgentDayStats.objects.create(
        day=day, extension=ext, name=name, answered=answered, missed=1, talk_s=talk,
        status_s={k.removeprefix("s"): v for k, v in status_s.items()},
    )  # fmt: skip


def page(client: Client, **query: str) -> str:
    answer = client.get("/reports/agents/", query)
    assert answer.status_code == 200
    return answer.content.decode()


def row_of(html: str, extension: str) -> str:
    start = html.index(f'data-extension="{extension}"')
    return html[start : html.index("</tr>", start)]


def test_each_agents_days_are_summed_over_the_range_for_supervisors_only(use_prefix):
    worked(DAY, "SIP1", "Dana", 3, 300, s1=3600, s3=900)
    worked(DAY + timedelta(days=1), "SIP1", "Dana", 1, 60, s1=1800, s2=600)
    worked(DAY + timedelta(days=9), "SIP1", "Dana", 50, 9000)  # out of the range
    worked(DAY, "SIP2", "Avi", 0, 0, s2=7200)
    agent = signed_in(Client(), "alice", voicenter_user_id="1", extension="SIP1")
    assert agent.get("/reports/agents/").status_code == 403
    boss = signed_in(Client(), "boss", supervisor=True)
    html = page(boss, range="custom", **{"from": DAY.isoformat(), "to": "2026-11-30"})
    dana = row_of(html, "SIP1")
    # answered, missed, talk, AHT (talk per answer), login (all but Logout), then each status
    cells = dana.split("<td>")[1:]
    assert [c.split("</td>")[0] for c in cells[:2]] == ["4", "2"]
    assert '<span dir="ltr">6:00</span>' in cells[2]
    assert '<span dir="ltr">1:30</span>' in cells[3]
    assert '<span dir="ltr">1:45:00</span>' in cells[4]  # 3600 + 900 + 1800
    assert "—" in row_of(html, "SIP2").split("<td>")[4]  # no answer: no AHT
    assert "<bdi>Logout</bdi>" in html  # the status names (Voicenter's, none of the account's)
    everyone = row_of(html, "all")
    assert everyone.split("<td>")[1].startswith("4</td>")


def test_todays_numbers_are_the_workers_copied_as_the_page_is_asked_for(use_prefix):
    today = business_day(time.time(), account_tz(), settings.WALLBOARD_DAY_START_HOUR)
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"{use_prefix}day:{today.isoformat()}:agents"
    client.hset(
        key,
        "SIP7",
        orjson.dumps(
            {"name": "יוסי 7", "answered": 5, "missed": 2, "talk_s": 500, "status_s": {"1": 60}}
        ),
    )
    client.close()
    boss = signed_in(Client(), "boss", supervisor=True)
    html = page(boss)  # today
    assert "<bdi>יוסי 7</bdi>" in html
    assert row_of(html, "SIP7").split("<td>")[1].startswith("5</td>")
    assert AgentDayStats.objects.get(day=today, extension="SIP7").missed == 2


def test_a_team_supervisor_sees_only_their_teams_agents(use_prefix):
    worked(DAY, "SIP1", "Dana", 3, 300)
    worked(DAY, "SIP2", "Avi", 2, 200)
    boss = signed_in(Client(), "dana", supervisor=True)
    sales = Team.objects.create(name="Sales")
    sales.agents.create(extension="SIP1", name="Dana")
    sales.supervisors.add(User.objects.get(username="dana"))
    other = Team.objects.create(name="Support")
    other.agents.create(extension="SIP2", name="Avi")
    query = {"range": "custom", "from": DAY.isoformat()}
    html = page(boss, **query)
    assert 'data-extension="SIP1"' in html
    assert 'data-extension="SIP2"' not in html
    theirs = page(boss, team=str(other.pk), **query)
    assert "not one of yours" in theirs
    assert 'data-extension="SIP2"' not in theirs
    csv_body = downloaded(boss.get("/reports/agents/", {**query, "format": "csv"})).decode()
    assert "SIP2" not in csv_body


def test_the_agents_table_downloads_as_csv_and_xlsx_with_hebrew_names_and_no_formula(use_prefix):
    from openpyxl import load_workbook

    worked(DAY, "SIP1", "דנה כהן 2", 3, 300, s1=3600, s3=900)
    worked(DAY, "SIP9", "=HYPERLINK(1)", 1, 10)  # a stranger's text
    StatusOption.objects.update_or_create(code=3, defaults={"name": "Lunch", "name_he": "צהריים"})
    boss = signed_in(Client(), "boss", supervisor=True)
    query = {"range": "custom", "from": DAY.isoformat()}
    body = downloaded(boss.get("/reports/agents/", {**query, "format": "csv"})).decode()
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][:7] == [
        "Extension", "Agent", "Answered", "Missed", "Talk time (s)",
        "Average handle time (s)", "Login time (s)",
    ]  # fmt: skip
    assert "Lunch (s)" in rows[0]
    by_ext = {r[0]: r for r in rows[1:]}
    assert by_ext["SIP1"][1:5] == ["דנה כהן 2", "3", "1", "300.0"]
    assert by_ext["SIP9"][1] == "'=HYPERLINK(1)"
    assert by_ext[""][1] == "All agents"
    answer = boss.get("/reports/agents/", {**query, "format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="he")
    sheet = load_workbook(io.BytesIO(downloaded(answer))).active
    assert sheet is not None
    assert sheet.sheet_view.rightToLeft
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "צהריים (שנ\u05f3)" in values[0]  # (the Hebrew abbreviation of seconds)
    assert [r[1] for r in values[1:] if r[0] == "SIP1"] == ["דנה כהן 2"]


def test_the_agents_report_is_in_hebrew_right_to_left_with_names_isolated(use_prefix):
    worked(DAY, "SIP1", "דנה 2", 3, 300)
    boss = signed_in(Client(), "boss", supervisor=True)
    query = {"range": "custom", "from": DAY.isoformat()}
    html = boss.get("/reports/agents/", query, HTTP_ACCEPT_LANGUAGE="he").content.decode()
    assert 'dir="rtl"' in html
    assert "<bdi>דנה 2</bdi>" in html
    assert "דוח נציגים" in html


def test_days_typed_under_an_unchanged_range_are_a_custom_range_and_a_new_range_wins():
    from datetime import date as day_type

    from wallboard.reports.pages import span_of

    def span(**query: str):
        from django.test import RequestFactory

        return span_of(RequestFactory().get("/reports/", query))

    shown = {"shown_range": "last_week", "shown_from": "2026-11-29", "shown_to": "2026-12-05"}
    typed = span(range="last_week", **{"from": "2026-11-01", "to": "2026-11-03"}, **shown)
    assert (typed.preset, typed.first, typed.last) == (
        "custom", day_type(2026, 11, 1), day_type(2026, 11, 3),
    )  # fmt: skip
    moved = span(range="yesterday", **{"from": "2026-11-29", "to": "2026-12-05"}, **shown)
    assert moved.preset == "yesterday"
    assert moved.first == moved.last == moved.today - timedelta(days=1)
    untouched = span(range="last_week", **{"from": "2026-11-29", "to": "2026-12-05"}, **shown)
    assert untouched.preset == "last_week"
