"""Phone numbers: validated and normalised with ``phonenumbers`` (Google's libphonenumber).

Stored as E.164 (``+972501234567``); shown in the national format of the default region
(``050-123-4567``) or the international one; sent to Voicenter as it asks (Click2Call: "E164
format, but without the leading plus sign; if the phone is Israeli, format can be 0*****
too"): national digits for the default region, E.164 digits otherwise. Numbers without a
country code are read in ``CONTACTS_DEFAULT_REGION`` (Israel by default). Pure (no Django, no
I/O): the contacts pages and the worker (which names the callers, ``realtime.contacts``) share
it.

Star numbers (Israel's business short numbers, ``*2700``, ``*9770``: a star and four digits, the
first not 0) are not E.164 and libphonenumber does not know them; Voicenter dials them from any
of its (Israeli) accounts. They are stored, shown and sent to Voicenter as the star and the
digits (``*2700``), read from ``*2700``, ``* 27-00``, or ``2700*`` as a right-to-left line puts
it, and count as Israeli universal access numbers (``uan``) for what may be dialled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

#: Longest input read as a phone number (the longest E.164 number is 15 digits; room for
#: spaces, dashes, brackets and a label-free extension).
MAX_INPUT = 40


#: A star number as people write it, once spaces and dashes are gone: ``*2700`` (or ``2700*``).
STAR = re.compile(r"\*([1-9][0-9]{3})|([1-9][0-9]{3})\*")
#: The region and the number type star numbers count as (:func:`not_dialled`).
STAR_REGION, STAR_TYPE = "IL", "uan"


def star(raw: str) -> str | None:
    """``raw`` as a star number (``*2700``) if it is one, else None."""
    found = STAR.fullmatch(raw.strip().replace(" ", "").replace("-", ""))
    return "*" + (found.group(1) or found.group(2)) if found else None


def is_star(number: str) -> bool:
    """Whether a stored number is a star number (stored ones begin with ``*`` or ``+``)."""
    return number.startswith("*")


#: Why a text is not a valid phone number (:class:`BadNumber`).
BadNumberCode = Literal["empty", "too_long", "not_a_number", "not_valid"]


class BadNumber(ValueError):
    """Not a valid phone number: ``code`` says why, ``text`` is what was read (cut to
    ``MAX_INPUT`` characters); the words a person reads are made by the web side
    (``wallboard.contacts.dialling.number_problem``)."""

    def __init__(self, code: BadNumberCode, text: str = "") -> None:
        super().__init__(f"{code}: {text!r}")
        self.code: BadNumberCode = code
        self.text = text


def normalise(raw: str, region: str = "IL") -> str:
    """``raw`` as E.164 (or a star number, ``*2700``), or :class:`BadNumber`."""
    text = raw.strip()
    if not text:
        raise BadNumber("empty")
    if len(text) > MAX_INPUT:
        raise BadNumber("too_long", text[:MAX_INPUT])
    short = star(text)
    if short:
        return short
    try:
        parsed = phonenumbers.parse(text, region)
    except NumberParseException:
        raise BadNumber("not_a_number", text) from None
    if not phonenumbers.is_valid_number(parsed):
        raise BadNumber("not_valid", text)
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def shown(e164: str, region: str = "IL") -> str:
    """How a person reads it: national format at home, international abroad; a star number
    as it is."""
    if is_star(e164):
        return e164
    parsed = phonenumbers.parse(e164, None)
    home = phonenumbers.region_code_for_number(parsed) == region
    return phonenumbers.format_number(
        parsed, PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    )


def for_voicenter(e164: str, region: str = "IL") -> str:
    """Click2Call's ``target``: national digits (``0501234567``) at home, else E.164 digits; a
    star number with its star (``*2700``)."""
    if is_star(e164):
        return e164
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
    parsing one costs tens of microseconds). A star number is its own key (``*2700``)."""
    text = raw.strip()
    if not text or len(text) > MAX_INPUT:
        return None
    short = star(text)
    if short:
        return short
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


# --- what may be dialled (toll fraud) ------------------------------------------------------

#: phonenumbers' number types by the names the settings use.
TYPES: dict[str, int] = {
    "fixed": phonenumbers.PhoneNumberType.FIXED_LINE,
    "mobile": phonenumbers.PhoneNumberType.MOBILE,
    "fixed_or_mobile": phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    "toll_free": phonenumbers.PhoneNumberType.TOLL_FREE,
    "premium_rate": phonenumbers.PhoneNumberType.PREMIUM_RATE,
    "shared_cost": phonenumbers.PhoneNumberType.SHARED_COST,
    "voip": phonenumbers.PhoneNumberType.VOIP,
    "personal": phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    "pager": phonenumbers.PhoneNumberType.PAGER,
    "uan": phonenumbers.PhoneNumberType.UAN,
    "voicemail": phonenumbers.PhoneNumberType.VOICEMAIL,
    "unknown": phonenumbers.PhoneNumberType.UNKNOWN,
}
#: The region phonenumbers gives numbers of no country: international networks and
#: satellites (+881, +882, +883, +870) and international premium-rate services (+979).
NON_GEOGRAPHIC = "001"


@dataclass(frozen=True)
class DialPolicy:
    """Which numbers may be dialled (Click2Call makes calls the account pays for, so a number
    that costs by the minute is a toll-fraud target):

    - ``refused``: number types refused wherever they are (default: premium rate);
    - ``home``: regions (ISO codes, ``001`` for numbers of no country) where any other type
      may be dialled (default: the account's own country);
    - ``abroad``: the types that may be dialled in every other country (default: mobiles
      and fixed lines); numbers of no country (satellites, international networks) only if
      ``001`` is a home region.
    """

    home: frozenset[str]
    abroad: frozenset[int]
    refused: frozenset[int]


#: Why a number may not be dialled (the words are the caller's): its type is refused, or
#: it is abroad and not of a type allowed there (its region in ``detail``).
REFUSED_TYPE, REFUSED_ABROAD = "refused_type", "refused_abroad"


@dataclass(frozen=True)
class NotDialled:
    reason: str  # REFUSED_TYPE or REFUSED_ABROAD
    type_name: str  # a key of TYPES
    region: str  # ISO code, or NON_GEOGRAPHIC


def not_dialled(e164: str, policy: DialPolicy) -> NotDialled | None:
    """None if ``e164`` may be dialled under ``policy``, else why not (a star number: an
    Israeli universal access number)."""
    if is_star(e164):
        kind, region = TYPES[STAR_TYPE], STAR_REGION
    else:
        parsed = phonenumbers.parse(e164, None)
        kind = phonenumbers.number_type(parsed)
        region = phonenumbers.region_code_for_number(parsed) or NON_GEOGRAPHIC
    name = next((n for n, t in TYPES.items() if t == kind), "unknown")
    if kind in policy.refused:
        return NotDialled(REFUSED_TYPE, name, region)
    if region not in policy.home and (region == NON_GEOGRAPHIC or kind not in policy.abroad):
        return NotDialled(REFUSED_ABROAD, name, region)
    return None
