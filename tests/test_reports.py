"""The queues' settings reach the worker (Redis), and `queue_stats` prints a day's numbers as
the worker counted them (real Redis, real database)."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import orjson
import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command

from realtime.metrics import QueueDay, QueueRules, closed, offered
from realtime.simulator.model import CallCenter
from wallboard.reports.models import QueueSettings
from wallboard.reports.rules import lost, publish_all

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 29)
TZ = ZoneInfo("Asia/Jerusalem")


@pytest.fixture
def client(use_prefix):
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


def test_saving_a_queues_settings_publishes_the_rules_with_a_new_version(
    client, use_prefix, django_capture_on_commit_callbacks
):
    assert lost()
    with django_capture_on_commit_callbacks(execute=True):
        settings_7 = QueueSettings.objects.create(queue_id="7", sl_threshold_s=30)
    first = client.get(use_prefix + "queue_rules:version")
    stored = orjson.loads(client.hget(use_prefix + "queue_rules", "7"))
    assert stored == {
        "sl_threshold_s": 30, "formula": "strict", "short_abandon_s": 0, "display_name": "",
        "alert_waiting": None, "alert_longest_wait_s": None, "alert_sl_pct": 80,
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        settings_7.delete()
    assert client.hget(use_prefix + "queue_rules", "7") is None
    assert client.get(use_prefix + "queue_rules:version") not in (None, first)
    assert publish_all() == 0
    assert not lost()


def counted(rules: QueueRules) -> QueueDay:
    day = QueueDay()
    for _ in range(4):
        day = offered(day)
    day = closed(day, "answered", 10, rules)
    day = closed(day, "answered", 50, rules)
    return closed(day, "abandoned", 3, rules)


def store_day(client, prefix, counters: QueueDay, queue="7") -> None:
    client.hset(f"{prefix}day:{DAY.isoformat()}:queues", queue, orjson.dumps(counters.as_mapping()))
    agent = {"name": "Dana", "answered": 2, "talk_s": 95.5, "status_s": {"1": 3600}}
    client.hset(f"{prefix}day:{DAY.isoformat()}:agents", "SIP1", orjson.dumps(agent))


def test_queue_stats_json_has_the_issues_shape_and_the_queues_formula(client, use_prefix):
    QueueSettings.objects.create(queue_id="7", display_name="Sales", sl_formula="answered")
    store_day(client, use_prefix, counted(QueueRules()))
    out = io.StringIO()
    call_command("queue_stats", "--date", DAY.isoformat(), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["date"] == "2026-11-29"
    sales = report["queues"]["7"]
    assert set(sales) == {
        "name", "offered", "answered", "abandoned", "short_abandoned", "answered_within_sl",
        "sl_threshold_s", "service_level_pct", "asa_s", "abandon_rate_pct", "longest_wait_s",
        "formula",
    }  # fmt: skip
    assert (sales["name"], sales["offered"], sales["answered"], sales["abandoned"]) == (
        "Sales", 4, 2, 1,
    )  # fmt: skip
    assert (sales["formula"], sales["service_level_pct"]) == ("answered", 50.0)  # 1 of 2 in 20 s
    assert (sales["asa_s"], sales["abandon_rate_pct"], sales["longest_wait_s"]) == (30, 25, 50)
    assert report["agents"]["SIP1"]["talk_s"] == 95.5


def test_queue_stats_table_is_readable_and_names_the_formula(client, use_prefix):
    store_day(client, use_prefix, counted(QueueRules()))
    out = io.StringIO()
    call_command("queue_stats", "--date", DAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert "Business day 2026-11-29" in text
    row = next(line for line in text.splitlines() if line.startswith("7"))
    assert row.split()[1:5] == ["4", "2", "1", "0"]
    assert "33.3%" in row
    assert "SL (strict): answered within T / (answered + abandoned)" in text
    assert "Dana" in text


def test_queue_stats_says_so_on_a_day_without_calls_and_refuses_a_bad_date(use_prefix):
    out = io.StringIO()
    call_command("queue_stats", "--date", "2001-01-01", stdout=out)
    assert "No queue calls counted on this day." in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("queue_stats", "--date", "yesterday")


CDR_SECRET = "s3cret-cdr-path-0123456789"
QUEUE_CDR = {
    "caller": "0501234567", "target": "0722776772", "time": 1764496800, "duration": 95,
    "ivruniqueid": "2026113012000001", "type": "Queue", "status": "ANSWER",
    "targetextension": "SIPSIP1", "callerextension": "", "did": "0722776772",
    "queueid": 1001, "queuename": "Sales", "dialtime": 4, "seconds_waiting_in_queue": 42,
    "representative_name": "Dana", "representative_code": "9996",
}  # fmt: skip


#: The CDR endpoint stores a record on its own thread and database connection
#: (wallboard/reports/views.py), which sees only what is committed: its tests commit.
committed = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cdr_url(settings, use_prefix):
    from django.db import connections

    from wallboard.reports.spool import DRAIN_THREAD
    from wallboard.reports.views import CDR_THREAD

    settings.WALLBOARD_CDR_SECRET = CDR_SECRET
    yield f"/reports/cdr/{CDR_SECRET}/"
    # the endpoint's threads keep their connections (CONN_MAX_AGE): the test database is
    # dropped at the end only once no connection holds it
    CDR_THREAD.submit(connections.close_all).result()
    DRAIN_THREAD.submit(connections.close_all).result()


@committed
def test_a_json_cdr_is_stored_once_and_answered_as_voicenter_expects(client, cdr_url):
    from django.test import Client

    from wallboard.reports.models import CallRecord

    web = Client()
    body = json.dumps(QUEUE_CDR)
    answer = web.post(cdr_url, body, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json() == {"err": 0, "errdesc": "OK"}
    again = web.post(cdr_url, body, content_type="application/json")
    assert again.json() == {"err": 0, "errdesc": "OK (already stored)"}
    [record] = CallRecord.objects.all()
    assert (record.queue_id, record.status, record.queue_wait_s, record.talk_s) == (
        "1001", "ANSWER", 42, 95,
    )  # fmt: skip
    assert record.raw["seconds_waiting_in_queue"] == 42
    stats = client.hgetall(settings.WALLBOARD_REDIS_PREFIX + "stats")
    assert (stats[b"cdr_stored"], stats[b"cdr_duplicate"]) == (b"1", b"1")  # (/metrics)


@committed
def test_an_xmlrpc_cdr_gets_an_xmlrpc_answer(cdr_url):
    import xmlrpc.client

    from django.test import Client

    body = xmlrpc.client.dumps(({**QUEUE_CDR, "ivruniqueid": "x2"},), "CDR")
    answer = Client().post(cdr_url, body, content_type="text/xml")
    (reply,), _ = xmlrpc.client.loads(answer.content.decode())
    assert reply == {"err": 0, "errdesc": "OK"}


@committed
@pytest.mark.parametrize("fmt", ["json", "xmlrpc"])
def test_a_simulated_click2calls_two_legs_are_stored_as_posted_in_either_format(cdr_url, fmt):
    from django.test import Client

    from realtime.simulator.server import cdr_body
    from wallboard.reports.models import CallRecord

    model = CallCenter(agents=1, queues=1, calls_per_minute=0, seed=3, now=time.time())
    call = model.click2call("SIM0100", "0501234567")
    model.advance(time.time() + 3600)
    for record in model.drain_cdrs():
        body, content_type = cdr_body(record, fmt)
        assert Client().post(cdr_url, body, content_type=content_type).status_code == 200
    stored = CallRecord.objects.filter(call_id=call.ivrid).order_by("type")
    assert [(r.type, r.target_extension, r.caller_extension) for r in stored] == [
        ("Click2Call leg1", "SIM0100", ""), ("Click2Call leg2", "", "SIM0100"),
    ]  # fmt: skip
    assert {r.agent_name for r in stored} == {model.agents["SIM0100"].name}


def test_a_bad_body_gets_err_1_with_a_reason_and_is_counted(client, cdr_url, use_prefix):
    from django.test import Client

    answer = Client().post(cdr_url, "{not json", content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["err"] == 1
    assert "not a readable json CDR" in answer.json()["errdesc"]
    assert client.hget(use_prefix + "stats", "cdr_refused") == b"1"


def test_the_cdr_endpoint_is_a_404_without_the_secret(settings, cdr_url):
    from django.test import Client

    web = Client()
    assert web.post("/reports/cdr/wrong/", "{}", content_type="application/json").status_code == 404
    settings.WALLBOARD_CDR_SECRET = ""
    assert web.post(cdr_url, "{}", content_type="application/json").status_code == 404


def test_the_cdr_path_never_reaches_the_logs():
    import logging

    from wallboard.core.logs import RedactSecrets

    record = logging.LogRecord("x", logging.INFO, "", 0, '"POST %s HTTP/1.1" 200', (
        f"/reports/cdr/{CDR_SECRET}/",), None)  # fmt: skip
    RedactSecrets().filter(record)
    assert CDR_SECRET not in record.getMessage()
    assert "/reports/cdr/[redacted]" in record.getMessage()


@committed
def test_the_call_log_shows_todays_records_filtered_and_only_to_supervisors(cdr_url):
    from django.test import Client

    from tests.helpers import signed_in

    web = Client()
    # Voicenter's epochs are the account's wall clock: now, as Voicenter would stamp it
    offset = datetime.now(ZoneInfo(settings.TIME_ZONE)).utcoffset()
    now = int(time.time() + (offset.total_seconds() if offset else 0))
    for n, status in enumerate(("ANSWER", "ABANDONE", "ANSWER")):
        body = {**QUEUE_CDR, "ivruniqueid": f"today-{n}", "status": status, "time": now,
                "caller": f"05012345{n}0"}  # fmt: skip
        web.post(cdr_url, json.dumps(body), content_type="application/json")
    old = {**QUEUE_CDR, "ivruniqueid": "last-year", "time": now - 400 * 86_400}
    web.post(cdr_url, json.dumps(old), content_type="application/json")
    agent = signed_in(Client(), "alice", voicenter_user_id="1", extension="SIP1")
    assert agent.get("/reports/calls/").status_code == 403
    boss = signed_in(Client(), "boss", supervisor=True)
    page = boss.get("/reports/calls/").content.decode()
    assert page.count('class="call-record"') == 3
    assert "last-year" not in page
    abandoned = boss.get("/reports/calls/", {"status": "abandone"}).content.decode()
    assert abandoned.count('class="call-record"') == 1
    assert "050123451" in abandoned
    by_number = boss.get("/reports/calls/", {"number": "050-123-4520"}).content.decode()
    assert by_number.count('class="call-record"') == 1


def test_the_call_log_shows_today_for_a_date_no_clock_reaches():
    from django.test import Client

    from tests.helpers import signed_in

    boss = signed_in(Client(), "boss", supervisor=True)
    for bad in ("9999-12-31", "0001-01-01", "tomorrow"):
        assert boss.get("/reports/calls/", {"date": bad}).status_code == 200


def _stored_today(**fields: object) -> None:
    """A pushed record of a call that started now, ``fields`` over :data:`QUEUE_CDR`."""
    from realtime.voicenter.cdr import parse
    from wallboard.reports.records import store

    offset = datetime.now(ZoneInfo(settings.TIME_ZONE)).utcoffset()  # Voicenter's wall clock
    now = int(time.time() + (offset.total_seconds() if offset else 0))
    record, _ = parse(json.dumps({**QUEUE_CDR, "time": now, **fields}).encode(),
                      ZoneInfo(settings.TIME_ZONE))  # fmt: skip
    assert store(record, "push")


#: Voicenter's codes (API documentation rev 3.2) and the call log's words for them.
CODES_IN_WORDS = [
    ("ABANDONE", "Queue", "Abandoned in the queue", "Queue", "ננטשה בתור", "תור"),
    ("ANSWER", "Incoming Call", "Answered", "Incoming", "נענתה", "נכנסת"),
    ("NOANSWER", "Extension Outgoing", "No answer", "Outgoing", "לא נענתה", "יוצאת"),
    ("BUSY", "Click2Callleg1", "Busy", "Click2Call, the agent&#x27;s leg", "תפוס",
     "Click2Call, הצד של הנציג"),
    ("VOEND", "XferCDR", "Hung up in the IVR", "Transferred", "נותקה במענה הקולי", "הועברה"),
    ("TE", "Callference", "Ended by the IVR", "Conference", "הסתיימה במענה הקולי",
     "שיחת ועידה"),
    ("NOTDIALED", "Auto forward", "Not dialled", "Forwarded automatically", "לא חויגה",
     "הופנתה אוטומטית"),
    ("VOICEMAIL", "VoiceMail", "Voicemail", "Voicemail", "תא קולי", "תא קולי"),
]  # fmt: skip


def test_the_call_log_names_voicenters_codes_in_words_with_the_code_in_the_title():
    from django.test import Client

    from tests.helpers import signed_in

    for n, (status, kind, *_) in enumerate(CODES_IN_WORDS):
        _stored_today(ivruniqueid=f"coded-{n}", status=status, type=kind)
    boss = signed_in(Client(), "boss", supervisor=True)
    english = boss.get("/reports/calls/").content.decode()
    boss.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"
    hebrew = boss.get("/reports/calls/").content.decode()
    rows = len(CODES_IN_WORDS)
    assert english.count('class="call-record"') == hebrew.count('class="call-record"') == rows
    for status, kind, status_en, kind_en, status_he, kind_he in CODES_IN_WORDS:
        assert f'<bdi title="{status}">{status_en}</bdi>' in english
        assert f'<bdi title="{kind}">{kind_en}</bdi>' in english
        assert f'<bdi title="{status}">{status_he}</bdi>' in hebrew
        assert f'<bdi title="{kind}">{kind_he}</bdi>' in hebrew
    # the filter offers the statuses in words too
    assert '<option value="ABANDONE">Abandoned in the queue</option>' in english
    assert '<option value="ABANDONE">ננטשה בתור</option>' in hebrew


def test_the_call_log_finds_an_agents_records_by_extension_incoming_and_outgoing():
    from django.test import Client

    from tests.helpers import signed_in

    _stored_today(ivruniqueid="in", targetextension=" SIP7 ", representative_name="")
    _stored_today(
        ivruniqueid="out", type="Extension Outgoing", callerextension="SIP7 ",
        targetextension="", callerextension_name="Dana Cohen", representative_name="",
        queueid=0, queuename="",
    )  # fmt: skip
    _stored_today(ivruniqueid="other", targetextension="SIP8", representative_name="")
    boss = signed_in(Client(), "boss", supervisor=True)
    page = boss.get("/reports/calls/", {"agent": "SIP7"}).content.decode()
    assert page.count('class="call-record"') == 2
    assert "Dana Cohen" in page  # the outgoing record's agent, from the caller's side


def test_the_call_log_shows_a_code_it_has_no_words_for_as_it_came_escaped():
    from django.test import Client

    from tests.helpers import signed_in

    _stored_today(ivruniqueid="odd", status="<b>NEWSTATUS</b>", type="Scrubber<script>")
    boss = signed_in(Client(), "boss", supervisor=True)
    page = boss.get("/reports/calls/", HTTP_ACCEPT_LANGUAGE="he").content.decode()
    assert "&lt;B&gt;NEWSTATUS&lt;/B&gt;</bdi>" in page
    assert "Scrubber&lt;script&gt;</bdi>" in page
    assert "<B>NEWSTATUS" not in page
    assert "Scrubber<script>" not in page
    assert 'lang="he"' in page  # the Hebrew page, where the code still comes as it came


# --- the Call log API: backfill_cdr, and the records settling the day's numbers ---------------


def simulated_day(day: date, minutes: int = 40) -> tuple[CallCenter, list[dict]]:
    """A simulated call center's records of ``minutes`` of calls from 10:00 on ``day``."""
    start = datetime(day.year, day.month, day.day, 10, tzinfo=TZ).timestamp()
    model = CallCenter(agents=6, queues=2, calls_per_minute=12, seed=5, now=start)
    model.advance(start + minutes * 60)
    return model, model.drain_cdrs()


@pytest.fixture
def call_log(settings):
    from tests.served import serving_in_thread

    with serving_in_thread(None) as simulator:
        settings.VOICENTER_CALL_LOG_URL = f"{simulator.base}/hub/cdr/"
        settings.VOICENTER_API_CODE = "demo-code"
        yield simulator


def backfill(day: date) -> str:
    out = io.StringIO()
    call_command("backfill_cdr", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def test_backfill_cdr_stores_a_days_records_once_and_nothing_of_the_day_before(call_log):
    from wallboard.reports.models import CallRecord

    _, records = simulated_day(DAY)
    late = datetime(DAY.year, DAY.month, DAY.day, 23, 30, tzinfo=UTC).timestamp() - 86_400
    yesterday = {**records[0], "ivruniqueid": "yesterday", "time": late}  # (a local epoch)
    call_log.cdr_log.extend([yesterday, *records])
    said = backfill(DAY)
    assert f"{len(records)} call records from Voicenter's call log, {len(records)} new" in said
    assert CallRecord.objects.count() == len(records)
    assert not CallRecord.objects.filter(call_id="yesterday").exists()
    assert set(CallRecord.objects.values_list("source", flat=True)) == {"backfill"}
    assert f", 0 new, {len(records)} stored already" in backfill(DAY)


def test_a_pushed_record_completes_the_one_the_call_log_gave(call_log):
    from realtime.voicenter.cdr import parse
    from wallboard.reports.models import CallRecord
    from wallboard.reports.records import store

    _, records = simulated_day(DAY)
    queued = next(r for r in records if r["queueid"] and "seconds_waiting_in_queue" in r)
    call_log.cdr_log.append(queued)
    backfill(DAY)
    fetched = CallRecord.objects.get()
    assert (fetched.queue_id, fetched.queue_wait_s) == ("", None)  # the Call log has neither
    assert store(parse(json.dumps(queued).encode(), TZ)[0], "push")
    pushed = CallRecord.objects.get()
    assert (pushed.queue_id, pushed.queue_wait_s, pushed.source) == (
        str(queued["queueid"]), queued["seconds_waiting_in_queue"], "push")  # fmt: skip
    assert not store(parse(json.dumps(queued).encode(), TZ)[0], "push")
    assert " 0 new" in backfill(DAY)
    assert CallRecord.objects.count() == 1


def test_backfill_cdr_halves_a_span_with_too_many_records(call_log):
    from wallboard.reports.models import CallRecord

    _, records = simulated_day(DAY, minutes=20)
    call_log.cdr_log.extend(records)
    busiest_minute = max(Counter(int(r["time"]) // 60 for r in records).values())
    call_log.call_log_limit = busiest_minute
    backfill(DAY)
    assert CallRecord.objects.count() == len(records) > 4 * busiest_minute
    call_log.call_log_limit = busiest_minute - 1
    with pytest.raises(CommandError, match=r"too many records .* even a minute at a time"):
        backfill(DAY)


def test_backfill_cdr_says_why_voicenter_refused_and_never_shows_the_code(call_log, settings):
    settings.VOICENTER_API_CODE = "wrong-secret-code"
    with pytest.raises(CommandError) as refused:
        backfill(DAY)
    assert "VOICENTER_API_CODE" in str(refused.value)
    settings.VOICENTER_API_CODE = call_log.credentials.api_code
    call_log.rest_echo_code = True  # an answer that quotes the code back
    with pytest.raises(CommandError) as echoed:
        backfill(DAY)
    assert "[API code]" in str(echoed.value)
    assert call_log.credentials.api_code not in str(echoed.value)
    call_log.rest_echo_code = False
    call_log.rest_garbage = True
    with pytest.raises(CommandError, match=r"unreadable|not a JSON object"):
        backfill(DAY)


def test_backfill_cdr_says_so_when_voicenter_is_out_of_reach(settings):
    settings.VOICENTER_CALL_LOG_URL = "http://127.0.0.1:9/hub/cdr/"
    with pytest.raises(CommandError, match="cannot reach Voicenter's call log"):
        backfill(DAY)


@pytest.mark.django_db(transaction=True)
def test_a_day_redis_lost_is_rebuilt_from_the_backfilled_records(call_log, use_prefix):
    """The issue's recovery: the Call log fills the records, the worker's day counters fold
    them in (queues known by name), and queue_stats prints what the simulator's calls were."""
    import asyncio

    from realtime.events import Queue, QueuesSnapshot
    from realtime.projections.board import BoardState
    from realtime.projections.day import DayCounters
    from wallboard.core import services
    from wallboard.reports.records import StoredRecords

    model, records = simulated_day(DAY)
    call_log.cdr_log.extend(records)
    backfill(DAY)
    clock_at = max(r["time"] for r in records) - 2 * 3600 + 60  # (local epochs; UTC+2)

    async def worker_starts() -> None:
        store = services.state_store()
        try:
            board = BoardState(store)
            await board.load()
            queues = tuple(Queue(str(q.id), q.name, ()) for q in model.queues.values())
            await board.apply(QueuesSnapshot("queues_snapshot", queues, clock_at, None))
            days = services.day_store(store.redis)
            counting = DayCounters(days, TZ, 0, board=board, clock=lambda: clock_at,
                                   records=StoredRecords())  # fmt: skip
            await counting.load()
            await counting.verify()  # (starts the look at the records)
            assert counting.settling.look is not None
            await asyncio.wait([counting.settling.look])
            await counting.verify()  # (takes what it found)
        finally:
            await store.redis.aclose()

    asyncio.run(worker_starts())
    out = io.StringIO()
    call_command("queue_stats", "--date", DAY.isoformat(), "--json", stdout=out)
    counted = json.loads(out.getvalue())["queues"]
    for queue in model.queues.values():
        mine = [r for r in records if r["queueid"] == queue.id]
        answered = sum(r["status"] == "ANSWER" for r in mine)
        abandoned = sum(r["status"] == "ABANDONE" for r in mine)
        assert answered + abandoned > 0
        numbers = counted[str(queue.id)]
        assert (numbers["answered"], numbers["abandoned"]) == (answered, abandoned)
        assert numbers["offered"] == answered + abandoned


@committed
def test_two_pushed_records_of_one_call_in_two_queues_are_both_kept(cdr_url):
    from django.test import Client

    from wallboard.reports.models import CallRecord

    web = Client()
    overflowed = {**QUEUE_CDR, "queueid": 1002, "queuename": "Overflow"}
    for body in (QUEUE_CDR, overflowed, {**QUEUE_CDR, "targetextension": "OTHER"}):
        answer = web.post(cdr_url, json.dumps(body), content_type="application/json")
        assert answer.json() == {"err": 0, "errdesc": "OK"}
    assert CallRecord.objects.count() == 3


def test_backfill_cdr_waits_and_asks_again_when_voicenter_says_too_many_requests(
    call_log, monkeypatch
):
    from wallboard.reports.management.commands import backfill_cdr

    monkeypatch.setattr(backfill_cdr, "RATE_LIMIT_WAIT_S", 0.0)
    _, records = simulated_day(DAY, minutes=10)
    call_log.cdr_log.extend(records)
    call_log.call_log_busy = 2
    err = io.StringIO()
    call_command("backfill_cdr", "--date", DAY.isoformat(), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().count("waiting 0 s") == 2
    from wallboard.reports.models import CallRecord

    assert CallRecord.objects.count() == len(records)
    call_log.call_log_busy = backfill_cdr.RATE_LIMIT_TRIES
    with pytest.raises(CommandError, match="try again later"):
        backfill(DAY)


@committed
def test_a_supervisor_sets_a_queue_in_the_admin_and_reads_call_records_only(
    client, cdr_url, use_prefix, roles_and_statuses
):
    from django.test import Client

    from wallboard.agents.onboarding import create_agent
    from wallboard.reports.models import CallRecord

    create_agent("boss", password="pw-123456", supervisor=True)
    web = Client()
    assert web.login(username="boss", password="pw-123456")
    added = web.post(
        "/admin/reports/queuesettings/add/",
        {"queue_id": "1001", "display_name": "Sales desk", "sl_threshold_s": 30,
         "sl_formula": "answered", "short_abandon_s": 5},
    )  # fmt: skip
    assert added.status_code == 302, added.content[:500]
    assert QueueSettings.objects.get(queue_id="1001").rules()["formula"] == "answered"
    assert b"Sales desk" in web.get("/admin/reports/queuesettings/").content
    Client().post(cdr_url, json.dumps(QUEUE_CDR), content_type="application/json")
    record = CallRecord.objects.get()
    listing = web.get("/admin/reports/callrecord/")
    assert listing.status_code == 200
    assert b"Dana" in listing.content
    assert web.get("/admin/reports/callrecord/add/").status_code == 403
    delete = web.post(f"/admin/reports/callrecord/{record.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert CallRecord.objects.filter(pk=record.pk).exists()


@committed
def test_cdr_notifications_are_stored_one_after_the_other_on_one_long_lived_thread(
    cdr_url, monkeypatch
):
    # Under ASGI a sync view runs on a thread made for its request: one thread (and one
    # database connection) per call that ends, which grew the web process by tens of MiB.
    import threading

    from django.test import Client

    from wallboard.reports.models import CallRecord
    from wallboard.reports.records import store as real_store

    threads = []

    def store(record, source):
        threads.append(threading.current_thread())
        return real_store(record, source)

    monkeypatch.setattr("wallboard.reports.views.store", store)
    web = Client()
    for n in range(3):
        body = json.dumps({**QUEUE_CDR, "ivruniqueid": f"20261130120000{n:02d}"})
        answer = web.post(cdr_url, body, content_type="application/json")
        assert answer.json()["err"] == 0
    assert CallRecord.objects.count() == 3
    assert len(set(threads)) == 1
    assert threads[0] is not threading.main_thread()
    assert threads[0].name.startswith("wallboard-cdr")


@committed
def test_a_cdr_the_database_holds_up_is_answered_as_not_stored_then_stored_once(
    cdr_url, monkeypatch
):
    import threading

    from django.test import Client

    from wallboard.reports.models import CallRecord
    from wallboard.reports.records import store as real_store
    from wallboard.reports.views import CDR_THREAD

    database_answers = threading.Event()

    def store(record, source):
        database_answers.wait(30)  # a hung database (or backfill_cdr holding the call's lock)
        return real_store(record, source)

    monkeypatch.setattr("wallboard.reports.views.store", store)
    monkeypatch.setattr("wallboard.reports.views.CDR_WAIT_S", 0.2)
    web = Client()
    body = json.dumps(QUEUE_CDR)
    held = web.post(cdr_url, body, content_type="application/json").json()
    assert held["err"] == 2
    assert "could not be stored" in held["errdesc"]
    queued = web.post(cdr_url, _cdr(7), content_type="application/json").json()  # behind it
    assert queued["err"] == 2
    database_answers.set()
    CDR_THREAD.submit(lambda: None).result()  # the held records' turn is over
    assert CallRecord.objects.count() == 2  # both taken: a record given up on is not dropped
    again = web.post(cdr_url, body, content_type="application/json").json()  # Voicenter repeats
    assert again["err"] == 0
    assert again["errdesc"] == "OK (already stored)"
    assert CallRecord.objects.count() == 2


def _cdr(n: int) -> str:
    """Call n's record (each its own call, a second after the one before)."""
    call = {"ivruniqueid": f"20261130130000{n:02d}", "time": 1764496800 + n}
    return json.dumps({**QUEUE_CDR, **call})


@committed
def test_cdrs_posted_while_the_database_is_away_are_stored_after_once_and_in_order(
    cdr_url, database_away, use_prefix
):
    import redis as sync_redis
    from django.conf import settings
    from django.test import Client

    from wallboard.reports import spool
    from wallboard.reports.models import CallRecord

    web = Client()
    with database_away():
        answers = [web.post(cdr_url, _cdr(n), content_type="application/json") for n in range(15)]
        repeated = web.post(cdr_url, _cdr(3), content_type="application/json")  # the same again
        spool.DRAIN_THREAD.submit(lambda: None).result()  # the drains they asked for, meanwhile
    assert all(a.status_code == 200 and a.json()["err"] == 0 for a in [*answers, repeated])
    assert CallRecord.objects.count() == 0
    spooled = sync_redis.Redis.from_url(settings.REDIS_URL)
    assert spooled.llen(use_prefix + "cdr:spool") == 16
    after = web.post(cdr_url, _cdr(15), content_type="application/json")  # the database is back
    assert after.json() == {"err": 0, "errdesc": "OK"}  # answered at once, behind the others
    spool.drain_soon(None).result()  # the web process's drain, on its own thread
    stored = list(CallRecord.objects.order_by("id").values_list("call_id", flat=True))
    assert stored == [f"20261130130000{n:02d}" for n in range(16)]  # each once, in order
    assert spooled.llen(use_prefix + "cdr:spool") == 0
    stats = spooled.hgetall(use_prefix + "stats")
    assert int(stats[b"cdr_spooled"]) == 17
    assert int(stats[b"cdr_spool_stored"]) == 16


@committed
def test_the_workers_look_at_the_records_stores_what_the_spool_holds(use_prefix):
    from asgiref.sync import async_to_sync

    from wallboard.reports import spool
    from wallboard.reports.records import StoredRecords

    for n in range(3):  # left by an outage; no call has ended since
        spool.keep(spool.client(), _cdr(n).encode())
    calls, _ = async_to_sync(StoredRecords().since)(0, 0.0, 100)
    assert [call.call_id for call in calls] == [f"20261130130000{n:02d}" for n in range(3)]
    assert spool.waiting(spool.client()) == 0


@committed
def test_a_spooled_record_the_database_refuses_for_good_is_set_aside(
    cdr_url, database_away, use_prefix, monkeypatch
):
    import redis as sync_redis
    from django.conf import settings
    from django.db import DataError
    from django.test import Client

    from wallboard.reports import records, spool
    from wallboard.reports.models import CallRecord

    with database_away():
        for n in range(3):
            Client().post(cdr_url, _cdr(n), content_type="application/json")
        spool.DRAIN_THREAD.submit(lambda: None).result()  # the drains they asked for, meanwhile
    real_store = records.store

    def store(record, source):
        if record.call_id.endswith("01"):
            raise DataError("value out of range")  # what no retry will change
        return real_store(record, source)

    monkeypatch.setattr("wallboard.reports.spool.store", store)
    Client().post(cdr_url, _cdr(3), content_type="application/json")
    spool.drain_soon(None).result()
    assert CallRecord.objects.count() == 3
    kept = sync_redis.Redis.from_url(settings.REDIS_URL)
    assert kept.llen(use_prefix + "cdr:spool") == 0
    [failed] = kept.lrange(use_prefix + "cdr:spool:failed", 0, -1)
    assert json.loads(failed)["ivruniqueid"].endswith("01")


@committed
def test_a_cdr_is_refused_only_when_the_database_and_redis_are_both_away(cdr_url, database_away):
    from django.test import Client, override_settings

    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"), database_away():
        refused = Client().post(cdr_url, _cdr(1), content_type="application/json").json()
    assert refused["err"] == 2, refused
    assert "could not be stored" in refused["errdesc"]


@committed
def test_a_cdr_with_a_nul_is_stored_without_it(cdr_url):
    from django.test import Client

    from wallboard.reports.models import CallRecord

    body = json.dumps({**QUEUE_CDR, "representative_name": "Da\u0000na", "note": "a\u0000b"})
    answer = Client().post(cdr_url, body, content_type="application/json").json()
    assert answer == {"err": 0, "errdesc": "OK"}
    record = CallRecord.objects.get()
    assert record.agent_name == "Dana"
    assert record.raw["note"] == "ab"


@committed
def test_a_cdr_with_nan_or_infinity_is_stored_with_those_values_unknown(cdr_url):
    from django.test import Client

    from wallboard.reports.models import CallRecord

    body = (
        json.dumps({**QUEUE_CDR, "price": 0})
        .replace('"price": 0', '"price": NaN, "weight": Infinity')
        .replace('"seconds_waiting_in_queue": 42', '"seconds_waiting_in_queue": NaN')
    )
    answer = Client().post(cdr_url, body, content_type="application/json").json()
    assert answer == {"err": 0, "errdesc": "OK"}  # not "already stored", and kept
    record = CallRecord.objects.get()
    assert record.queue_wait_s is None
    assert record.raw["price"] is None
    assert record.raw["weight"] is None


@committed
def test_a_constraint_error_is_never_read_as_already_stored(monkeypatch):
    from django.db import IntegrityError

    from realtime.voicenter.cdr import parse
    from wallboard.reports import records

    record, _ = parse(json.dumps(QUEUE_CDR).encode())

    def create(**fields):
        raise IntegrityError("CHECK constraint failed: some_other_rule")

    from wallboard.reports.models import CallRecord

    monkeypatch.setattr(CallRecord.objects, "create", create)
    with pytest.raises(IntegrityError):
        records.store(record, "push")


@committed
def test_a_record_the_database_refuses_while_it_answers_does_not_hold_up_the_spool(
    cdr_url, use_prefix, monkeypatch
):
    from django.db import OperationalError

    from wallboard.reports import records, spool
    from wallboard.reports.models import CallRecord

    real_store = records.store

    def store(record, source):
        if record.call_id.endswith("01"):
            raise OperationalError("index row size exceeds maximum")  # the record, not an outage
        return real_store(record, source)

    monkeypatch.setattr("wallboard.reports.spool.store", store)
    for n in range(3):
        spool.keep(spool.client(), _cdr(n).encode())
    assert spool.drain(spool.client(), None) == 2
    assert CallRecord.objects.count() == 2
    assert spool.waiting(spool.client()) == 0
    assert len(spool.client().lrange(use_prefix + "cdr:spool:failed", 0, -1)) == 1


@committed
def test_a_cdr_sent_as_a_query_with_a_nul_is_stored_without_it(cdr_url):
    from urllib.parse import urlencode

    from django.test import Client

    from wallboard.reports.models import CallRecord

    query = urlencode({**QUEUE_CDR, "representative_name": "Da\x00na"})
    answer = Client().get(f"{cdr_url}?{query}").json()
    assert answer == {"err": 0, "errdesc": "OK"}
    assert CallRecord.objects.get().agent_name == "Dana"
