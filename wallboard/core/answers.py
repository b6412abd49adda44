"""What Voicenter answered, in the words a person reads (translatable).

The realtime core reads Voicenter's answers into codes and values (``realtime/voicenter/rest.py``:
:class:`StatusAnswer`, :class:`CallAnswer`, :class:`RestRefused`; ``realtime/voicenter/cdr.py``:
:class:`CallLogRefused`) and may not import Django, so it cannot word them in a person's
language: the views and the commands call these functions for the message they show. What
Voicenter itself said (``said``, the audit log's ``voicenter_said``) stays as it came. A status
change's answer is worded by what it means, then Voicenter's own message is quoted when it sent
one, so that a person can tell Voicenter's support what it answered; a message Voicenter did
not send is never quoted (Status 4 without one is "not supported *or* an invalid extension").
Names, extensions and Voicenter's words are direction-isolated (FSI ... PDI) in the sentence.
"""

from __future__ import annotations

from collections.abc import Callable

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
    """What the person who asked for status ``status`` (named ``name``) of ``extension`` reads:
    the answer's meaning, then Voicenter's own message when it sent one (quoted as it came,
    never one it did not send)."""
    if answer.case == "ok":
        return _("%(name)s: done.") % {"name": name}
    meaning = _status_meaning(answer, extension=extension, status=status, name=name)
    if not answer.message or answer.case == "unreadable":  # (an unknown answer quotes it all)
        return meaning
    quoted = _("Voicenter's words: “%(said)s”.") % {"said": _isolated(answer.message)}
    return f"{meaning} {quoted}"


def _status_meaning(answer: StatusAnswer, *, extension: str, status: int, name: str) -> str:
    case, detail = answer.case, answer.detail
    values = {"extension": _isolated(extension), "status": status, "name": _isolated(name)}
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
    if case in _STATUS_WORDS:
        return _STATUS_WORDS[case]() % values
    return _(
        "Voicenter answered something the wallboard does not know (%(said)s); the status may not"
        " have changed."
    ) % {"said": detail or answer.said}


#: Each documented answer's meaning (``realtime/voicenter/rest.py``), with the placeholders
#: ``extension``, ``status`` (its code) and ``name`` (its name); made when asked, so that each
#: is in the language of the person who reads it.
_STATUS_WORDS: dict[str, Callable[[], str]] = {
    # the English (and Hebrew) Login/Logout page's messages
    "authorization_failed": lambda: _(
        "Voicenter refused the request: the wallboard's API code or this agent's Voicenter user"
        " id is wrong or missing. Ask an administrator to check them."
    ),
    "phone_error": lambda: _(
        "Voicenter says the extension is missing from the request. Check the agent's profile."
    ),
    "status_not_supported": lambda: _(
        "Voicenter does not offer the status %(name)s (%(status)s) on this account. An"
        " administrator can hide it in the wallboard's status list."
    ),
    "in_use": lambda: _(
        "Extension %(extension)s is already in use by another user: they must log out of it first."
    ),
    "no_extension": lambda: _(
        "Voicenter has no extension %(extension)s. Check the agent's profile."
    ),
    "error_on_update": lambda: _(
        "Voicenter could not save the change (an error on its side). Try again in a moment."
    ),
    # the codes, where no message tells more
    "status_or_extension": lambda: _(
        "Voicenter refused the status %(name)s (%(status)s) for extension %(extension)s: either"
        " the account does not offer this status or the extension is not valid, and its answer"
        " does not say which. Check the agent's profile and the wallboard's status list."
    ),
    "extension_or_parameters": lambda: _(
        "Voicenter refused the request: either extension %(extension)s is not valid or a"
        " parameter was missing, and its answer does not say which. Check the agent's profile"
        " (Voicenter user id and extension)."
    ),
    "missing_parameters": lambda: _(
        "Voicenter says a parameter was missing: the agent's profile needs a Voicenter user"
        " id and an extension."
    ),
    "format_error": lambda: _(
        "Voicenter could not read the request (format error); the status did not change."
    ),
    "internal_error": lambda: _(
        "Voicenter had an internal error; the status did not change. Try again in a moment."
    ),
    # rev 3.2's login errors (Status 4)
    "status_changed": lambda: _(
        "Voicenter says the status changed, yet answered with a login error: the card shows"
        " what Voicenter reports."
    ),
    "hour_log_error": lambda: _(
        "Voicenter could not log the agent's working hours (a login error); the status may not"
        " have changed. Try again in a moment."
    ),
    "queue_registration_error": lambda: _(
        "Voicenter could not register the agent in their queues (a login error); the status"
        " may not have changed. Try again in a moment."
    ),
    "other_extension": lambda: _(
        "This agent is already logged in with another extension: log out of it first, or"
        " change the status there."
    ),
    # rev 3.2's initiation errors (Status 5)
    "choose_extension": lambda: _(
        "Voicenter asks for an extension to be chosen: check that the agent's profile names"
        " extension %(extension)s."
    ),
    "logged_in": lambda: _(
        "Voicenter says the agent logged in, yet answered with an initiation error: the card"
        " shows what Voicenter reports."
    ),
    "not_logged_in": lambda: _(
        "Voicenter says the agent is not logged in (an initiation error); the status did not"
        " change."
    ),
    "wrong_credentials": lambda: _(
        "Voicenter refused the agent's Voicenter user (wrong username or password). Ask an"
        " administrator to check the agent's Voicenter user id."
    ),
    "user_problem": lambda: _(
        "Voicenter reports a problem with this agent's Voicenter user: ask Voicenter's support."
    ),
    "unexpected_error": lambda: _(
        "Voicenter had an unexpected error; the status may not have changed. Try again in a moment."
    ),
    "no_extension_monitor": lambda: _(
        "Voicenter has no monitor for extension %(extension)s (an initiation error): ask"
        " Voicenter's support."
    ),
    "no_pin_code": lambda: _(
        "This agent's Voicenter user has no organisational PIN code: an administrator must set"
        " one in Voicenter's CPanel."
    ),
    "initiation_error": lambda: _(
        "Voicenter answered with an initiation error; the status may not have changed."
    ),
}


def _isolated(text: str) -> str:
    """``text`` (a name, an extension, Voicenter's words) between FSI and PDI: it keeps its own
    direction inside a sentence of the other one."""
    return f"\u2068{text}\u2069"


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
