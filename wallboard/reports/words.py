"""Voicenter's call-record codes in words (the call log, its filter): the statuses and types its
API documentation lists (rev 3.2, "Call statuses", "Call types"), in a person's words, each
translated. The call log keeps the code itself beside the words (a title), for engineers. A code
not listed is shown as it came (the template escapes it, as any text).

- A status is read as the documentation writes them, in capitals: ``ANSWER``, ``ABANDONE``
  (no final D), ``VOEND``...; without case or the spaces around it (``answer`` is ``ANSWER``).
- A type is read without case and without spaces: the table lists ``Click2Call leg1``, the
  field's own example writes ``Click2Callleg1``, and both are the agent's leg of a Click2Call.
- Not worded: the types ``Scrubber`` and ``FaxCdr``, listed as "not released yet".
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

STATUS_WORDS: dict[str, Promise] = {
    "ANSWER": _("Answered"),
    "ABANDONE": _("Abandoned in the queue"),
    "NOANSWER": _("No answer"),
    "BUSY": _("Busy"),
    "CANCEL": _("Cancelled by the caller"),
    "VOEND": _("Hung up in the IVR"),
    "TE": _("Ended by the IVR"),
    "NOTDIALED": _("Not dialled"),
    "NOTCALLED": _("Not called"),
    "VOICEMAIL": _("Voicemail"),
    "CONGESTION": _("Congestion"),
    "CHANUNAVAIL": _("Line unavailable"),
    "INVALIDARGS": _("Dialling error"),
    "SSWPREAUTH": _("Cancelled before dialling"),
}

TYPE_WORDS: dict[str, Promise] = {
    "incoming call": _("Incoming"),
    "cc": _("Calling card"),
    "extension outgoing": _("Outgoing"),
    "queue": _("Queue"),
    "click2call leg1": _("Click2Call, the agent's leg"),
    "click2call leg2": _("Click2Call, the called party's leg"),
    "voicemail": _("Voicemail"),
    "callference": _("Conference"),
    "xfercdr": _("Transferred"),
    "productivecall leg1": _("Dialer, the agent's leg"),
    "productivecall leg2": _("Dialer, the called party's leg"),
    "click 2 ivr": _("Predictive dialer, the agent's leg"),
    "click 2 ivr incoming": _("Predictive dialer, the called party's leg"),
    "click 2 queue incoming": _("Predictive dialer through a queue"),
    "attended cdr leg1": _("Transfer with consultation, first leg"),
    "attended cdr leg2": _("Transfer with consultation, second leg"),
    "auto forward": _("Forwarded automatically"),
}


def status_words(code: str) -> str:
    """A status in words, in the active language; one not listed as it came."""
    found = STATUS_WORDS.get(code.strip().upper())
    return str(found) if found is not None else code


def type_words(code: str) -> str:
    """A type in words, in the active language; one not listed as it came."""
    found = _TYPES_SQUASHED.get(_squashed(code))
    return str(found) if found is not None else code


def _squashed(code: str) -> str:
    return "".join(code.lower().split())


_TYPES_SQUASHED: dict[str, Promise] = {_squashed(code): words for code, words in TYPE_WORDS.items()}


class Words:
    """The words of every listed code in the language active when made (:meth:`now`), for rows
    made later, outside the request (a download's rows, made while the file is sent)."""

    def __init__(self, statuses: dict[str, str], types: dict[str, str]) -> None:
        self._statuses = statuses
        self._types = types

    @classmethod
    def now(cls) -> Words:
        return cls(
            {code: str(words) for code, words in STATUS_WORDS.items()},
            {code: str(words) for code, words in _TYPES_SQUASHED.items()},
        )

    def status(self, code: str) -> str:
        """As :func:`status_words`."""
        return self._statuses.get(code.strip().upper(), code)

    def type(self, code: str) -> str:
        """As :func:`type_words`."""
        return self._types.get(_squashed(code), code)
