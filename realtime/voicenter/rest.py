"""Voicenter's REST APIs: request and answer formats, and what each answer means to a person.

Pure: no I/O. The HTTP calls are made by :mod:`realtime.voicenter.client`; every REST call is
authenticated by the organisation's API ``Code`` (``VOICENTER_API_CODE``), a secret that never
appears in anything this module returns. ``docs/voicenter.md#rest-apis`` links Voicenter's pages.

SetStatusFromAPI (the Login/Logout API)
=======================================

``POST https://api.voicenter.com/UserLogin/SetStatusFromAPI`` with a JSON body::

    {"Code": "XXXXXXXXXX", "UserId": "123456789", "ExtensionUser": "sipsip", "Status": 1}

``UserId`` is the agent's Voicenter user id, ``ExtensionUser`` the extension's SIP user and
``Status`` one of :data:`STATUS_CODES` (accounts rename them in Voicenter's CPanel). Voicenter
answers (HTTP 200 whatever the outcome)::

    {"Status": 1, "StatusError": 1, "StatusErrorMessage": "OK"}

- ``Status``: 1 ok; 2 the Code or UserId is invalid; 3 the extension is invalid; 4 the status
  is not supported (or the ExtensionUser is invalid).
- ``StatusError``: 0 the request's format is wrong; 1 ok; 3 the extension is invalid (Hebrew
  page only); 4 internal error; 6 missing parameters.
- The message field is ``StatusErrorMessage`` on the English page and ``StatusErroMessage`` on
  the Hebrew one (both are read): ``OK``, ``Authorization Failed``, ``Phone error.``,
  ``Status not support``, ``Extension is already in use``, ``No extension found``,
  ``Error on update``.

Success is ``Status`` 1 with ``StatusError`` 1 (or absent). The change itself then arrives on
the realtime socket as an ``ExtensionEvent`` with reason ``userStatusUpdate``.
:func:`parse_status_answer` reads the message first (it is the most specific), then
``StatusError``, then ``Status``, into a :class:`StatusAnswer` whose ``message`` a person
understands; :func:`status_failure` does the same for a timeout, a network error or an HTTP
error, which never reach the answer parser.

Click2Call
==========

``POST https://api.voicenter.com/ForwardDialer/click2call.aspx`` (form fields; older pages:
``api.voicenter.co.il/forwardDialer/...``)::

    code=XXXXXXXXXX&phone=SIPSIP1&target=0501234567&action=call&format=JSON
    &checkphonedevicestate=true[&record=true][&targetcallerid=0722776772]

``phone`` is leg 1 (the agent's extension: it rings first), ``target`` leg 2 (the number to
call, national ``0...`` for Israel or E.164 without the ``+``); ``checkphonedevicestate``
blocks the call when the extension is offline. ``action=terminate`` with ``phone`` hangs up the
extension's call. The answer (``format=JSON``; XML-RPC ``methodResponse`` otherwise, read too)::

    {"ERRORCODE": 0, "ERRORMESSAGE": "OK", "CALLID": "sdfsdfsdfsdfsdfsdfsdfsdfsdf0brp"}

``ERRORCODE``: 0 OK, 1 invalid request parameters, 2 application error, 3 the extension's
representative is offline, 4 the extension is blocked for Click2Call. ``CALLID`` (32
characters, empty on failure) names the call; the realtime events then show it on the agent's
extension with direction ``Click2Call``: leg 1 ringing the agent's phone, then leg 2 calling
the target, then talking. :func:`parse_click2call_answer` -> :class:`CallAnswer`.

GetExtensions (the organisational extension list)
=================================================

``POST https://monitor.voicenter.co.il/Comet/api/GetExtensions`` with
``{"code": "XXXXXXXXXX", "showAll": 1}`` (1: the whole organisation; 0: the code's own
account). The answer::

    {"ERR": 0, "DESC": "OK",
     "EXTENSIONS": [{"SIP": "SIPSIP1", "Name": "Extension 1", "SpeedDial": "11",
                     "AccountID": 12345678, "AccountName": "Voicenter Account",
                     "UserName": "John Doe", "UserEmail": "john@example.com"}]}

``ERR`` 1 / ``DESC`` "Unauthorized" is a malformed code; **a well-formed code that matches no
account answers ERR 0 with an empty list**, so :func:`parse_extensions` refuses an empty list
too (:class:`RestRefused`). Rows without a SIP user are skipped and counted. The list carries no
Voicenter user id: the realtime ``AllExtensionsStatus`` does (``userID``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from xml.etree import ElementTree

from realtime.voicenter.fields import ci, first, integer, obj, text

#: Voicenter's status codes and default names (Login/Logout API page); the account may rename
#: them. The same table names the realtime ``representativeStatus`` (realtime.voicenter.wire).
STATUS_CODES: Mapping[int, str] = {
    1: "Login",
    2: "Logout",
    3: "Lunch",
    5: "Administrative",
    7: "Private",
    9: "Other",
    11: "Training",
    12: "Team meeting",
    13: "Brief",
}

Reason = Literal[
    "ok",
    "unauthorized",
    "in_use",
    "no_extension",
    "status_not_supported",
    "missing_parameters",
    "format_error",
    "voicenter_error",
    "not_json",
    "unreadable",
    "timeout",
    "network",
    "http_error",
]


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    """What became of a status change: ``message`` is for the person who asked; ``said`` is
    Voicenter's own answer in brief (for the audit log); neither holds the API code."""

    ok: bool
    reason: Reason
    message: str
    said: str


class RestRefused(Exception):
    """Voicenter refused a REST call or answered something we cannot use; the text is for a
    person and never holds the API code."""


def status_request(code: str, user_id: str, extension: str, status: int) -> dict[str, object]:
    """The JSON body of ``SetStatusFromAPI`` (``Status`` is an integer, the rest strings)."""
    return {"Code": code, "UserId": str(user_id), "ExtensionUser": extension, "Status": status}


def parse_status_answer(
    body: object, *, extension: str, status: int, status_name: str
) -> StatusAnswer:
    """Voicenter's answer to ``SetStatusFromAPI`` -> :class:`StatusAnswer` (never raises).

    ``extension``, ``status`` and ``status_name`` are what was asked, for the message."""
    if not isinstance(body, Mapping):
        return _answer(
            "not_json",
            "Voicenter's answer could not be read (it was not JSON); the status may not have"
            " changed.",
            "not JSON",
        )
    top = ci(body)
    code = integer(top.get("status"))
    error = integer(top.get("statuserror"))
    said_text = text(first(top, "statuserrormessage", "statuserromessage"))
    said = f"Status {_show(code)}, StatusError {_show(error)}, {said_text or 'no message'}"
    if code == 1 and error in (1, None):
        return StatusAnswer(True, "ok", f"{status_name}: done.", said)
    known = _BY_MESSAGE.get(said_text.strip().rstrip(".").lower())
    if known is None and error is not None:
        known = _BY_STATUS_ERROR.get(error)
    if known is None and code is not None:
        known = _BY_STATUS.get(code)
    if known is None:
        return _answer(
            "unreadable",
            "Voicenter answered something the wallboard does not know"
            f" ({said}); the status may not have changed.",
            said,
        )
    reason, template = known
    return _answer(reason, template.format(ext=extension, status=status, name=status_name), said)


def status_failure(kind: Literal["timeout", "network", "http_error"], detail: str) -> StatusAnswer:
    """A status change whose answer never came: a timeout (``detail``: the seconds waited), a
    network error, or an HTTP error (``detail``: the HTTP status)."""
    after = ". The change may still happen: the card shows what Voicenter reports."
    return _answer(kind, _failure_message(kind, detail, after), f"{kind} {detail}".strip())


def _failure_message(kind: str, detail: str, after_timeout: str) -> str:
    """What a person reads when Voicenter's answer never came (any REST call)."""
    if kind == "timeout":
        return f"Voicenter did not answer within {detail} s{after_timeout}"
    if kind == "network":
        return "Voicenter could not be reached (network error). Try again in a moment."
    return f"Voicenter answered with HTTP error {detail}. Try again in a moment."


#: The messages Voicenter documents, lower-cased without a final dot -> (reason, message).
_BY_MESSAGE: Mapping[str, tuple[Reason, str]] = {
    "authorization failed": (
        "unauthorized",
        "Voicenter refused the request (Authorization Failed): the wallboard's API code or this"
        " agent's Voicenter user id is wrong. Ask an administrator to check them.",
    ),
    "phone error": (
        "missing_parameters",
        "Voicenter says the extension is missing (Phone error). Check the agent's profile.",
    ),
    "status not support": (
        "status_not_supported",
        "Voicenter does not offer the status {name} ({status}) on this account (Status not"
        " support). An administrator can hide it in the wallboard's status list.",
    ),
    "extension is already in use": (
        "in_use",
        "Extension {ext} is already in use by another user (Extension is already in use): they"
        " must log out of it first.",
    ),
    "no extension found": (
        "no_extension",
        "Voicenter has no extension {ext} (No extension found). Check the agent's profile.",
    ),
    "error on update": (
        "voicenter_error",
        "Voicenter could not save the change (Error on update). Try again in a moment.",
    ),
    "missing parameters": (
        "missing_parameters",
        "Voicenter says a parameter was missing: the agent's profile needs a Voicenter user id"
        " and an extension.",
    ),
}
_BY_STATUS_ERROR: Mapping[int, tuple[Reason, str]] = {
    0: (
        "format_error",
        "Voicenter could not read the request (format error); the status did not change.",
    ),
    3: _BY_MESSAGE["no extension found"],
    4: (
        "voicenter_error",
        "Voicenter had an internal error; the status did not change. Try again in a moment.",
    ),
    6: _BY_MESSAGE["missing parameters"],
}
_BY_STATUS: Mapping[int, tuple[Reason, str]] = {
    2: _BY_MESSAGE["authorization failed"],
    3: _BY_MESSAGE["no extension found"],
    4: _BY_MESSAGE["status not support"],
}


def _answer(reason: Reason, message: str, said: str) -> StatusAnswer:
    return StatusAnswer(False, reason, message, said)


def _show(value: int | None) -> str:
    return "?" if value is None else str(value)


# --- Click2Call ------------------------------------------------------------------------------

CallReason = Literal[
    "ok",
    "bad_parameters",
    "voicenter_error",
    "offline",
    "blocked",
    "not_json",
    "unreadable",
    "timeout",
    "network",
    "http_error",
]


@dataclass(frozen=True, slots=True)
class CallAnswer:
    """What became of a Click2Call request (a call, or a hang-up): ``message`` is for the
    person; ``call_id`` is Voicenter's CALLID ("" on failure); ``said`` is Voicenter's answer
    in brief, for the log."""

    ok: bool
    reason: CallReason
    message: str
    call_id: str
    said: str


def click2call_request(
    code: str, phone: str, target: str, *, record: bool = False, caller_id: str = ""
) -> dict[str, str]:
    """The form fields of a Click2Call call from extension ``phone`` to ``target``."""
    fields = {
        "code": code,
        "phone": phone,
        "target": target,
        "action": "call",
        "format": "JSON",
        "checkphonedevicestate": "true",
    }
    if record:
        fields["record"] = "true"
    if caller_id:
        fields["targetcallerid"] = caller_id
    return fields


def terminate_request(code: str, phone: str) -> dict[str, str]:
    """The form fields that hang up extension ``phone``'s Click2Call call."""
    return {"code": code, "phone": phone, "action": "terminate", "format": "JSON"}


_CALL_ERRORS: Mapping[int, tuple[CallReason, str]] = {
    1: (
        "bad_parameters",
        "Voicenter refused the call's details ({said}): check the number and your extension.",
    ),
    2: ("voicenter_error", "Voicenter had an application error. Try again in a moment."),
    3: (
        "offline",
        "Your extension is offline: sign in to your phone or softphone, then call again.",
    ),
    4: (
        "blocked",
        "This extension may not make Click2Call calls (Voicenter blocks it; an administrator can"
        " allow it in Voicenter's CPanel).",
    ),
}


def parse_click2call_answer(body: str, *, hang_up: bool = False) -> CallAnswer:
    """Voicenter's Click2Call answer (JSON, or XML-RPC) -> :class:`CallAnswer`; never raises.
    ``hang_up``: the answer to ``action=terminate``."""
    fields = _click2call_fields(body)
    if fields is None:
        return CallAnswer(
            False,
            "not_json",
            "Voicenter's answer could not be read; the call may not have started.",
            "",
            "unreadable answer",
        )
    code = integer(fields.get("errorcode"))
    said_text = text(fields.get("errormessage")).strip()
    call_id = text(fields.get("callid")).strip()
    said = f"ERRORCODE {_show(code)}, {said_text or 'no message'}"
    if code == 0:
        message = (
            "Hung up."
            if hang_up
            else "Calling: your phone rings first; answer it and Voicenter calls the number."
        )
        return CallAnswer(True, "ok", message, call_id, said)
    known = _CALL_ERRORS.get(code) if code is not None else None
    if known is None:
        return CallAnswer(
            False,
            "unreadable",
            f"Voicenter answered something the wallboard does not know ({said}).",
            "",
            said,
        )
    reason, template = known
    return CallAnswer(False, reason, template.format(said=said_text or said), "", said)


def call_failure(kind: Literal["timeout", "network", "http_error"], detail: str) -> CallAnswer:
    """A Click2Call request whose answer never came (as :func:`status_failure`)."""
    message = _failure_message(kind, detail, "; the call may still start.")
    return CallAnswer(False, kind, message, "", f"{kind} {detail}".strip())


def _click2call_fields(body: str) -> dict[str, object] | None:
    """The answer's fields, lower-cased: from JSON, or from an XML-RPC struct."""
    stripped = body.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            return None
        return ci(parsed) if isinstance(parsed, dict) else None
    if stripped.startswith("<") and len(stripped) < 65_536 and "<!DOCTYPE" not in stripped.upper():
        try:
            root = ElementTree.fromstring(stripped)
        except ElementTree.ParseError:
            return None
        fields: dict[str, object] = {}
        for member in root.iter("member"):
            name = member.findtext("name")
            value = member.find("value")
            if name and value is not None:
                fields[name.strip().lower()] = "".join(value.itertext()).strip()
        return fields or None
    return None


# --- GetExtensions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtensionRow:
    """One extension of the organisational list."""

    sip: str
    name: str
    speed_dial: str
    account_id: int | None
    account_name: str
    user_name: str
    user_email: str


def extensions_request(code: str, *, show_all: bool = True) -> dict[str, object]:
    """The JSON body of ``GetExtensions``."""
    return {"code": code, "showAll": 1 if show_all else 0}


def parse_extensions(body: object) -> tuple[list[ExtensionRow], int]:
    """``GetExtensions``' answer -> (the rows, how many were skipped for want of a SIP user);
    raises :class:`RestRefused` for an error, a non-JSON answer or an empty list."""
    if not isinstance(body, Mapping):
        raise RestRefused("Voicenter's answer is not a JSON object")
    top = ci(body)
    err = integer(top.get("err"))
    desc = text(top.get("desc"))
    if err != 0:
        raise RestRefused(
            f"Voicenter refused the extension list (ERR {_show(err)}, {desc or 'no message'}):"
            " check VOICENTER_API_CODE"
        )
    raw = top.get("extensions")
    if not isinstance(raw, list):
        raise RestRefused("Voicenter's answer has no EXTENSIONS list")
    if not raw:
        raise RestRefused(
            "Voicenter sent an empty extension list, which is its answer to a code that matches"
            " no account: check VOICENTER_API_CODE"
        )
    rows, skipped = [], 0
    for item in raw:
        row = obj(item)
        sip = text(row.get("sip")).strip() if row else ""
        if row is None or not sip:
            skipped += 1
            continue
        rows.append(
            ExtensionRow(
                sip=sip,
                name=text(row.get("name")).strip(),
                speed_dial=text(row.get("speeddial")).strip(),
                account_id=integer(row.get("accountid")),
                account_name=text(row.get("accountname")).strip(),
                user_name=text(row.get("username")).strip(),
                user_email=text(row.get("useremail")).strip(),
            )
        )
    return rows, skipped
