"""Voicenter's REST APIs: request and answer formats, and what each answer means, as codes.

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
``StatusError``, then ``Status``, into a :class:`StatusAnswer`: codes and values (``reason``,
``case``, ``detail``), which the web side words for the person who asked
(``wallboard/core/answers.py``: this module may not import Django, so its words could never be
translated); :func:`status_failure` does the same for a timeout, a network error or an HTTP
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
too (:class:`RestRefused`, with a code: ``not_json``, ``refused``, ``no_list``, ``empty_list``;
``http_error`` from the client). Rows without a SIP user are skipped and counted. The list
carries no Voicenter user id: the realtime ``AllExtensionsStatus`` does (``userID``).
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


#: Which answer a status change got, finer than :data:`Reason` (two of Voicenter's documented
#: answers share a reason, each has its own message): the web side words each one.
StatusCase = Literal[
    "ok",
    "authorization_failed",
    "phone_error",
    "status_not_supported",
    "in_use",
    "no_extension",
    "error_on_update",
    "missing_parameters",
    "format_error",
    "internal_error",
    "not_json",
    "unreadable",
    "timeout",
    "network",
    "http_error",
]


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    """What became of a status change, in codes and values: ``reason`` (counted, and kept in
    the audit log), ``case`` (which answer: the message a person reads,
    ``wallboard/core/answers.py``), ``detail`` (the message's value: the seconds waited, the
    HTTP status, or for an answer we do not know, Voicenter's answer in brief); ``said`` is
    Voicenter's own answer in brief (for the audit log). None holds the API code."""

    ok: bool
    reason: Reason
    case: StatusCase
    said: str
    detail: str = ""


#: Why Voicenter's answer to a REST call cannot be used (:class:`RestRefused`).
RefusedCode = Literal["not_json", "refused", "no_list", "empty_list", "http_error"]


class RestRefused(Exception):
    """Voicenter refused a REST call or answered something we cannot use: ``code`` says which
    (:data:`RefusedCode`), ``detail`` is its value (Voicenter's ``ERR`` and ``DESC`` in brief,
    or the HTTP status); the words are the web side's (``wallboard/core/answers.py``). Never
    holds the API code."""

    def __init__(self, code: RefusedCode, detail: str = "") -> None:
        super().__init__(f"{code} {detail}".strip())
        self.code: RefusedCode = code
        self.detail = detail


def status_request(code: str, user_id: str, extension: str, status: int) -> dict[str, object]:
    """The JSON body of ``SetStatusFromAPI`` (``Status`` is an integer, the rest strings)."""
    return {"Code": code, "UserId": str(user_id), "ExtensionUser": extension, "Status": status}


def parse_status_answer(body: object) -> StatusAnswer:
    """Voicenter's answer to ``SetStatusFromAPI`` -> :class:`StatusAnswer` (never raises)."""
    if not isinstance(body, Mapping):
        return StatusAnswer(False, "not_json", "not_json", "not JSON")
    top = ci(body)
    code = integer(top.get("status"))
    error = integer(top.get("statuserror"))
    said_text = text(first(top, "statuserrormessage", "statuserromessage"))
    said = f"Status {_show(code)}, StatusError {_show(error)}, {said_text or 'no message'}"
    if code == 1 and error in (1, None):
        return StatusAnswer(True, "ok", "ok", said)
    known = _BY_MESSAGE.get(said_text.strip().rstrip(".").lower())
    if known is None and error is not None:
        known = _BY_STATUS_ERROR.get(error)
    if known is None and code is not None:
        known = _BY_STATUS.get(code)
    if known is None:
        return StatusAnswer(False, "unreadable", "unreadable", said, said)
    reason, case = known
    return StatusAnswer(False, reason, case, said)


def status_failure(kind: Literal["timeout", "network", "http_error"], detail: str) -> StatusAnswer:
    """A status change whose answer never came: a timeout (``detail``: the seconds waited), a
    network error, or an HTTP error (``detail``: the HTTP status)."""
    return StatusAnswer(False, kind, kind, f"{kind} {detail}".strip(), detail)


#: The messages Voicenter documents, lower-cased without a final dot -> (reason, case).
_BY_MESSAGE: Mapping[str, tuple[Reason, StatusCase]] = {
    "authorization failed": ("unauthorized", "authorization_failed"),
    "phone error": ("missing_parameters", "phone_error"),
    "status not support": ("status_not_supported", "status_not_supported"),
    "extension is already in use": ("in_use", "in_use"),
    "no extension found": ("no_extension", "no_extension"),
    "error on update": ("voicenter_error", "error_on_update"),
    "missing parameters": ("missing_parameters", "missing_parameters"),
}
_BY_STATUS_ERROR: Mapping[int, tuple[Reason, StatusCase]] = {
    0: ("format_error", "format_error"),
    3: _BY_MESSAGE["no extension found"],
    4: ("voicenter_error", "internal_error"),
    6: _BY_MESSAGE["missing parameters"],
}
_BY_STATUS: Mapping[int, tuple[Reason, StatusCase]] = {
    2: _BY_MESSAGE["authorization failed"],
    3: _BY_MESSAGE["no extension found"],
    4: _BY_MESSAGE["status not support"],
}


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
    """What became of a Click2Call request (a call, or a hang-up), in codes and values:
    ``reason`` (counted, logged, and the message a person reads: ``wallboard/core/answers.py``),
    ``detail`` (the message's value: the seconds waited, the HTTP status, or Voicenter's own
    message for a refusal it explains); ``call_id`` is Voicenter's CALLID ("" on failure);
    ``said`` is Voicenter's answer in brief, for the log."""

    ok: bool
    reason: CallReason
    call_id: str
    said: str
    detail: str = ""


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


#: Click2Call's ERRORCODE -> the reason it means.
_CALL_ERRORS: Mapping[int, CallReason] = {
    1: "bad_parameters",
    2: "voicenter_error",
    3: "offline",
    4: "blocked",
}


def parse_click2call_answer(body: str) -> CallAnswer:
    """Voicenter's Click2Call answer (JSON, or XML-RPC; to a call or to ``action=terminate``)
    -> :class:`CallAnswer`; never raises."""
    fields = _click2call_fields(body)
    if fields is None:
        return CallAnswer(False, "not_json", "", "unreadable answer")
    code = integer(fields.get("errorcode"))
    said_text = text(fields.get("errormessage")).strip()
    call_id = text(fields.get("callid")).strip()
    said = f"ERRORCODE {_show(code)}, {said_text or 'no message'}"
    if code == 0:
        return CallAnswer(True, "ok", call_id, said)
    reason = _CALL_ERRORS.get(code) if code is not None else None
    if reason is None:
        return CallAnswer(False, "unreadable", "", said, said)
    return CallAnswer(False, reason, "", said, said_text or said)


def call_failure(kind: Literal["timeout", "network", "http_error"], detail: str) -> CallAnswer:
    """A Click2Call request whose answer never came (as :func:`status_failure`)."""
    return CallAnswer(False, kind, "", f"{kind} {detail}".strip(), detail)


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
        raise RestRefused("not_json")
    top = ci(body)
    err = integer(top.get("err"))
    desc = text(top.get("desc"))
    if err != 0:
        raise RestRefused("refused", f"ERR {_show(err)}, {desc or 'no message'}")
    raw = top.get("extensions")
    if not isinstance(raw, list):
        raise RestRefused("no_list")
    if not raw:
        raise RestRefused("empty_list")
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
