"""Voicenter's REST formats: SetStatusFromAPI's answers (both documents' spellings, every error
they list) and the GetExtensions list, as codes and values (their words: tests/test_answers.py)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

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
from tests.examples import FIXTURES

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
            {"Status": 4, "StatusError": 4, "StatusErroMessage": "Extension is already in use"},
            "in_use",
            "in_use",
        ),
        (
            {"Status": 3, "StatusError": 3, "StatusErrorMessage": "No extension found"},
            "no_extension",
            "no_extension",
        ),
        (
            {"Status": 4, "StatusError": 1, "StatusErrorMessage": "Status not support"},
            "status_not_supported",
            "status_not_supported",
        ),
        (
            {"Status": 4, "StatusError": 4, "StatusErrorMessage": "Error on update"},
            "voicenter_error",
            "error_on_update",
        ),
        (
            {"Status": 3, "StatusError": 6, "StatusErrorMessage": "Phone error."},
            "missing_parameters",
            "phone_error",
        ),
    ],
)
def test_each_message_of_the_english_page_gets_its_own_case(body, reason, case):
    result = answer(body)
    assert not result.ok
    assert (result.reason, result.case) == (reason, case)
    assert result.message == next(v for k, v in body.items() if k.endswith("Message"))


@pytest.mark.parametrize(
    ("status", "error", "message", "reason", "case"),
    [
        (4, "1", "Status Changed", "login_error", "status_changed"),
        (4, "2", "Failed - Hour Log Error", "login_error", "hour_log_error"),
        (4, "3", "Failed - Queue registration error", "login_error", "queue_registration_error"),
        (4, "4", "Extension is already in use", "in_use", "in_use"),
        (
            4, "5", "You're already logged in with a different extension",
            "in_use", "other_extension",
        ),
        (5, "1", "Please choose extension", "no_extension", "choose_extension"),
        (5, "2", "Successfully Logged In", "initiation_error", "logged_in"),
        (5, "3", "Not logged in", "initiation_error", "not_logged_in"),
        (5, "4", "Wrong Username or Password", "unauthorized", "wrong_credentials"),
        (
            5, "5", "There was a problem with the user, please contact support",
            "initiation_error", "user_problem",
        ),
        (5, "6", "An unexpected error occurred", "voicenter_error", "unexpected_error"),
        (
            5, "7", "Failed - Extension Monitor doesn't exist",
            "no_extension", "no_extension_monitor",
        ),
        (
            5, "8", "Failed - User has no organizational PIN Code",
            "initiation_error", "no_pin_code",
        ),
    ],
)  # fmt: skip
def test_each_error_of_rev_3_2_is_read_by_its_message_and_by_its_codes(
    status, error, message, reason, case
):
    with_message = answer({"Status": status, "StatusError": error, "StatusErrorMessage": message})
    assert (with_message.ok, with_message.reason, with_message.case) == (False, reason, case)
    assert with_message.message == message
    codes_only = answer({"Status": status, "StatusError": error})
    assert not codes_only.ok
    if status == 5 or error in ("2", "5"):  # the codes that only rev 3.2 gives
        assert (codes_only.reason, codes_only.case) == (reason, case)
    else:  # the English page gives StatusError 1, 3 and 4 other meanings: it says which it may be
        assert codes_only.case == "status_or_extension"
    assert codes_only.message == ""


def test_a_message_is_known_without_case_final_dot_extra_spaces_or_a_curly_apostrophe():
    result = answer({"Status": 4, "StatusErrorMessage": "you\u2019re  already logged in with a"
                     " different extension."})  # fmt: skip
    assert result.case == "other_extension"
    assert answer({"Status": 3, "StatusErrorMessage": "phone error"}).case == "phone_error"


@pytest.mark.parametrize(
    ("body", "reason", "case"),
    [
        ({"Status": 2, "StatusError": 0}, "format_error", "format_error"),
        ({"Status": 2, "StatusError": 4}, "voicenter_error", "internal_error"),
        ({"Status": 2, "StatusError": 6}, "missing_parameters", "missing_parameters"),
        ({"Status": 3, "StatusError": 3}, "no_extension", "no_extension"),
        ({"Status": 3, "StatusError": 6}, "missing_parameters", "missing_parameters"),
        ({"Status": 2}, "unauthorized", "authorization_failed"),
        ({"Status": 2, "StatusError": 1}, "unauthorized", "authorization_failed"),
        ({"Status": 4, "StatusError": 6}, "missing_parameters", "missing_parameters"),
        ({"Status": 5}, "initiation_error", "initiation_error"),
        ({"Status": 5, "StatusError": "9"}, "initiation_error", "initiation_error"),
        ({"Status": 9, "StatusError": 4}, "voicenter_error", "internal_error"),
    ],
)
def test_without_a_known_message_the_codes_decide(body, reason, case):
    result = answer(body)
    assert not result.ok
    assert (result.reason, result.case) == (reason, case)


@pytest.mark.parametrize(
    "body",
    [
        {"Status": 4},
        {"Status": "4", "StatusError": 1},
        {"Status": 4, "StatusError": 4},
        {"Status": 4, "StatusError": 0},
        {"Status": 4, "StatusError": 1, "StatusErrorMessage": "Something else"},
        {"Status": 4, "StatusError": 1, "StatusErrorMessage": "OK"},
    ],
)
def test_status_4_without_a_message_that_tells_is_a_status_or_an_extension(body):
    """The English page: "Status not supported or the ExtensionUser value is invalid"."""
    result = answer(body)
    assert not result.ok
    assert result.reason == result.case == "status_or_extension"
    assert "Status not support" not in result.message  # nothing is made up


@pytest.mark.parametrize("body", [{"Status": 3}, {"Status": 3, "StatusError": 1}])
def test_status_3_alone_is_an_invalid_extension_or_a_missing_parameter(body):
    """The English page: "The Extension value is invalid"; rev 3.2: "Missing parameters"."""
    assert answer(body).case == "extension_or_parameters"


def test_a_known_message_wins_over_the_codes():
    body = {"Status": 2, "StatusError": 1, "StatusErrorMessage": "extension is already in use."}
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


@pytest.mark.parametrize(
    "body",
    [
        {"Status": 1, "StatusError": 1, "StatusErrorMessage": "OK"},
        {"Status": 1, "StatusError": 4, "StatusErrorMessage": "OK"},  # OK, whatever StatusError
        {"Status": 1, "StatusError": "0", "StatusErrorMessage": "ok"},  # rev 3.2: "0" no error
        {"Status": 1, "StatusError": "0"},
        {"Status": "1"},
        {"Status": 1, "StatusError": 1, "StatusErrorMessage": "Done"},
    ],
)
def test_status_1_is_a_success_unless_an_error_is_said(body):
    assert answer(body).ok


@pytest.mark.parametrize(
    ("body", "case"),
    [
        ({"Status": 1, "StatusError": 4}, "internal_error"),
        ({"Status": 1, "StatusError": 6}, "missing_parameters"),
        (
            {"Status": 1, "StatusError": 4, "StatusErrorMessage": "Error on update"},
            "error_on_update",
        ),
        ({"StatusErrorMessage": "OK"}, "unreadable"),
        ({"Status": 2, "StatusError": 1, "StatusErrorMessage": "OK"}, "authorization_failed"),
    ],
)
def test_an_error_said_beside_status_1_or_ok_without_status_1_is_no_success(body, case):
    result = answer(body)
    assert not result.ok
    assert result.case == case


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


# --- SetStatusFromAPI against the documents (tests/fixtures/set_status/) ----------------------

SET_STATUS = FIXTURES / "set_status"


def documented(name: str) -> Any:
    return json.loads(SET_STATUS.joinpath(name).read_text())


@pytest.mark.parametrize("page", ["en", "he"])
def test_our_request_has_the_documented_examples_fields_and_types(page):
    example = documented(f"{page}_request_post.json")
    ours = status_request("XXXXXXXXXX", "123456789", "sipsip", 1)
    assert list(ours) == list(example)
    assert [type(v) for v in ours.values()] == [type(v) for v in example.values()]
    query = dict(
        parse_qsl(SET_STATUS.joinpath(f"{page}_request_get.txt").read_text().split("?")[1])
    )
    assert set(query) == set(ours)


@pytest.mark.parametrize("page", ["en", "he"])
def test_the_documented_answer_of_either_page_is_a_success(page):
    result = answer(documented(f"{page}_answer.json"))
    assert (result.ok, result.message) == (True, "OK")


@pytest.mark.parametrize("page", ["en", "he"])
def test_every_message_and_code_of_either_pages_table_is_read(page):
    table = documented(f"{page}_table.json")
    messages = table.get("StatusErrorMessage") or table["StatusErroMessage"]
    cases = set()
    for message in messages:
        result = answer({"Status": 1 if message == "OK" else 2, "StatusErrorMessage": message})
        assert result.ok == (message == "OK")
        assert result.case != "unreadable"
        cases.add(result.case)
    assert len(cases) == len(messages)  # each message its own case
    for status in table["Status"]:
        result = answer({"Status": int(status)})
        assert result.ok == (status == "1")
        assert result.case != "unreadable"
    for error in table["StatusError"]:
        result = answer({"Status": 2, "StatusError": int(error)})
        assert result.case != "unreadable"


def test_every_status_and_error_of_rev_3_2_is_read_each_error_its_own_case():
    table = documented("rev32_table.json")
    for status in table["Status"]:
        assert answer({"Status": int(status), "StatusError": "0"}).ok == (status == "1")
    cases = set()
    for status in ("4", "5"):
        for error, message in table["StatusError"][status].items():
            result = answer(
                {"Status": int(status), "StatusError": error, "StatusErrorMessage": message}
            )
            assert not result.ok
            assert result.case != "unreadable"
            cases.add(result.case)
    assert len(cases) == 13
