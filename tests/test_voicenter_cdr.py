"""Voicenter's CDR notifications (realtime/voicenter/cdr.py): the documented XML-RPC and JSON
bodies, a form, bad bodies refused with the right `err`, and the answers Voicenter expects."""

from __future__ import annotations

import json
import xmlrpc.client
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from realtime.voicenter.cdr import (
    CallLogRefused,
    CdrRefused,
    answer,
    call_log_request,
    parse,
    parse_call_log,
)
from tests.examples import FIXTURES

pytestmark = pytest.mark.pure
TZ = ZoneInfo("Asia/Jerusalem")

# Voicenter's XML-RPC example (api-documentation rev 3.2, CDR notification), whitespace aside
XMLRPC_DOC = b"""<?xml version="1.0"?>
<methodCall><methodName>CDR</methodName><params><param><value><struct>
<member><name>caller</name><value><string>0540000000</string></value></member>
<member><name>target</name><value><string>0500000000</string></value></member>
<member><name>time</name><value><i8>1345373417</i8></value></member>
<member><name>duration</name><value><i4>12</i4></value></member>
<member><name>ivruniqueid</name><value><string>sdfsdfsdfsfsf</string></value></member>
<member><name>targetextension</name><value><string /></value></member>
<member><name>callerextension</name><value><string>IuYtReWq</string></value></member>
<member><name>did</name><value><string /></value></member>
<member><name>queueid</name><value><i4>0</i4></value></member>
<member><name>queuename</name><value><string /></value></member>
<member><name>type</name><value><string>Extension Outgoing</string></value></member>
<member><name>status</name><value><string>ANSWER</string></value></member>
</struct></value></param></params></methodCall>"""

QUEUE_JSON = {
    "caller": "0501234567", "target": "0722776772", "time": 1764496800, "duration": 95,
    "ivruniqueid": "2026113012000001", "type": "Queue", "status": "ABANDONE",
    "targetextension": "", "callerextension": "", "did": "0722776772", "queueid": 1001,
    "queuename": "Sales", "dialtime": 0, "seconds_waiting_in_queue": 42,
    "representative_name": "", "representative_code": " 9996 ",
    "record": "javascript:alert(1)", "OriginalIvrUniqueID": "", "IVR": "[]",
}  # fmt: skip


def test_the_documented_xmlrpc_body_reads_as_an_answered_outgoing_call():
    record, fmt = parse(XMLRPC_DOC)
    assert fmt == "xmlrpc"
    assert (record.call_id, record.type, record.status) == (
        "sdfsdfsdfsfsf", "Extension Outgoing", "ANSWER",
    )  # fmt: skip
    assert (record.queue_id, record.caller_extension, record.talk_s) == (None, "IuYtReWq", 12)
    assert record.started_at == 1345373417  # no zone given: the epoch as sent
    assert record.outcome == "answered"


def test_a_json_queue_call_has_its_wait_queue_and_outcome_and_local_time_to_utc():
    record, fmt = parse(json.dumps(QUEUE_JSON).encode(), ZoneInfo("Asia/Jerusalem"))
    assert fmt == "json"
    assert (record.queue_id, record.queue_name, record.queue_wait_s) == ("1001", "Sales", 42)
    assert record.outcome == "abandoned"
    assert record.started_at == 1764496800 - 2 * 3600  # Israel in winter: UTC+2
    assert record.agent_code == "9996"  # Voicenter's examples carry stray spaces
    assert record.record_url == ""  # not an http(s) address: never a link
    assert record.raw["ivr"] == "[]"  # what we do not read is kept


def test_the_documented_json_body_with_its_repeated_key_reads():
    body = b'{"caller": "0544444444", "time": 1414320455, "duration": 12, "ivruniqueid": "x1",'
    body += b' "type": "Extension Outgoing", "status": "ANSWER", "queueid": 0, "queueid": 0}'
    record, _ = parse(body)
    assert (record.call_id, record.queue_id) == ("x1", None)


def test_a_form_body_reads_like_the_others():
    record, fmt = parse(urlencode({**QUEUE_JSON, "queueid": "1001"}).encode())
    assert fmt == "form"
    assert (record.queue_id, record.queue_wait_s, record.status) == ("1001", 42, "ABANDONE")


def test_a_record_sent_twice_has_the_same_key_and_another_leg_another():
    first, _ = parse(json.dumps(QUEUE_JSON).encode())
    again, _ = parse(json.dumps(QUEUE_JSON).encode())
    other, _ = parse(json.dumps({**QUEUE_JSON, "type": "XferCDR"}).encode())
    assert first.key == again.key != other.key


@pytest.mark.parametrize(
    ("body", "err", "says"),
    [
        (b"<methodCall><methodName>CDR</methodName>", 1, "not a readable xmlrpc"),
        (xmlrpc.client.dumps(({"ivruniqueid": "a"},), "Ping").encode(), 1, "methodCall CDR"),
        (b"[1, 2]", 1, "a JSON CDR is an object"),
        (b'{"ivruniqueid": "a"', 1, "not a readable json"),
        (b"\xff\xfe{", 1, "not a readable"),
        (b'{"type": "Queue"}', 2, "no ivruniqueid"),
        (b"{" + b" " * 70_000 + b"}", 1, "bytes"),
    ],
)
def test_bad_bodies_are_refused_with_the_err_voicenter_expects(body, err, says):
    with pytest.raises(CdrRefused) as refused:
        parse(body)
    assert refused.value.err == err
    assert says in str(refused.value)


def test_the_answers_are_what_voicenter_expects_in_the_requests_format():
    body, content_type = answer(0, "OK", "xmlrpc")
    (reply,), method = xmlrpc.client.loads(body.decode())
    assert (reply, method, content_type) == ({"err": 0, "errdesc": "OK"}, None, "text/xml")
    body, content_type = answer(1, "not a readable json CDR", "json")
    assert json.loads(body) == {"err": 1, "errdesc": "not a readable json CDR"}
    assert content_type == "application/json"


def test_a_body_nested_past_pythons_limit_is_refused_not_a_crash():
    with pytest.raises(CdrRefused) as refused:
        parse(b"[" * 60_000)
    assert refused.value.err == 1


# --- the Call log API --------------------------------------------------------------------------


def test_a_call_log_request_asks_a_span_to_the_minute_in_json():
    body = call_log_request(
        "secret-code", datetime(2026, 11, 30, 6, 0, 59), datetime(2026, 11, 30, 7)
    )
    assert body["format"] == "JSON"
    assert body["code"] == "secret-code"
    assert body["search"] == {"fromdate": "2026-11-30T06:00", "todate": "2026-11-30T07:00"}
    fields = body["fields"]
    assert isinstance(fields, list)
    assert {"CallID", "Date", "DialStatus", "QueueName"} <= set(fields)


def test_call_log_rows_are_read_under_their_own_names_as_the_notifications_fields():
    row = {"CallID": "c1", "Date": "2026-11-30 09:15:02", "Type": "Queue", "DialStatus": "answer",
           "QueueName": "Sales", "CallerNumber": "0501234567", "TargetExtension": "SIPSIP1",
           "Duration": "95", "RingTime": 4, "RepresentativeName": "Dana"}  # fmt: skip
    (record,), skipped = parse_call_log({"ERROR_NUMBER": 0, "CDR_LIST": [row]}, TZ)
    assert skipped == 0
    assert (record.call_id, record.status, record.queue_id, record.queue_name) == (
        "c1", "ANSWER", None, "Sales")  # fmt: skip
    assert (record.caller, record.target_extension, record.talk_s, record.ring_s) == (
        "0501234567", "SIPSIP1", 95, 4)  # fmt: skip
    assert record.started_at == datetime(2026, 11, 30, 9, 15, 2, tzinfo=TZ).timestamp()
    assert record.agent_name == "Dana"
    assert record.queue_wait_s is None


def test_a_call_log_date_may_be_an_epoch_or_carry_its_zone():
    rows = [{"CallID": "e", "Date": 1796022902}, {"CallID": "z", "Date": "2026-11-30T07:15:02Z"}]
    (epoch, zoned), _ = parse_call_log({"ERROR_NUMBER": 0, "CDR_LIST": rows}, TZ)
    local = datetime(2026, 11, 30, 9, 15, 2, tzinfo=TZ).timestamp()
    assert zoned.started_at == local
    assert epoch.started_at == 1796022902 - 2 * 3600  # a Voicenter epoch: the local clock


def test_a_call_log_row_with_the_notifications_spelling_keeps_its_queue_id_and_wait():
    row = {"ivruniqueid": "c2", "time": 1796022902, "status": "ABANDONE", "queueid": 1001,
           "seconds_waiting_in_queue": 42, "CallID": "ignored"}  # fmt: skip
    (record,), _ = parse_call_log({"ERROR_NUMBER": 0, "CDR_LIST": [row]}, TZ)
    assert (record.call_id, record.queue_id, record.queue_wait_s) == ("c2", "1001", 42)


def test_unreadable_call_log_rows_are_skipped_and_counted():
    rows = [{"CallID": "ok"}, {"Date": "2026-11-30 09:00"}, "junk", None, {"CallID": ""}]
    records, skipped = parse_call_log({"ERROR_NUMBER": 0, "CDR_LIST": rows}, TZ)
    assert [r.call_id for r in records] == ["ok"]
    assert skipped == 4


@pytest.mark.parametrize(
    ("answer_body", "err", "code", "detail"),
    [
        (
            {"ERROR_NUMBER": 1, "ERROR_DESCRIPTION": "Request limit exceeded."},
            1, "refused", "ERROR_NUMBER 1, Request limit exceeded.",
        ),
        ({"ERROR_NUMBER": 2}, 2, "refused", "ERROR_NUMBER 2, no description"),
        ({"ERROR_NUMBER": 3, "ERROR_DESCRIPTION": "x"}, 3, "refused", "ERROR_NUMBER 3, x"),
        ({"ERROR_NUMBER": 4, "ERROR_DESCRIPTION": "x"}, 4, "refused", "ERROR_NUMBER 4, x"),
        ({"CDR_LIST": []}, None, "refused", "ERROR_NUMBER None, no description"),
        ({"ERROR_NUMBER": 0, "CDR_LIST": {"a": 1}}, None, "no_list", ""),
        (["not", "an", "object"], None, "not_json", ""),
        (None, None, "not_json", ""),
    ],
)  # fmt: skip
def test_a_call_log_refusal_says_what_went_wrong(answer_body, err, code, detail):
    """As codes and values (in words: tests/test_answers.py)."""
    with pytest.raises(CallLogRefused) as refused:
        parse_call_log(answer_body, TZ)
    assert (refused.value.err, refused.value.code, refused.value.detail) == (err, code, detail)


def test_records_of_one_call_a_second_apart_have_their_own_keys_and_a_queue_name_counts():
    base = {**QUEUE_JSON, "time": 1764496800}
    first, _ = parse(json.dumps(base).encode(), TZ)
    later, _ = parse(json.dumps({**base, "time": 1764496801}).encode(), TZ)
    hours_later, _ = parse(json.dumps({**base, "time": 1764496800 + 3 * 3600}).encode(), TZ)
    assert len({first.key, later.key, hours_later.key}) == 3
    (sales, support), _ = parse_call_log(
        {
            "ERROR_NUMBER": 0,
            "CDR_LIST": [{"CallID": "c", "QueueName": q} for q in ("Sales", "Support")],
        }
    )
    assert sales.key != support.key


def test_a_call_log_date_past_the_calendars_edge_is_no_date():
    rows = [{"CallID": "far", "Date": "9999-12-31T23:00:00-14:00"}, {"CallID": "junk", "Date": "x"}]
    records, _ = parse_call_log({"ERROR_NUMBER": 0, "CDR_LIST": rows}, TZ)
    assert [r.started_at for r in records] == [None, None]


# --- the documented examples (tests/fixtures/cdr/) -----------------------------------------

CDR_DOCS = FIXTURES / "cdr"


def test_the_documented_xmlrpc_post_reads_as_printed():
    record, fmt = parse(CDR_DOCS.joinpath("rev32_xmlrpc_request.xml").read_bytes())
    assert fmt == "xmlrpc"
    assert (record.call_id, record.type, record.caller_extension) == (
        "sdfsdfsdfsfsf", "Extension Outgoing", "IuYtReWq",
    )  # fmt: skip
    assert record.agent_extension == "IuYtReWq"  # an outgoing record is the caller's


def test_the_documented_json_post_reads_with_its_repeated_queueid():
    record, fmt = parse(CDR_DOCS.joinpath("rev32_json_request.json").read_bytes())
    assert fmt == "json"
    assert (record.call_id, record.queue_id, record.ring_s) == (
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", None, 31,
    )  # fmt: skip
    assert record.record_url.endswith("-0544444444-0722776772.mp3")
    assert record.agent_extension == "SIPSIPSI"


def test_the_field_tables_own_examples_read_trimmed_so_the_extension_matches():
    record, _ = parse(CDR_DOCS.joinpath("rev32_field_examples.json").read_bytes())
    assert record.call_id == "201809131615530APIAPI-APIAac40c3d53"  # spelt ivrunique-id there
    assert record.type == "Click2Callleg1"
    assert record.caller_extension == record.target_extension == "AAPINFzL"
    assert record.agent_code == "9996"
    assert record.original_call_id == "201809131730110122APIAPI-API"
    assert (record.queue_id, record.queue_wait_s, record.agent_name) == (
        "12345", 5, "Walter Melon",
    )  # fmt: skip
    assert record.raw["callerextension"] == " AAPINFzL"  # what came is kept as it came


@pytest.mark.parametrize(
    ("fields", "agent", "extension"),
    [
        (
            {"type": "Extension Outgoing", "callerextension": " SIP1 ", "targetextension": "SIP2",
             "callerextension_name": " Dana Cohen", "targetextension_name": "Avi Levi"},
            "Dana Cohen", "SIP1",
        ),
        (
            {"type": "Click2Call leg2", "callerextension": "SIP1", "callerextension_name": "Dana"},
            "Dana", "SIP1",
        ),
        (
            {"type": "Click2Call leg1", "targetextension": "SIP1", "targetextension_name": "Dana",
             "callerextension_name": "Someone"},
            "Dana", "SIP1",
        ),
        (
            {"type": "Queue", "targetextension": "SIP2 ", "targetextension_name": "Avi Levi "},
            "Avi Levi", "SIP2",
        ),
        (
            {"type": "XferCDR", "callerextension": "SIP1", "callerextension_name": "Dana"},
            "Dana", "SIP1",  # only a caller extension: the caller's record
        ),
        (
            {"type": "Extension Outgoing", "callerextension": "SIP1",
             "callerextension_name": "Dana", "representative_name": " Walter Melon "},
            "Walter Melon", "SIP1",  # the representative first, as before
        ),
    ],
)  # fmt: skip
def test_an_outgoing_records_agent_is_the_caller_and_any_others_the_answerer(
    fields, agent, extension
):
    record, _ = parse(json.dumps({"ivruniqueid": " c1 ", "time": 1764496800, **fields}).encode())
    assert (record.call_id, record.agent_name, record.agent_extension) == ("c1", agent, extension)


def test_our_answers_are_the_documented_answers():
    documented = xmlrpc.client.loads(CDR_DOCS.joinpath("rev32_xmlrpc_answer.xml").read_text())
    body, _ = answer(0, "OK", "xmlrpc")
    assert xmlrpc.client.loads(body.decode()) == documented
    error = xmlrpc.client.loads(CDR_DOCS.joinpath("rev32_xmlrpc_error.xml").read_text())[0]
    body, _ = answer(2, "Some error description", "xmlrpc")
    assert xmlrpc.client.loads(body.decode())[0] == error
    example = json.loads(CDR_DOCS.joinpath("rev32_json_answer.json").read_text())
    ours = json.loads(answer(0, "OK", "json")[0])
    assert set(ours) == set(example)
    assert (int(ours["err"]), ours["errdesc"]) == (int(example["err"]), example["errdesc"])


@pytest.mark.parametrize(
    ("fields", "tags"),
    [
        ({"CustomData": {"var_contact": 12, "VAR_User": " dana "}},
         {"var_contact": "12", "var_user": "dana"}),
        ({"customdata": '{"var_contact": "12"}'}, {"var_contact": "12"}),
        ({"var_contact": "12", "CustomData": {"var_contact": "99"}}, {"var_contact": "12"}),
        ({"CustomData": {"contact": "12", "var_": "x", "var_list": [1]}}, {}),
        ({"CustomData": "{not json"}, {}),
        ({"CustomData": "[" * 5000}, {}),
        ({"CustomData": {f"var_t{i}": "x" for i in range(30)}},
         {f"var_t{i}": "x" for i in range(10)}),
        ({}, {}),
    ],
    ids=["object", "json-text", "own-field-wins", "not-tags", "bad-json", "deep", "past-ten",
         "none"],
)  # fmt: skip
def test_a_records_var_tags_are_read_from_its_fields_or_its_custom_data(fields, tags):
    record, _ = parse(json.dumps({"ivruniqueid": "c1", "time": 1764496800, **fields}).encode())
    assert record.tags == tags
