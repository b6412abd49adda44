"""Voicenter's answers in a person's words (wallboard/core/answers.py): every case of every REST
answer the realtime core reads (tests/test_voicenter_rest.py, tests/test_voicenter_cdr.py) has
its message, with the values it names."""

from __future__ import annotations

import pytest

from realtime.voicenter.cdr import CallLogRefused, parse_call_log
from realtime.voicenter.rest import (
    RestRefused,
    call_failure,
    parse_click2call_answer,
    parse_extensions,
    parse_status_answer,
    status_failure,
)
from wallboard.core.answers import (
    call_log_refusal,
    call_message,
    extensions_refusal,
    status_message,
)

pytestmark = pytest.mark.pure


def status_words(body: object) -> str:
    answer = parse_status_answer(body)
    return status_message(answer, extension="SIPSIP1", status=3, name="Lunch")


def test_a_status_change_done_says_so():
    assert status_words({"Status": 1, "StatusError": 1, "StatusErrorMessage": "OK"}) == (
        "Lunch: done."
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"Status": 2, "StatusErrorMessage": "Authorization Failed"}, "Authorization Failed"),
        ({"Status": 3, "StatusErroMessage": "Extension is already in use"}, "SIPSIP1 is already"),
        ({"Status": 3, "StatusErrorMessage": "No extension found"}, "no extension SIPSIP1"),
        ({"Status": 4, "StatusErrorMessage": "Status not support"}, "Lunch (3)"),
        ({"Status": 2, "StatusErrorMessage": "Error on update"}, "could not save"),
        ({"Status": 2, "StatusErrorMessage": "Phone error."}, "extension is missing"),
        ({"Status": 2, "StatusErrorMessage": "Missing parameters"}, "parameter was missing"),
        ({"Status": 2, "StatusError": 0}, "format error"),
        ({"Status": 2, "StatusError": 4}, "internal error"),
        (None, "may not have changed"),
        ({"Status": 9, "StatusError": 9, "StatusErrorMessage": "Gremlins"}, "(Status 9,"),
    ],
)
def test_each_status_answer_gets_its_own_explanation(body, words):
    assert words in status_words(body)


@pytest.mark.parametrize(
    ("kind", "detail", "words"),
    [
        ("timeout", "8", "within 8 s. The change may still happen"),
        ("network", "", "could not be reached"),
        ("http_error", "503", "HTTP error 503"),
    ],
)
def test_a_status_change_without_an_answer_says_what_happened(kind, detail, words):
    answer = status_failure(kind, detail)
    assert words in status_message(answer, extension="S", status=3, name="Lunch")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"ERRORCODE": 0, "CALLID": "x"}', "your phone rings first"),
        ('{"ERRORCODE": 1, "ERRORMESSAGE": "Phone is missing"}', "(Phone is missing): check"),
        ('{"ERRORCODE": 2}', "application error"),
        ('{"ERRORCODE": 3}', "Your extension is offline"),
        ('{"ERRORCODE": 4}', "may not make Click2Call"),
        ('{"ERRORCODE": 9, "ERRORMESSAGE": "Gremlins"}', "does not know (ERRORCODE 9, Gremlins)"),
        ("<html>", "could not be read"),
    ],
)
def test_each_click2call_answer_has_its_message(body, words):
    assert words in call_message(parse_click2call_answer(body), hang_up=False)


def test_a_hang_up_says_so():
    assert call_message(parse_click2call_answer('{"ERRORCODE": 0}'), hang_up=True) == "Hung up."


def test_call_failures_say_what_happened():
    assert "within 8 s; the call may still start" in call_message(
        call_failure("timeout", "8"), hang_up=False
    )
    assert "HTTP error 502" in call_message(call_failure("http_error", "502"), hang_up=False)


@pytest.mark.parametrize(
    ("refused", "words"),
    [
        (RestRefused("empty_list"), "empty extension list"),
        (RestRefused("no_account"), "matches no account: check VOICENTER_API_CODE"),
        (RestRefused("refused", "ERR 1, Unauthorized"), "(ERR 1, Unauthorized): check"),
        (RestRefused("no_list"), "no EXTENSIONS"),
        (RestRefused("not_json"), "not a JSON object"),
        (RestRefused("http_error", "500"), "with HTTP 500"),
    ],
)
def test_each_refused_extension_list_says_why(refused, words):
    assert words in extensions_refusal(refused)


@pytest.mark.parametrize("body", [{"ERR": 0, "DESC": "OK", "EXTENSIONS": []}, []])
def test_an_empty_extension_list_tells_the_admin_to_check_the_api_code(body):
    with pytest.raises(RestRefused) as refused:
        parse_extensions(body)
    assert "check VOICENTER_API_CODE" in extensions_refusal(refused.value)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"ERROR_NUMBER": 1, "ERROR_DESCRIPTION": "x"}, "request limit is exceeded"),
        ({"ERROR_NUMBER": 2, "ERROR_DESCRIPTION": "x"}, "authorization failed"),
        ({"ERROR_NUMBER": 3, "ERROR_DESCRIPTION": "x"}, "too many records"),
        ({"ERROR_NUMBER": 4, "ERROR_DESCRIPTION": "Bad IP"}, "allow it (ERROR_NUMBER 4, Bad IP)"),
        ({"ERROR_NUMBER": 7}, "Voicenter refused the request (ERROR_NUMBER 7, no description)"),
        ({"CDR_LIST": []}, "an unreadable answer (ERROR_NUMBER None"),
        ({"ERROR_NUMBER": 0, "CDR_LIST": 5}, "no CDR_LIST list"),
        ([], "not a JSON object"),
    ],
)
def test_each_refused_call_log_says_why(body, words):
    with pytest.raises(CallLogRefused) as refused:
        parse_call_log(body)
    assert words in call_log_refusal(refused.value)
