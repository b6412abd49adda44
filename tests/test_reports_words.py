"""Voicenter's call-record codes in words (wallboard/reports/words.py): every status and type its
API documentation (rev 3.2) lists has words, in English and Hebrew; anything else as it came."""

from __future__ import annotations

import pytest
from django.utils import translation

from wallboard.reports.words import TYPE_WORDS, Words, status_words, type_words

pytestmark = pytest.mark.pure

#: "Call statuses", rev 3.2, as the documentation spells them.
DOCUMENTED_STATUSES = [
    "NOTDIALED", "ANSWER", "BUSY", "NOANSWER", "CANCEL", "ABANDONE", "VOEND", "TE", "NOTCALLED",
    "VOICEMAIL", "CONGESTION", "CHANUNAVAIL", "INVALIDARGS", "SSWPREAUTH",
]  # fmt: skip
#: "Call types", rev 3.2, as the table spells them (less the two "not released yet"), and the
#: field's own example, ``Click2Callleg1``.
DOCUMENTED_TYPES = [
    "Incoming Call", "CC", "Extension Outgoing", "Queue", "Click2Call leg1", "Click2Call leg2",
    "VoiceMail", "Callference", "XferCDR", "ProductiveCall Leg1", "ProductiveCall Leg2",
    "Click 2 IVR", "Click 2 IVR Incoming", "Click 2 Queue Incoming", "Attended CDR leg1",
    "Attended CDR leg2", "Auto forward", "Click2Callleg1",
]  # fmt: skip


def test_every_documented_status_and_type_has_words_in_hebrew():
    """A code passed through would read in Latin letters only."""
    with translation.override("he"):
        statuses = {code: status_words(code) for code in DOCUMENTED_STATUSES}
        types = {code: type_words(code) for code in DOCUMENTED_TYPES}
    for code, words in {**statuses, **types}.items():
        assert any("\u0590" <= c <= "\u05ff" for c in words), (code, words)
    assert len(set(statuses.values())) == len(statuses)  # no two statuses read alike


def test_every_documented_status_and_type_has_english_words_of_its_own():
    with translation.override("en"):
        statuses = {code: status_words(code) for code in DOCUMENTED_STATUSES}
        types = {code: type_words(code) for code in DOCUMENTED_TYPES}
    assert all(words != code for code, words in statuses.items()), statuses
    assert all(words != code for code, words in types.items() if code != "Queue"), types
    assert types["Queue"] == "Queue"  # the one whose word is its code
    assert len(set(statuses.values())) == len(statuses)


def test_the_words_for_the_common_statuses_are_a_persons():
    with translation.override("en"):
        assert status_words("ABANDONE") == "Abandoned in the queue"
        assert status_words("ANSWER") == "Answered"
        assert status_words("NOANSWER") == "No answer"
        assert status_words("BUSY") == "Busy"
        assert status_words("VOICEMAIL") == "Voicemail"
    with translation.override("he"):
        assert status_words("ABANDONE") == "ננטשה בתור"
        assert status_words("ANSWER") == "נענתה"


def test_a_status_is_read_in_any_case_and_a_type_without_case_or_spaces():
    with translation.override("en"):
        assert status_words(" answer ") == "Answered"
        agents_leg = "Click2Call, the agent's leg"
        assert type_words("click2call LEG1") == type_words("Click2Callleg1") == agents_leg
        assert type_words("Click2IVR") == type_words("Click 2 IVR")


def test_no_two_documented_types_read_as_one_code_without_spaces():
    squashed = {"".join(code.lower().split()) for code in TYPE_WORDS}
    assert len(squashed) == len(TYPE_WORDS)


def test_a_code_not_listed_is_shown_as_it_came():
    assert status_words("NEWTHING") == "NEWTHING"
    assert status_words(" odd ") == " odd "
    assert type_words("Scrubber") == "Scrubber"
    assert type_words("") == status_words("") == ""


def test_words_made_now_keep_their_language_for_rows_made_later():
    """A download's rows are made while the file is sent, outside the request's language."""
    with translation.override("he"):
        hebrew = Words.now()
        expected = [status_words(code) for code in DOCUMENTED_STATUSES]
        types = [type_words(code) for code in DOCUMENTED_TYPES]
    with translation.override("en"):
        assert [hebrew.status(code) for code in DOCUMENTED_STATUSES] == expected
        assert [hebrew.type(code) for code in DOCUMENTED_TYPES] == types
        assert hebrew.status(" abandone ") == "ננטשה בתור"
        assert hebrew.status("NEWSTATUS") == "NEWSTATUS"  # one not listed, as it came
        assert hebrew.type(" Click2Call  Leg1") == "Click2Call, הצד של הנציג"
