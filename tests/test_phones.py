"""Phone numbers: normalised to E.164 with libphonenumber, Israel by default, shown and sent to
Voicenter as it expects."""

from __future__ import annotations

import pytest

from realtime.phones import (
    NON_GEOGRAPHIC,
    REFUSED_ABROAD,
    REFUSED_TYPE,
    TYPES,
    BadNumber,
    DialPolicy,
    digits,
    for_voicenter,
    key_of,
    normalise,
    not_dialled,
    shown,
)

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


@pytest.mark.parametrize("raw", ["*2700", "*9770", " *27 00 ", "*27-00", "2700*"])
def test_a_star_number_is_kept_as_the_star_and_its_four_digits(raw):
    number = "*9770" if "97" in raw else "*2700"
    assert normalise(raw) == number
    assert normalise(raw, "GB") == number  # Voicenter dials them whatever the home region
    assert key_of(raw) == number


@pytest.mark.parametrize("raw", ["*270", "*27000", "*0270", "**2700", "*27a0", "*2700*"])
def test_a_star_without_exactly_four_digits_is_not_a_star_number(raw):
    with pytest.raises(BadNumber):
        normalise(raw)


def test_a_star_number_is_shown_and_sent_to_voicenter_as_it_is():
    assert shown("*2700") == "*2700"
    assert for_voicenter("*2700") == "*2700"
    assert digits("*2700") == "2700"  # (found by the search as its digits)


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


# --- what may be dialled ------------------------------------------------------------------


DEFAULT = DialPolicy(
    home=frozenset({"IL"}),
    abroad=frozenset({TYPES["mobile"], TYPES["fixed"], TYPES["fixed_or_mobile"]}),
    refused=frozenset({TYPES["premium_rate"]}),
)


@pytest.mark.parametrize(
    ("raw", "reason", "region"),
    [
        ("1-900-72-12-34", REFUSED_TYPE, "IL"),  # premium rate at home too
        ("+1 900 555 0123", REFUSED_TYPE, "US"),
        ("+44 909 123 4567", REFUSED_TYPE, "GB"),
        ("+979 123 456 789", REFUSED_TYPE, NON_GEOGRAPHIC),  # international premium rate
        ("+882 16 123456", REFUSED_ABROAD, NON_GEOGRAPHIC),  # an international network
        ("+881 612 345678", REFUSED_ABROAD, NON_GEOGRAPHIC),  # a satellite phone (Iridium)
        ("+1 800 555 0199", REFUSED_ABROAD, "US"),  # toll-free abroad: not a mobile or a line
    ],
)
def test_toll_fraud_targets_are_not_dialled(raw, reason, region):
    refused = not_dialled(normalise(raw, "IL"), DEFAULT)
    assert refused is not None
    assert (refused.reason, refused.region) == (reason, region)


@pytest.mark.parametrize(
    "raw", ["050-723-4567", "03-123-4567", "1-700-50-50-50", "1-800-22-22-22", "+33 6 12 34 56 78"]
)
def test_numbers_at_home_and_mobiles_and_lines_abroad_are_dialled(raw):
    assert not_dialled(normalise(raw, "IL"), DEFAULT) is None


def test_a_region_of_no_country_may_be_made_home():
    satellites = DialPolicy(DEFAULT.home | {NON_GEOGRAPHIC}, DEFAULT.abroad, DEFAULT.refused)
    assert not_dialled(normalise("+881 612 345678", "IL"), satellites) is None
    assert not_dialled(normalise("+979 123 456 789", "IL"), satellites) is not None  # premium


def test_a_star_number_is_dialled_at_home_as_an_israeli_universal_access_number():
    assert not_dialled("*2700", DEFAULT) is None
    abroad = DialPolicy(frozenset({"US"}), DEFAULT.abroad, DEFAULT.refused)
    refused = not_dialled("*2700", abroad)
    assert refused is not None
    assert (refused.reason, refused.type_name, refused.region) == (REFUSED_ABROAD, "uan", "IL")
