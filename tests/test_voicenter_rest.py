"""Voicenter's REST formats: SetStatusFromAPI's answers (both documents' spellings, every error
they list) and the GetExtensions list, as codes and values (their words: tests/test_answers.py)."""

from __future__ import annotations

import pytest

from realtime.voicenter.rest import (
    ActiveCall,
    ActiveRefused,
    ExtensionsCalls,
    QueueCaller,
    QueuesCallers,
    RestRefused,
    active_calls_request,
    call_failure,
    click2call_request,
    extensions_request,
    parse_click2call_answer,
    parse_extensions,
    parse_extensions_calls,
    parse_queues_callers,
    parse_status_answer,
    status_failure,
    status_request,
    terminate_request,
)

pytestmark = pytest.mark.pure


def answer(body: object):
    return parse_status_answer(body)


def test_status_request_is_the_documented_json_body():
    assert status_request("CODE", "123456789", "sipsip", 1) == {
        "Code": "CODE",
        "UserId": "123456789",
        "ExtensionUser": "sipsip",
        "Status": 1,
    }


@pytest.mark.parametrize("field", ["StatusErrorMessage", "StatusErroMessage"])
def test_the_documented_success_is_ok_in_either_spelling(field):
    result = answer({"Status": 1, "StatusError": 1, field: "OK"})
    assert result.ok
    assert result.reason == result.case == "ok"
    assert "OK" in result.said


@pytest.mark.parametrize(
    ("body", "reason", "case"),
    [
        (
            {"Status": 2, "StatusError": 1, "StatusErrorMessage": "Authorization Failed"},
            "unauthorized",
            "authorization_failed",
        ),
        (
            {"Status": 3, "StatusError": 1, "StatusErroMessage": "Extension is already in use"},
            "in_use",
            "in_use",
        ),
        (
            {"Status": 3, "StatusError": 1, "StatusErrorMessage": "No extension found"},
            "no_extension",
            "no_extension",
        ),
        (
            {"Status": 4, "StatusError": 1, "StatusErrorMessage": "Status not support"},
            "status_not_supported",
            "status_not_supported",
        ),
        (
            {"Status": 2, "StatusError": 4, "StatusErrorMessage": "Error on update"},
            "voicenter_error",
            "error_on_update",
        ),
        (
            {"Status": 2, "StatusError": 1, "StatusErrorMessage": "Phone error."},
            "missing_parameters",
            "phone_error",
        ),
        (
            {"Status": 2, "StatusError": 6, "StatusErrorMessage": "Missing parameters"},
            "missing_parameters",
            "missing_parameters",
        ),
    ],
)
def test_each_documented_error_message_gets_its_own_case(body, reason, case):
    result = answer(body)
    assert not result.ok
    assert (result.reason, result.case) == (reason, case)


@pytest.mark.parametrize(
    ("body", "reason", "case"),
    [
        ({"Status": 2, "StatusError": 0}, "format_error", "format_error"),
        ({"Status": 2, "StatusError": 4}, "voicenter_error", "internal_error"),
        ({"Status": 2, "StatusError": 6}, "missing_parameters", "missing_parameters"),
        ({"Status": 3, "StatusError": 3}, "no_extension", "no_extension"),
        ({"Status": 2}, "unauthorized", "authorization_failed"),
        ({"Status": 3}, "no_extension", "no_extension"),
        ({"Status": "4"}, "status_not_supported", "status_not_supported"),
    ],
)
def test_without_a_known_message_the_codes_decide(body, reason, case):
    result = answer(body)
    assert (result.reason, result.case) == (reason, case)


def test_a_known_message_wins_over_the_codes():
    body = {"Status": 4, "StatusError": 1, "StatusErrorMessage": "extension is already in use."}
    assert answer(body).reason == "in_use"


@pytest.mark.parametrize("body", [None, "OK", ["Status", 1], 1])
def test_an_answer_that_is_not_a_json_object_is_not_json(body):
    result = answer(body)
    assert not result.ok
    assert result.reason == result.case == "not_json"


def test_an_unknown_answer_is_unreadable_and_quotes_what_voicenter_said():
    result = answer({"Status": 9, "StatusError": 9, "StatusErrorMessage": "Gremlins"})
    assert not result.ok
    assert result.reason == "unreadable"
    assert "Gremlins" in result.detail
    assert "Status 9" in result.said


def test_ok_needs_status_1_and_no_error():
    assert not answer({"Status": 1, "StatusError": 4, "StatusErrorMessage": "OK"}).ok
    assert not answer({"StatusErrorMessage": "OK"}).ok
    assert answer({"Status": "1"}).ok


@pytest.mark.parametrize(
    ("kind", "detail"), [("timeout", "8"), ("network", ""), ("http_error", "503")]
)
def test_failures_without_an_answer_say_what_happened(kind, detail):
    result = status_failure(kind, detail)
    assert not result.ok
    assert result.reason == result.case == kind
    assert result.detail == detail


def test_extensions_request_asks_for_the_whole_organisation_by_default():
    assert extensions_request("C") == {"code": "C", "showAll": 1}
    assert extensions_request("C", show_all=False)["showAll"] == 0


def test_the_documented_extension_list_is_read():
    rows, skipped = parse_extensions(
        {
            "ERR": 0,
            "DESC": "OK",
            "EXTENSIONS": [
                {
                    "SIP": "SIPSIP1",
                    "Name": "Extension 1",
                    "SpeedDial": "11",
                    "AccountID": 12345678,
                    "AccountName": "Voicenter Account",
                    "UserName": "John Doe",
                    "UserEmail": "john@example.com",
                },
                {"sip": "SIPSIP2", "speedDial": 12, "AccountID": "12345679"},
                {"Name": "no sip"},
                "junk",
            ],
        }
    )
    assert skipped == 2
    assert [r.sip for r in rows] == ["SIPSIP1", "SIPSIP2"]
    assert rows[0].user_email == "john@example.com"
    assert rows[0].account_id == 12345678
    assert rows[1].speed_dial == "12"
    assert rows[1].account_id == 12345679
    assert rows[1].name == ""


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        ({"ERR": 0, "DESC": "OK", "EXTENSIONS": []}, "empty_list", ""),
        ([], "no_account", ""),
        ([{"SIP": "SIPSIP1"}], "not_json", ""),
        ({"ERR": 1, "DESC": "Unauthorized"}, "refused", "ERR 1, Unauthorized"),
        ({"ERR": 0, "DESC": "OK"}, "no_list", ""),
        ("<html>", "not_json", ""),
    ],
)
def test_a_refused_or_empty_extension_list_is_an_error(body, code, detail):
    with pytest.raises(RestRefused) as refused:
        parse_extensions(body)
    assert (refused.value.code, refused.value.detail) == (code, detail)


# --- Click2Call -------------------------------------------------------------------------------


def test_click2call_request_blocks_offline_extensions_and_asks_for_json():
    fields = click2call_request("C", "SIPSIP1", "0501234567", record=True, caller_id="0722776772")
    assert fields == {
        "code": "C", "phone": "SIPSIP1", "target": "0501234567", "action": "call",
        "format": "JSON", "checkphonedevicestate": "true", "record": "true",
        "targetcallerid": "0722776772",
    }  # fmt: skip
    assert "record" not in click2call_request("C", "S", "1")
    assert terminate_request("C", "SIPSIP1")["action"] == "terminate"


def test_the_documented_json_success_keeps_the_call_id():
    answer = parse_click2call_answer(
        '{"ERRORCODE":0,"ERRORMESSAGE":"OK","CALLID":"sdfsdfsdfsdfsdfsdfsdfsdfsdf0brp"}'
    )
    assert answer.ok
    assert answer.reason == "ok"
    assert answer.call_id == "sdfsdfsdfsdfsdfsdfsdfsdfsdf0brp"


def test_the_documented_xml_answer_is_read_too():
    xml = (
        "<methodResponse><params><param><value><struct>"
        "<member><name>ERRORCODE</name><value><string>1</string></value></member>"
        "<member><name>ERRORMESSAGE</name><value><string>Phone is missing</string></value>"
        "</member><member><name>CALLID</name><value><string></string></value></member>"
        "</struct></value></param></params></methodResponse>"
    )
    answer = parse_click2call_answer(xml)
    assert not answer.ok
    assert answer.reason == "bad_parameters"
    assert answer.detail == "Phone is missing"


@pytest.mark.parametrize(
    ("code", "reason"),
    [(1, "bad_parameters"), (2, "voicenter_error"), (3, "offline"), (4, "blocked")],
)
def test_each_click2call_error_code_has_its_reason(code, reason):
    answer = parse_click2call_answer(f'{{"ERRORCODE": {code}, "ERRORMESSAGE": "x", "CALLID": ""}}')
    assert not answer.ok
    assert answer.reason == reason
    assert answer.call_id == ""


@pytest.mark.parametrize(
    "body",
    [
        "",
        "OK",
        "<html><body>502</body></html>",
        "{not json",
        "[1]",
        '<!DOCTYPE x [<!ENTITY a "a">]><methodResponse/>',
    ],
)
def test_a_garbage_click2call_answer_is_unreadable_not_a_crash(body):
    answer = parse_click2call_answer(body)
    assert not answer.ok
    assert answer.reason in ("not_json", "unreadable")


def test_an_unknown_error_code_is_quoted():
    answer = parse_click2call_answer('{"ERRORCODE": 9, "ERRORMESSAGE": "Gremlins"}')
    assert answer.reason == "unreadable"
    assert "Gremlins" in answer.detail


def test_call_failures_say_what_happened():
    assert call_failure("timeout", "8").detail == "8"
    assert call_failure("network", "").reason == "network"


def test_click2call_tags_go_as_var_fields_at_most_ten_with_plain_names():
    tags = {"contact": "42", "user": "dana", "bad name": "x", "empty": "", "é": "x"}
    tags |= {f"t{i}": "v" * 150 for i in range(12)}
    fields = click2call_request("C", "SIPSIP1", "0501234567", tags=tags)
    sent = {k: v for k, v in fields.items() if k.startswith("var_")}
    assert (sent["var_contact"], sent["var_user"]) == ("42", "dana")
    assert not {"var_bad name", "var_empty", "var_é"} & set(sent)
    assert len(sent) <= 10
    assert all(len(v) <= 100 for v in sent.values())


# --- Active calls -----------------------------------------------------------------------------


def test_active_calls_ask_with_the_code_alone():
    assert active_calls_request("C") == {"code": "C"}


def test_an_extensions_calls_with_numbers_as_strings_and_odd_case_is_read():
    answer = parse_extensions_calls(
        {
            "err": "0",
            "Extensions": [
                {
                    "UserName": " SIP1 ",
                    "Calls": [
                        {"IvrID": "c1", "CallStarted": "1402233117", "CallAnswered": 0},
                        {"ivrid": "c2", "callanswered": 1402233123},
                    ],
                }
            ],
        }
    )
    assert isinstance(answer, ExtensionsCalls)
    [extension] = answer.extensions
    assert (extension.sip, extension.name, extension.peer_status) == ("SIP1", "", "")
    first, second = extension.calls
    assert (first.started, first.answered_at, first.answered) == (1402233117, None, False)
    assert (second.started, second.answered_at, second.answered) == (None, 1402233123, True)


@pytest.mark.parametrize(
    "junk",
    [
        "junk",
        None,
        {"name": "no username", "calls": []},
        {"username": ["SIP1"], "calls": []},
    ],
)
def test_an_unreadable_extension_is_skipped_and_counted(junk):
    answer = parse_extensions_calls(
        {"ERR": 0, "EXTENSIONS": [junk, {"username": "SIP2", "calls": []}]}
    )
    assert isinstance(answer, ExtensionsCalls)
    assert [e.sip for e in answer.extensions] == ["SIP2"]
    assert answer.skipped == 1


@pytest.mark.parametrize(
    "calls",
    [
        ["junk", {"ivrid": "c1"}],
        [{"callername": "no id"}, {"ivrid": "c1"}],
        [{"ivrid": ""}, {"ivrid": "c1", "callstarted": 10**12, "answered": "maybe"}],
    ],
)
def test_an_unreadable_call_is_skipped_and_junk_times_are_unknown(calls):
    answer = parse_extensions_calls({"ERR": 0, "EXTENSIONS": [{"username": "S", "calls": calls}]})
    assert isinstance(answer, ExtensionsCalls)
    [call] = answer.extensions[0].calls
    assert call == ActiveCall("c1", "", "", None, None, False, "", "")
    assert answer.skipped == 1


def test_calls_that_are_not_a_list_count_as_skipped_and_leave_the_extension_without_calls():
    answer = parse_extensions_calls({"ERR": 0, "EXTENSIONS": [{"username": "S", "calls": "x"}]})
    assert isinstance(answer, ExtensionsCalls)
    assert (answer.extensions[0].calls, answer.skipped) == ((), 1)


def test_queues_callers_skip_what_they_cannot_read():
    answer = parse_queues_callers(
        {
            "ERR": 0,
            "QUEUES": [
                {"Name": "Sales", "ID": "10035", "Callers": [
                    {"Phone": 570000000, "CallID": "c1", "JoinTime": "1402235247"},
                    {"Phone": "0570000001"},
                    7,
                ]},
                {"Name": "no id", "Callers": []},
                {"ID": 2, "Callers": None},
            ],
        }
    )  # fmt: skip
    assert isinstance(answer, QueuesCallers)
    sales, second = answer.queues
    assert (sales.queue_id, sales.name) == (10035, "Sales")
    assert sales.callers == (QueueCaller("570000000", "c1", 1402235247),)
    assert (second.queue_id, second.callers) == (2, ())
    assert answer.skipped == 3


@pytest.mark.parametrize("parse", [parse_extensions_calls, parse_queues_callers])
@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ({"ERR": 1, "DESC": "Authorization failed."},
         ActiveRefused("refused", 1, "ERR 1, Authorization failed.")),
        ({"ERR": 2, "DESC": "Internal error."},
         ActiveRefused("refused", 2, "ERR 2, Internal error.")),
        ({"DESC": "OK"}, ActiveRefused("refused", None, "ERR ?, OK")),
        ({"ERR": 0, "DESC": "OK"}, ActiveRefused("no_list")),
        ({"ERR": 0, "EXTENSIONS": {}, "QUEUES": "x"}, ActiveRefused("no_list")),
        (None, ActiveRefused("not_json")),
        ([], ActiveRefused("not_json")),
        ("<html>", ActiveRefused("not_json")),
    ],
)  # fmt: skip
def test_refusals_and_garbage_are_refusals_with_their_code(parse, body, refused):
    assert parse(body) == refused
