"""How Voicenter's JSON is read: case-insensitive keys, lenient numbers, capped text."""

from __future__ import annotations

import math

import pytest

from realtime.voicenter.fields import (
    MAX_TEXT,
    Bad,
    ci,
    error_code,
    first,
    integer,
    listed,
    number,
    obj,
    text,
)

pytestmark = pytest.mark.pure


def test_keys_are_lower_cased_and_non_string_keys_dropped():
    assert ci({"IvrUniqueID": 1, "callerID": 2, 3: "x"}) == {"ivruniqueid": 1, "callerid": 2}
    assert obj({"QueueID": 5}) == {"queueid": 5}
    assert obj([("QueueID", 5)]) is None
    assert obj("x") is None


def test_known_and_new_keys_read_alike_and_the_memo_keeps_short_keys_up_to_its_bound(
    monkeypatch,
):
    from realtime.voicenter import fields

    monkeypatch.setattr(fields, "_LOWER", {})
    monkeypatch.setattr(fields, "_LOWER_MAX", 3)
    raw = {"IvrUniqueID": 1, "CallerID": 2}
    assert ci(raw) == ci(raw) == {"ivruniqueid": 1, "callerid": 2}  # new keys, then known ones
    assert ci({"CallerID": 3, 4: "x"}) == {"callerid": 3}  # a known key beside a non-string one
    many = {f"Key{n}": n for n in range(10)}
    assert ci(many) == {f"key{n}": n for n in range(10)}  # past the memo's bound: still right
    assert len(fields._LOWER) == 3
    monkeypatch.setattr(fields, "_LOWER", {})
    long_key = "K" * (fields._LOWER_KEY_MAX + 1)
    assert ci({long_key: 1}) == {long_key.lower(): 1}
    assert fields._LOWER == {}  # a long key is read, not kept


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(7, 7), (7.0, 7), (" 12 ", 12), ("1.5", None), (True, None), (math.inf, None), (None, None)],
)
def test_integers_come_as_numbers_or_strings_and_nothing_else(raw, expected):
    assert integer(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1.5, 1.5), ("1.5", 1.5), ("1700000000", 1_700_000_000), ("nan", None), ("x", None)],
)
def test_numbers_are_finite_or_unknown(raw, expected):
    assert number(raw) == expected


def test_text_is_capped_and_never_a_container():
    assert text("x" * 10_000) == "x" * MAX_TEXT
    assert (text(5), text(None), text(True), text({"a": 1})) == ("5", "", "", "")


def test_first_skips_missing_and_empty_values():
    assert first({"a": "", "b": None, "c": 0}, "a", "b", "c") == 0
    assert first({}, "a") is None


def test_listed_refuses_what_is_not_a_list():
    assert listed({"calls": []}, "calls", "calls") == []
    with pytest.raises(Bad, match="queues is missing or not a list"):
        listed({"queues": {}}, "queues", "queues")


@pytest.mark.parametrize(
    ("raw", "code"), [(None, 0), ("", 0), (0, 0), ("0", 0), (3, 3), ("7", 7), ("bad", -1)]
)
def test_error_code_absent_or_zero_is_fine_and_unreadable_is_an_error(raw, code):
    assert error_code({} if raw is None else {"errorcode": raw}) == code
