"""What Voicenter answered, in the words a person reads (translatable).

The realtime core reads Voicenter's answers into codes and values (``realtime/voicenter/rest.py``:
:class:`StatusAnswer`, :class:`CallAnswer`, :class:`RestRefused`; ``realtime/voicenter/cdr.py``:
:class:`CallLogRefused`) and may not import Django, so it cannot word them in a person's
language: the views and the commands call these functions for the message they show. What
Voicenter itself said (``said``, the audit log's ``voicenter_said``) stays as it came; the
documented messages quoted in brackets ("Authorization Failed"...) are Voicenter's own words
too, so that a person can tell Voicenter's support what it answered.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from realtime.voicenter.cdr import (
    ERR_AUTHORIZATION,
    ERR_RATE_LIMIT,
    ERR_TOO_MANY,
    ERR_UNTRUSTED_IP,
    CallLogRefused,
)
from realtime.voicenter.rest import CallAnswer, RestRefused, StatusAnswer


def status_message(answer: StatusAnswer, *, extension: str, status: int, name: str) -> str:
    """What the person who asked for status ``status`` (named ``name``) of ``extension`` reads."""
    case, detail = answer.case, answer.detail
    if case == "ok":
        return _("%(name)s: done.") % {"name": name}
    if case == "timeout":
        return _(
            "Voicenter did not answer within %(seconds)s s. The change may still happen: the card"
            " shows what Voicenter reports."
        ) % {"seconds": detail}
    if case in ("network", "http_error"):
        return _unanswered(case, detail)
    if case == "not_json":
        return _(
            "Voicenter's answer could not be read (it was not JSON); the status may not have"
            " changed."
        )
    if case == "authorization_failed":
        return _(
            "Voicenter refused the request (Authorization Failed): the wallboard's API code or"
            " this agent's Voicenter user id is wrong. Ask an administrator to check them."
        )
    if case == "phone_error":
        return _(
            "Voicenter says the extension is missing (Phone error). Check the agent's profile."
        )
    if case == "status_not_supported":
        return _(
            "Voicenter does not offer the status %(name)s (%(status)s) on this account (Status"
            " not support). An administrator can hide it in the wallboard's status list."
        ) % {"name": name, "status": status}
    if case == "in_use":
        return _(
            "Extension %(extension)s is already in use by another user (Extension is already in"
            " use): they must log out of it first."
        ) % {"extension": extension}
    if case == "no_extension":
        return _(
            "Voicenter has no extension %(extension)s (No extension found). Check the agent's"
            " profile."
        ) % {"extension": extension}
    if case == "error_on_update":
        return _("Voicenter could not save the change (Error on update). Try again in a moment.")
    if case == "missing_parameters":
        return _(
            "Voicenter says a parameter was missing: the agent's profile needs a Voicenter user"
            " id and an extension."
        )
    if case == "format_error":
        return _("Voicenter could not read the request (format error); the status did not change.")
    if case == "internal_error":
        return _(
            "Voicenter had an internal error; the status did not change. Try again in a moment."
        )
    return _(
        "Voicenter answered something the wallboard does not know (%(said)s); the status may not"
        " have changed."
    ) % {"said": detail or answer.said}


def call_message(answer: CallAnswer, *, hang_up: bool) -> str:
    """What the person who asked for a Click2Call call (or, ``hang_up``, its end) reads."""
    reason, detail = answer.reason, answer.detail
    if reason == "ok":
        if hang_up:
            return _("Hung up.")
        return _("Calling: your phone rings first; answer it and Voicenter calls the number.")
    if reason == "timeout":
        return _("Voicenter did not answer within %(seconds)s s; the call may still start.") % {
            "seconds": detail
        }
    if reason in ("network", "http_error"):
        return _unanswered(reason, detail)
    if reason == "not_json":
        return _("Voicenter's answer could not be read; the call may not have started.")
    if reason == "bad_parameters":
        return _(
            "Voicenter refused the call's details (%(said)s): check the number and your extension."
        ) % {"said": detail}
    if reason == "voicenter_error":
        return _("Voicenter had an application error. Try again in a moment.")
    if reason == "offline":
        return _("Your extension is offline: sign in to your phone or softphone, then call again.")
    if reason == "blocked":
        return _(
            "This extension may not make Click2Call calls (Voicenter blocks it; an administrator"
            " can allow it in Voicenter's CPanel)."
        )
    return _("Voicenter answered something the wallboard does not know (%(said)s).") % {
        "said": detail or answer.said
    }


def _unanswered(kind: str, detail: str) -> str:
    """Voicenter could not be reached, or answered with an HTTP error (any REST call)."""
    if kind == "network":
        return _("Voicenter could not be reached (network error). Try again in a moment.")
    return _("Voicenter answered with HTTP error %(status)s. Try again in a moment.") % {
        "status": detail
    }


def extensions_refusal(refused: RestRefused) -> str:
    """Why GetExtensions' answer cannot be used (``import_extensions``)."""
    if refused.code == "refused":
        return _("Voicenter refused the extension list (%(said)s): check VOICENTER_API_CODE") % {
            "said": refused.detail
        }
    if refused.code == "no_list":
        return _("Voicenter's answer has no EXTENSIONS list")
    if refused.code == "no_account":
        return _(
            "Voicenter answered the extension list with an empty array ([]), its answer to an"
            " API code that matches no account: check VOICENTER_API_CODE (the organisation's"
            " API code, from Voicenter)"
        )
    if refused.code == "empty_list":
        return _(
            "Voicenter sent an empty extension list, which is its answer to a code that matches"
            " no account: check VOICENTER_API_CODE"
        )
    if refused.code == "http_error":
        return _("Voicenter answered the extension list with HTTP %(status)s") % {
            "status": refused.detail
        }
    return _("Voicenter's answer is not a JSON object")


def call_log_refusal(refused: CallLogRefused) -> str:
    """Why the Call log API's answer cannot be used (``backfill_cdr``)."""
    if refused.code == "not_json":
        return _("Voicenter's call log answer is not a JSON object")
    if refused.code == "no_list":
        return _("Voicenter's call log answer has no CDR_LIST list")
    if refused.code == "http_error":
        return _("Voicenter answered the call log with HTTP %(status)s") % {
            "status": refused.detail
        }
    meanings = {
        ERR_RATE_LIMIT: _("Voicenter's request limit is exceeded: try again later"),
        ERR_AUTHORIZATION: _(
            "Voicenter refused the API code (authorization failed): check VOICENTER_API_CODE"
        ),
        ERR_TOO_MANY: _("too many records for one request"),
        ERR_UNTRUSTED_IP: _(
            "Voicenter does not trust this server's IP address: ask Voicenter to allow it"
        ),
    }
    if refused.err is None:
        meaning = _("an unreadable answer")
    else:
        meaning = meanings.get(refused.err, _("Voicenter refused the request"))
    # (ERROR_NUMBER and Voicenter's description, as it came)
    return f"{meaning} ({refused.detail})"
