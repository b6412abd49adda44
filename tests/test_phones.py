"""Phone numbers: normalised to E.164 with libphonenumber, Israel by default, shown and sent to
Voicenter as it expects."""

from __future__ import annotations

import pytest

from realtime.phones import BadNumber, digits, for_voicenter, normalise, shown

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("050-723-4567", "+972507234567"),
        ("0507234567", "+972507234567"),
        ("+972 50 723 4567", "+972507234567"),
        ("972507234567", "+972507234567"),
        ("(03) 555-1234", "+97235551234"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_are_normalised_to_e164_with_israel_as_home(raw, e164):
    assert normalise(raw) == e164


@pytest.mark.parametrize("raw", ["", "   ", "abc", "12", "050-123", "+999 123", "1" * 50])
def test_what_is_not_a_phone_number_is_refused_with_a_reason(raw):
    with pytest.raises(BadNumber):
        normalise(raw)


def test_another_home_region_reads_local_numbers_there():
    assert normalise("020 7946 0958", "GB") == "+442079460958"


def test_voicenter_gets_national_digits_at_home_and_e164_digits_abroad():
    assert for_voicenter("+972507234567") == "0507234567"
    assert for_voicenter("+442079460958") == "442079460958"


def test_people_read_national_at_home_and_international_abroad():
    assert shown("+972507234567") == "050-723-4567"
    assert shown("+442079460958").startswith("+44 20")


def test_digits_keeps_only_digits():
    assert digits("+972 (50) 723-4567") == "972507234567"
