"""Phone numbers: validated and normalised with ``phonenumbers`` (Google's libphonenumber).

Stored as E.164 (``+972501234567``); shown in the national format of the default region
(``050-123-4567``) or the international one; sent to Voicenter as it asks (Click2Call: "E164
format, but without the leading plus sign; if the phone is Israeli, format can be 0*****
too"): national digits for the default region, E.164 digits otherwise. Numbers without a
country code are read in ``CONTACTS_DEFAULT_REGION`` (Israel by default). Pure (no Django, no
I/O): the contacts pages and the worker (which names the callers, ``realtime.contacts``) share
it.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

#: Longest input read as a phone number (the longest E.164 number is 15 digits; room for
#: spaces, dashes, brackets and a label-free extension).
MAX_INPUT = 40


class BadNumber(ValueError):
    """Not a valid phone number; the text says why, for a person."""


def normalise(raw: str, region: str = "IL") -> str:
    """``raw`` as E.164, or :class:`BadNumber`."""
    text = raw.strip()
    if not text:
        raise BadNumber("the number is empty")
    if len(text) > MAX_INPUT:
        raise BadNumber(f"{text[:MAX_INPUT]}… is too long for a phone number")
    try:
        parsed = phonenumbers.parse(text, region)
    except NumberParseException:
        raise BadNumber(f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise BadNumber(f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def shown(e164: str, region: str = "IL") -> str:
    """How a person reads it: national format at home, international abroad."""
    parsed = phonenumbers.parse(e164, None)
    home = phonenumbers.region_code_for_number(parsed) == region
    return phonenumbers.format_number(
        parsed, PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    )


def for_voicenter(e164: str, region: str = "IL") -> str:
    """Click2Call's ``target``: national digits (``0501234567``) at home, else E.164 digits."""
    parsed = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(parsed) == region:
        national = phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return e164.lstrip("+")


@lru_cache(maxsize=65_536)
def key_of(raw: str, region: str = "IL") -> str | None:
    """``raw`` as E.164 if it can be a phone number, or None: the directory's key. Looser than
    :func:`normalise` (possible, not necessarily valid: a caller's number is whatever the
    network sent) and cached (the same callers' numbers come back in event after event, and
    parsing one costs tens of microseconds)."""
    text = raw.strip()
    if not text or len(text) > MAX_INPUT:
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def digits(raw: str) -> str:
    """Just the digits (for searching)."""
    return "".join(ch for ch in raw if ch.isdigit())
