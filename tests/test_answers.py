"""Voicenter's answers in a person's words (wallboard/core/answers.py): every case of every REST
answer the realtime core reads (tests/test_voicenter_rest.py, tests/test_voicenter_cdr.py) has
its message, with the values it names."""

from __future__ import annotations

from typing import get_args

import pytest
from django.utils import translation

from realtime.voicenter.cdr import CallLogRefused, parse_call_log
from realtime.voicenter.rest import (
    INITIATION_ERRORS,
    LOGIN_ERRORS,
    MESSAGES,
    RestRefused,
    StatusCase,
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
FSI, PDI = "\u2068", "\u2069"


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
        ({"Status": 2, "StatusErrorMessage": "Authorization Failed"}, "API code"),
        ({"Status": 4, "StatusErroMessage": "Extension is already in use"}, "SIPSIP1 is already"),
        ({"Status": 3, "StatusErrorMessage": "No extension found"}, "no extension SIPSIP1"),
        ({"Status": 4, "StatusErrorMessage": "Status not support"}, "Lunch (3)"),
        ({"Status": 4, "StatusErrorMessage": "Error on update"}, "could not save"),
        ({"Status": 3, "StatusErrorMessage": "Phone error."}, "extension is missing"),
        ({"Status": 2, "StatusError": 6}, "parameter was missing"),
        ({"Status": 2, "StatusError": 0}, "format error"),
        ({"Status": 2, "StatusError": 4}, "internal error"),
        ({"Status": 4}, "either the account does not offer this status or the extension"),
        ({"Status": 3}, "either extension SIPSIP1 is not valid or a parameter was missing"),
        ({"Status": 5, "StatusError": 8}, "no organisational PIN code"),
        (None, "may not have changed"),
        ({"Status": 9, "StatusError": 9, "StatusErrorMessage": "Gremlins"}, "(Status 9,"),
    ],
)
def test_each_status_answer_gets_its_own_explanation(body, words):
    assert words in status_words(body).replace(FSI, "").replace(PDI, "")


def every_documented_status_answer() -> list[dict[str, object]]:
    """One answer per documented message of both tables, and per documented code alone."""
    bodies: list[dict[str, object]] = [
        {"Status": 1 if known[1] == "ok" else 4, "StatusErrorMessage": said}
        for said, known in MESSAGES.items()
    ]
    for status, table in ((4, LOGIN_ERRORS), (5, INITIATION_ERRORS)):
        bodies += [
            {"Status": status, "StatusError": str(error), "StatusErrorMessage": said}
            for error, (said, _known) in table.items()
        ]
    bodies += [{"Status": 2, "StatusError": error} for error in (0, 1, 4, 6)]
    bodies += [{"Status": 3}, {"Status": 3, "StatusError": 3}, {"Status": 4}, {"Status": 5}]
    return bodies


def test_every_documented_answer_has_words_of_its_own_in_english_and_hebrew():
    cases: dict[str, set[str]] = {}
    for body in every_documented_status_answer():
        answer = parse_status_answer(body)
        meaning = status_words(body).split(" Voicenter's words:")[0]
        with translation.override("he"):
            hebrew = status_message(answer, extension="SIPSIP1", status=3, name="Lunch")
        assert hebrew != status_words(body), body  # translated
        assert any("\u0590" <= c <= "\u05ff" for c in hebrew), body
        cases.setdefault(answer.case, set()).add(meaning)
    assert {case for case in get_args(StatusCase) if case not in NOT_ANSWERS} == set(cases)
    assert all(len(meanings) == 1 for meanings in cases.values())  # one meaning per case
    meanings = [next(iter(m)) for m in cases.values()]
    assert len(set(meanings)) == len(meanings)  # and no two cases share words


NOT_ANSWERS = {"not_json", "unreadable", "timeout", "network", "http_error"}


def test_voicenters_message_is_quoted_as_it_came_and_only_when_it_sent_one():
    said = status_words({"Status": 4, "StatusError": 1, "StatusErrorMessage": "Status not support"})
    assert f"“{FSI}Status not support{PDI}”" in said
    unsaid = status_words({"Status": 4, "StatusError": 1})
    assert "Status not support" not in unsaid
    assert "Voicenter's words" not in unsaid
    hebrew_body = {
        "Status": 4,
        "StatusError": 4,
        "StatusErroMessage": "Extension is already in use",
    }
    with translation.override("he"):
        hebrew = status_words(hebrew_body)
    assert f"{FSI}Extension is already in use{PDI}" in hebrew  # Voicenter's words, untranslated


def test_a_name_and_an_extension_keep_their_own_direction_in_the_sentence():
    answer = parse_status_answer({"Status": 4})
    with translation.override("he"):
        words = status_message(answer, extension="SIM0100", status=3, name="הפסקה")
    assert f"{FSI}SIM0100{PDI}" in words
    assert f"{FSI}הפסקה{PDI}" in words


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
