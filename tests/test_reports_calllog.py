"""The call log (``wallboard/reports/calllog.py`` through ``/reports/calls/``): a range of days,
a team's calls only for its supervisor (pages and downloads alike), keyset pages that show each
record once, statuses in words in both languages, downloads of the whole filtered range."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.http import StreamingHttpResponse
from django.test import Client
from openpyxl import load_workbook

from tests.helpers import downloaded, signed_in
from wallboard.contacts.models import Contact
from wallboard.reports import calllog
from wallboard.reports.models import CallRecord
from wallboard.teams.models import Team, TeamAgent, TeamQueue

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Jerusalem")
NOVEMBER = date(2026, 11, 1)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ)


def record(n: int, started: datetime, **fields: object) -> CallRecord:
    values: dict[str, object] = {
        "key": f"k-{n}", "call_id": f"call-{n}", "type": "Queue", "status": "ANSWER",
        "queue_id": "1", "queue_name": "Sales", "caller": f"050123{n:04d}", "target": "SIP1",
        "target_extension": "SIP1", "agent_name": "Dana", "started_at": started,
        "talk_s": 30, "queue_wait_s": 5,
    }  # fmt: skip
    values.update(fields)
    return CallRecord(**values)


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr class="call-record">.*?</tr>', page, re.S)


def streamed(response: object) -> StreamingHttpResponse:
    """``response``, a streamed one (a download)."""
    assert isinstance(response, StreamingHttpResponse)
    return response


def download(response: object) -> bytes:
    return downloaded(response)


def csv_rows(response: object) -> list[list[str]]:
    data = download(response)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(response: object) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(download(response))).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def teams():
    """Two teams: Sales (queue 1, agent SIP1) and Support (queue 2, agent SIP2), each with its
    own supervisor; records of both, and of a queue neither has, on 2 November."""
    day = date(2026, 11, 2)
    CallRecord.objects.bulk_create(
        [
            record(1, at(day, 9), agent_name="דנה כהן"),
            record(2, at(day, 10), queue_id="2", queue_name="תמיכה 2", target_extension="SIP2",
                   agent_name="Omer", status="ABANDONE"),
            # an outgoing call of Support's agent, in no queue
            record(3, at(day, 11), queue_id="", queue_name="", type="Extension Outgoing",
                   target_extension="", caller_extension="SIP2", agent_name="Omer"),
            record(4, at(day, 12), queue_id="9", queue_name="Other", target_extension="SIP9",
                   agent_name="Nobody"),
        ]
    )  # fmt: skip
    sales = Team.objects.create(name="Sales")
    support = Team.objects.create(name="Support")
    TeamQueue.objects.create(team=sales, queue_id="1", name="Sales")
    TeamAgent.objects.create(team=sales, extension="SIP1", name="Dana")
    TeamQueue.objects.create(team=support, queue_id="2", name="תמיכה 2")
    TeamAgent.objects.create(team=support, extension="SIP2", name="Omer")
    sales_boss = signed_in(Client(), "sales-boss", supervisor=True)
    support_boss = signed_in(Client(), "support-boss", supervisor=True)
    sales.supervisors.add(User.objects.get(username="sales-boss"))
    support.supervisors.add(User.objects.get(username="support-boss"))
    return sales, support, sales_boss, support_boss


DAY_2 = {"from": "2026-11-02", "to": "2026-11-02"}


def test_a_team_supervisor_sees_only_their_teams_calls_on_the_page_and_in_the_downloads(
    teams, use_prefix
):
    sales, _support, _sales_boss, support_boss = teams
    page = support_boss.get("/reports/calls/", DAY_2).content.decode()
    assert len(rows_of(page)) == 2  # its queue's call and its agent's outgoing call
    assert "תמיכה 2" in page
    assert "Omer" in page
    assert "דנה כהן" not in page
    assert "Nobody" not in page
    assert "Sales" not in page  # not even the other team's name in the picker
    for kind in ("csv", "xlsx"):
        response = streamed(support_boss.get("/reports/calls/", {**DAY_2, "format": kind}))
        rows = csv_rows(response) if kind == "csv" else xlsx_rows(response)
        assert sorted(str(row[-1]) for row in rows[1:]) == ["call-2", "call-3"]
    # asking for the other team's calls: refused, said so, and their own shown
    asked = support_boss.get("/reports/calls/", {**DAY_2, "team": str(sales.pk)})
    text = asked.content.decode()
    assert "That team is not one of yours" in text
    assert len(rows_of(text)) == 2
    assert "דנה כהן" not in text
    exported = csv_rows(
        support_boss.get("/reports/calls/", {**DAY_2, "team": str(sales.pk), "format": "csv"})
    )
    assert sorted(row[-1] for row in exported[1:]) == ["call-2", "call-3"]
    stats = redis.Redis.from_url(settings.REDIS_URL)
    try:
        assert stats.hget(use_prefix + "stats", "call_log:bad_input") == b"2"
    finally:
        stats.close()


def test_someone_who_sees_every_team_filters_by_team(teams):
    sales, support, _, _ = teams
    boss = signed_in(Client(), "boss", supervisor=True)
    boss_user = User.objects.get(username="boss")
    boss_user.user_permissions.add(Permission.objects.get(codename="see_all_teams"))
    every = boss.get("/reports/calls/", DAY_2).content.decode()
    assert len(rows_of(every)) == 4
    assert f'<option value="{sales.pk}" dir="auto">Sales</option>' in every
    only_sales = boss.get("/reports/calls/", {**DAY_2, "team": str(sales.pk)}).content.decode()
    assert [("דנה כהן" in row) for row in rows_of(only_sales)] == [True]
    only_support = csv_rows(
        boss.get("/reports/calls/", {**DAY_2, "team": str(support.pk), "format": "csv"})
    )
    assert sorted(row[-1] for row in only_support[1:]) == ["call-2", "call-3"]


def test_a_supervisor_in_no_team_sees_no_call_and_is_told_why(teams):
    loner = signed_in(Client(), "loner", supervisor=True)
    page = loner.get("/reports/calls/", DAY_2).content.decode()
    assert rows_of(page) == []
    assert "You are in no team" in page
    assert csv_rows(loner.get("/reports/calls/", {**DAY_2, "format": "csv"}))[1:] == []


def test_the_range_takes_both_days_whole_on_the_accounts_clock():
    first, last = date(2026, 11, 10), date(2026, 11, 12)
    CallRecord.objects.bulk_create(
        [
            record(1, at(first, 0, 0, 0)),  # the first second of the first day
            record(2, at(last, 23, 59, 59)),  # the last second of the last day
            record(3, at(first, 0) - timedelta(seconds=1)),  # the day before
            record(4, at(last + timedelta(days=1), 0)),  # the day after
        ]
    )
    boss = signed_in(Client(), "boss", supervisor=True)
    for query in ({"from": "2026-11-10", "to": "2026-11-12"},
                  {"from": "2026-11-12", "to": "2026-11-10"}):  # fmt: skip
        page = boss.get("/reports/calls/", query).content.decode()
        assert len(rows_of(page)) == 2
        assert "call-3" not in page
    got = csv_rows(boss.get("/reports/calls/", {"from": "2026-11-10", "to": "2026-11-12",
                                                 "format": "csv"}))  # fmt: skip
    assert [row[0] for row in got[1:]] == ["2026-11-10 00:00:00", "2026-11-12 23:59:59"]
    one_day = boss.get("/reports/calls/", {"date": "2026-11-10"}).content.decode()
    assert len(rows_of(one_day)) == 1


def test_a_bad_date_or_page_gets_a_message_and_the_page_still_answers():
    boss = signed_in(Client(), "boss", supervisor=True)
    for query in ({"from": "yesterday"}, {"to": "9999-12-31"}, {"at": "o12x"},
                  {"at": "o99999999999999999999.1"}, {"format": "pdf"}):  # fmt: skip
        response = boss.get("/reports/calls/", query)
        assert response.status_code == 200
        assert 'class="contacts-note call-log-problem" role="alert"' in response.content.decode()
    boss.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"
    hebrew = boss.get("/reports/calls/", {"from": "yesterday"}).content.decode()
    assert "“yesterday” אינו תאריך" in hebrew


def _month(records: int) -> list[CallRecord]:
    """``records`` records spread over November, several sharing a second (pages must not
    lose or repeat those)."""
    made = []
    for n in range(records):
        day = NOVEMBER + timedelta(days=n % 30)
        made.append(record(n, at(day, 8 + (n // 30) % 10, (n // 300) % 60)))
    return made


def test_paging_through_a_month_shows_every_record_once_either_way():
    CallRecord.objects.bulk_create(_month(450))
    assert calllog.PAGE_SIZE < 450
    boss = signed_in(Client(), "boss", supervisor=True)
    month = {"from": "2026-11-01", "to": "2026-11-30"}
    seen: list[str] = []
    pages = []
    query: dict[str, str] = dict(month)
    while True:
        page = boss.get("/reports/calls/", query).content.decode()
        pages.append(page)
        seen += re.findall(r"0501230\d{3}", "".join(rows_of(page)))
        assert "450 records" in page
        older = re.search(r'class="older" href="\?[^"]*at=([on][\d.-]+)"', page)
        if older is None:
            break
        query = {**month, "at": older.group(1)}
    assert len(pages) == 5
    assert len(seen) == 450
    assert len(set(seen)) == 450
    # and back, newer page by newer page, to the first
    back: list[list[str]] = []
    page = pages[-1]
    while (newer := re.search(r'class="newer" href="\?[^"]*at=([on][\d.-]+)"', page)) is not None:
        page = boss.get("/reports/calls/", {**month, "at": newer.group(1)}).content.decode()
        back.append(re.findall(r"0501230\d{3}", "".join(rows_of(page))))
    assert [number for shown in reversed(back) for number in shown] == seen[:400]
    assert 'class="newer"' not in page  # the newest page again


def test_a_pages_read_is_bounded_and_the_count_capped(monkeypatch):
    CallRecord.objects.bulk_create(_month(30))
    monkeypatch.setattr(calllog, "COUNT_CAP", 20)
    monkeypatch.setattr(calllog, "PAGE_SIZE", 7)
    boss = signed_in(Client(), "boss", supervisor=True)
    page = boss.get("/reports/calls/", {"from": "2026-11-01", "to": "2026-11-30"})
    text = page.content.decode()
    assert len(rows_of(text)) == 7
    assert "more than 20 records" in text


def test_downloads_hold_the_whole_filtered_range_not_one_page_streamed():
    CallRecord.objects.bulk_create(
        [*_month(250), record(900, at(date(2026, 11, 3), 12), status="ABANDONE", caller="=1+1")]
    )
    boss = signed_in(Client(), "boss", supervisor=True)
    month = {"from": "2026-11-01", "to": "2026-11-30"}
    response = streamed(boss.get("/reports/calls/", {**month, "format": "csv"}))
    assert response.is_async
    assert response["Content-Disposition"] == (
        'attachment; filename="calls-2026-11-01_2026-11-30.csv"'
    )
    rows = csv_rows(response)
    assert len(rows) == 252  # the header and every record of the month
    started = [row[0] for row in rows[1:]]
    assert started == sorted(started)  # oldest first
    assert [row[6] for row in rows if row[-1] == "call-900"] == ["'=1+1"]
    abandoned = streamed(
        boss.get("/reports/calls/", {**month, "status": "abandone", "format": "xlsx"})
    )
    assert abandoned["Content-Disposition"] == (
        'attachment; filename="calls-2026-11-01_2026-11-30.xlsx"'
    )
    sheet = xlsx_rows(abandoned)
    assert len(sheet) == 2
    assert sheet[1][6] == "=1+1"
    assert sheet[1][-1] == "call-900"
    assert sheet[1][0] == datetime(2026, 11, 3, 12)
    assert sheet[1][12] == 30  # talk seconds, a number


def test_statuses_read_in_words_in_both_languages_on_the_page_and_in_the_downloads():
    day = date(2026, 11, 2)
    CallRecord.objects.bulk_create(
        [record(1, at(day, 9), status="ABANDONE"), record(2, at(day, 10), status="NOANSWER")]
    )
    boss = signed_in(Client(), "boss", supervisor=True)
    english = boss.get("/reports/calls/", DAY_2).content.decode()
    assert '<bdi title="ABANDONE">Abandoned in the queue</bdi>' in english
    assert '<option value="SSWPREAUTH">Cancelled before dialling</option>' in english
    got = csv_rows(boss.get("/reports/calls/", {**DAY_2, "format": "csv"}))
    assert got[0][:4] == ["Started", "Type", "Status", "Status code"]
    assert [row[2:4] for row in got[1:]] == [
        ["Abandoned in the queue", "ABANDONE"], ["No answer", "NOANSWER"],
    ]  # fmt: skip
    boss.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"
    hebrew = boss.get("/reports/calls/", DAY_2).content.decode()
    assert '<bdi title="ABANDONE">ננטשה בתור</bdi>' in hebrew
    got = csv_rows(boss.get("/reports/calls/", {**DAY_2, "format": "csv"}))
    assert [row[2] for row in got[1:]] == ["ננטשה בתור", "לא נענתה"]
    response = boss.get("/reports/calls/", {**DAY_2, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(download(response))).active
    assert sheet is not None
    assert sheet.sheet_view.rightToLeft is True
    assert [sheet["C2"].value, sheet["C3"].value] == ["ננטשה בתור", "לא נענתה"]
    assert sheet["A1"].value != "Started"
    assert sheet["A1"].font.b


def test_the_downloads_are_for_supervisors_only():
    agent = signed_in(Client(), "alice", voicenter_user_id="1", extension="SIP1")
    assert agent.get("/reports/calls/", {"format": "csv"}).status_code == 403
    assert Client().get("/reports/calls/", {"format": "xlsx"}).status_code == 302


def test_one_end_of_the_range_alone_runs_to_today_or_from_it():
    from wallboard.reports.calllog import asked

    today = date(2026, 12, 7)
    only_from = asked({"from": "2026-12-01"}, today, TZ)
    assert (only_from.first, only_from.last) == (date(2026, 12, 1), today)
    only_to = asked({"to": "2026-12-03"}, today, TZ)
    assert (only_to.first, only_to.last) == (date(2026, 12, 3), date(2026, 12, 3))
    swapped = asked({"from": "2026-12-05", "to": "2026-12-02"}, today, TZ)
    assert (swapped.first, swapped.last) == (date(2026, 12, 2), date(2026, 12, 5))
    assert swapped.problems == []
    nothing = asked({}, today, TZ)
    assert (nothing.first, nothing.last) == (today, today)
    long = asked({"queue": "x" * 500, "team": "7" * 50}, today, TZ)
    assert len(long.wanted["queue"]) == 100
    assert len(long.team) == 20


def test_a_contacts_calls_are_those_linked_to_it_shown_by_name_on_the_page_and_downloads():
    day = date(2026, 11, 2)
    dana = Contact.objects.create(name="דנה לוי 2")
    other = Contact.objects.create(name="Omer")
    CallRecord.objects.bulk_create(
        [  # both legs of a Click2Call to Dana; one to Omer; one from Dana's number, not linked
            record(1, at(day, 9), type="Click2Call leg1", contact=dana, queue_id="",
                   target_extension="SIP1", agent_name=""),
            record(2, at(day, 9, 1), type="Click2Call leg2", contact=dana, queue_id="",
                   target="972501111111", target_extension="", caller_extension="SIP2",
                   agent_name=""),
            record(3, at(day, 10), type="Click2Call leg2", contact=other, queue_id=""),
            record(4, at(day, 11), caller="0501111111"),
        ]
    )  # fmt: skip
    boss = signed_in(Client(), "boss", supervisor=True)
    page = boss.get("/reports/calls/", {**DAY_2, "contact": str(dana.pk)}).content.decode()
    rows = rows_of(page)
    assert len(rows) == 2
    assert all(f'href="/contacts/{dana.pk}/"><bdi>דנה לוי 2</bdi>' in row for row in rows)
    assert "Only the calls placed to <bdi>דנה לוי 2</bdi> from the wallboard." in page
    # leg 2 is the agent's outgoing call: its agent is the calling extension, not the target
    assert "<bdi>SIP2</bdi>" in rows[0]
    exported = csv_rows(boss.get("/reports/calls/", {**DAY_2, "contact": str(dana.pk),
                                                     "format": "csv"}))  # fmt: skip
    header = exported[0]
    assert [row[-1] for row in exported[1:]] == ["call-1", "call-2"]
    assert {row[header.index("Contact")] for row in exported[1:]} == {"דנה לוי 2"}
    assert [row[header.index("Extension")] for row in exported[1:]] == ["SIP1", "SIP2"]
    everyone = boss.get("/reports/calls/", {**DAY_2, "contact": "1 OR 1=1"}).content.decode()
    assert "That is not a contact" in everyone
    assert len(rows_of(everyone)) == 4


def test_a_supervisor_reaches_a_contacts_calls_from_the_contacts_page_and_an_agent_does_not():
    dana = Contact.objects.create(name="Dana")
    boss = signed_in(Client(), "boss", supervisor=True)
    agent = signed_in(Client(), "agent", extension="SIP1", voicenter_user_id="1")
    page = boss.get("/contacts/").content.decode()
    link = re.search(r'class="contact-calls" href="([^"]+)"', page)
    assert link is not None
    assert link.group(1).startswith(f"/reports/calls/?contact={dana.pk}&amp;from=")
    assert "contact-calls" not in agent.get("/contacts/").content.decode()
