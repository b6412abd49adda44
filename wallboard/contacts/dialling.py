"""What may be dialled, in words: a number that is not one (``realtime.phones.BadNumber``), and
the toll-fraud policy (``realtime.phones.DialPolicy``) from the
settings, asked at import, when a number is saved in the admin and before every Click2Call.

Settings: ``CONTACTS_DIAL_COUNTRIES`` (default the account's country, ``CONTACTS_DEFAULT_REGION``:
any type there but the refused ones), ``CONTACTS_DIAL_ABROAD`` (default ``mobile,fixed,
fixed_or_mobile``: what other countries' numbers may be), ``CONTACTS_DIAL_REFUSED`` (default
``premium_rate``: refused everywhere). So by default Israeli numbers are called but 1-900 ones,
mobiles and fixed lines abroad too, and not ``+1 900``, ``+44 909``, satellites (``+881``,
``+882``) or international premium numbers (``+979``). Revenue-share fraud also uses ordinary
lines in countries where calls are dear: an account that calls few countries is safer listing
them (``CONTACTS_DIAL_COUNTRIES=IL,US,GB``) with ``CONTACTS_DIAL_ABROAD=none``.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from phonenumbers import geocoder

from realtime.phones import (
    NON_GEOGRAPHIC,
    REFUSED_TYPE,
    TYPES,
    BadNumber,
    DialPolicy,
    not_dialled,
    shown,
)


def number_problem(bad: BadNumber) -> str:
    """Why a text is not a phone number, for a person (the admin's form, the import's report)."""
    if bad.code == "empty":
        return _("the number is empty")
    if bad.code == "too_long":
        return _("%(number)s… is too long for a phone number") % {"number": bad.text}
    if bad.code == "not_a_number":
        return _("%(number)s is not a phone number") % {"number": repr(bad.text)}
    return _("%(number)s is not a valid phone number") % {"number": repr(bad.text)}


def policy() -> DialPolicy:
    return DialPolicy(
        home=frozenset(settings.CONTACTS_DIAL_COUNTRIES),
        abroad=frozenset(TYPES[name] for name in settings.CONTACTS_DIAL_ABROAD),
        refused=frozenset(TYPES[name] for name in settings.CONTACTS_DIAL_REFUSED),
    )


def type_words() -> dict[str, str]:
    return {
        "fixed": _("fixed-line"), "mobile": _("mobile"), "fixed_or_mobile": _("fixed or mobile"),
        "toll_free": _("toll-free"), "premium_rate": _("premium-rate"),
        "shared_cost": _("shared-cost"), "voip": _("VoIP"), "personal": _("personal"),
        "pager": _("pager"), "uan": _("universal access"), "voicemail": _("voicemail"),
        "unknown": _("unknown-type"),
    }  # fmt: skip


def why_not(e164: str) -> str | None:
    """None if ``e164`` may be dialled, else why not, for a person."""
    refused = not_dialled(e164, policy())
    if refused is None:
        return None
    number = shown(e164, settings.CONTACTS_DEFAULT_REGION)
    kind = type_words()[refused.type_name]
    if refused.reason == REFUSED_TYPE:
        return _("%(number)s: the wallboard does not call numbers of this kind (%(kind)s).") % {
            "number": number, "kind": kind,
        }  # fmt: skip
    if refused.region == NON_GEOGRAPHIC:
        return _(
            "%(number)s is a satellite or international-network number: the wallboard does not"
            " call those."
        ) % {"number": number}
    country = _country(refused.region)
    return _(
        "%(number)s is in %(country)s, a number of a kind (%(kind)s) the wallboard calls only at"
        " home: abroad, only the kinds its settings allow (CONTACTS_DIAL_ABROAD)."
    ) % {"number": number, "kind": kind, "country": country or refused.region}


def _country(region: str) -> str:
    """The country of ``region`` (an ISO code), in English, or ""; from the region's example
    number, so that it also names the country of a star number, which phonenumbers cannot
    read."""
    example = phonenumbers.example_number(region)
    return geocoder.country_name_for_number(example, "en") if example else ""
