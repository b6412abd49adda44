"""Voicenter's REST APIs: request and answer formats, and what each answer means, as codes.

Pure: no I/O. The HTTP calls are made by :mod:`realtime.voicenter.client`; every REST call is
authenticated by the organisation's API ``Code`` (``VOICENTER_API_CODE``), a secret that never
appears in anything this module returns. ``docs/voicenter.md#rest-apis`` links Voicenter's pages.

SetStatusFromAPI (the Login/Logout API)
=======================================

``POST https://api.voicenter.com/UserLogin/SetStatusFromAPI`` with a JSON body (the pages
also document ``GET`` with the same fields in the query; we POST JSON)::

    {"Code": "XXXXXXXXXX", "UserId": "123456789", "ExtensionUser": "sipsip", "Status": 1}

``Code`` (a string), ``UserId`` the agent's Voicenter user id (a string), ``ExtensionUser`` the
extension's SIP user, ``Status`` one of :data:`STATUS_CODES`, **an integer** (accounts rename
the statuses in Voicenter's CPanel). Voicenter answers (HTTP 200 whatever the outcome)::

    {"Status": 1, "StatusError": 1, "StatusErrorMessage": "OK"}

Three documents describe the answer, and they disagree (``docs/voicenter.md``, "Where the
documents disagree"); every reading of every one of them is read:

- The English Login/Logout page: ``Status`` 1 ok, 2 the Code or UserId is invalid, 3 the
  extension is invalid, 4 **the status is not supported or the ExtensionUser is invalid**;
  ``StatusError`` 0 the request's format is wrong, 1 ok, 4 internal error, 6 missing
  parameters; ``StatusErrorMessage`` one of ``OK``, ``Authorization Failed``, ``Phone error.``,
  ``Status not support``, ``Extension is already in use``, ``No extension found``,
  ``Error on update`` (:data:`MESSAGES`), with no word on which codes go with which message.
- The Hebrew page: the same, but ``Status`` 2 is a *missing* user id or code, 4 only a status
  the account does not define, ``StatusError`` 3 an invalid extension, and the field is spelt
  ``StatusErroMessage``.
- API documentation rev 3.2, section 10: ``Status`` 1 ok, 2 authorization failed, 3 missing
  parameters, 4 login error, 5 initiation error; ``StatusError`` (a string) "0" no error, and
  for ``Status`` 4 one of five numbered errors, for 5 one of eight, each with its message
  (:data:`LOGIN_ERRORS`, :data:`INITIATION_ERRORS`).

:func:`parse_status_answer` reads them so:

1. ``Status`` 1 is a success when the message is ``OK`` (whatever ``StatusError`` says), or
   when there is no documented error message and ``StatusError`` is absent, 0 (rev 3.2: no
   error) or 1 (the English page: ok).
2. Otherwise a documented message, from any of the three, decides (it is the most specific).
3. Otherwise the codes: ``Status`` 2 and 3 with the English ``StatusError`` 0, 4 or 6 (or the
   Hebrew 3) that error, else 2 authorization failed and 3 ``extension_or_parameters`` (the
   English page's invalid extension or rev 3.2's missing parameters: the answer does not tell
   which); 4 with
   ``StatusError`` 2, 5 (rev 3.2's only) or 6 (the English page's only) that error, else
   ``status_or_extension`` (the status is not supported or the extension is invalid: the
   codes the pages share mean different things on each); 5 rev 3.2's numbered initiation
   error, else ``initiation_error``; any other ``Status``: the English ``StatusError``.
4. Else ``unreadable``.

The result is a :class:`StatusAnswer`: codes and values (``reason``, ``case``, ``detail``,
``message``: Voicenter's own message, as it came), which the web side words for the person who
asked (``wallboard/core/answers.py``: this module may not import Django, so its words could
never be translated); ``said`` is Voicenter's answer in brief, for the audit log.
:func:`status_failure` does the same for a timeout, a network error or an HTTP error, which
never reach the answer parser. A change Voicenter accepts then arrives on the realtime socket as
an ``ExtensionEvent`` with reason ``userStatusUpdate``.

Click2Call
==========

``POST https://api.voicenter.com/ForwardDialer/click2call.aspx`` (form fields; older pages:
``api.voicenter.co.il/forwardDialer/...``)::

    code=XXXXXXXXXX&phone=SIPSIP1&target=0501234567&action=call&format=JSON
    &checkphonedevicestate=true[&record=true][&targetcallerid=0722776772]
    [&var_contact=42&var_user=dana]

``phone`` is leg 1 (the agent's extension: it rings first), ``target`` leg 2 (the number to
call, national ``0...`` for Israel or E.164 without the ``+``, a star number, or an
extension's SIP user); ``checkphonedevicestate`` blocks the call when the extension is
offline. ``action`` is mandatory: ``call`` here; ``terminate`` with ``phone`` hangs up the
extension's call (the documents also name ``message`` and ``callference``, which we do not
use). ``var_*`` fields (at most 10, section 1.2) are tags of our own that Voicenter carries
to its notifications and call records: the wallboard sends ``var_contact`` (the contact's id,
when the number is one of a contact's) and ``var_user`` (the username of the person who
asked). The answer (``format=JSON``; without ``format``, the default, an XML-RPC
``methodResponse`` whose values are all ``<string>``, read too)::

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

It is also asked as ``GET .../GetExtensions?code=XXXXXXXXXX&showAll=0`` (rev. 3.2 section 8
and the Hebrew extension-list page; ``showAll`` may be ``1``/``0`` or ``true``/``false``).
``ERR`` 1 / ``DESC`` "Unauthorized" is a code of a bad format (the Hebrew page); **a code
that matches no account answers an empty array**: a bare ``[]`` (the Hebrew page's words),
read as ``no_account``; an ``EXTENSIONS`` list that is empty is refused too (``empty_list``:
an organisation without extensions is no organisation to import). :func:`parse_extensions`
raises :class:`RestRefused` with a code: ``not_json``, ``refused``, ``no_list``,
``empty_list``, ``no_account``; ``http_error`` from the client. Rows without a SIP user are
skipped and counted. The list carries no Voicenter user id: the realtime
``AllExtensionsStatus`` does (``userID``).

Active calls (GetExtensionsCalls, GetQueuesCallers)
===================================================

Two questions on the Comet host, asked in the documented form, ``GET`` with the code in the
query (API documentation rev. 3.2, section 7; the simulator also takes a POST)::

    GET https://monitor.voicenter.co.il/comet/API/GetExtensionsCalls?code=XXXXXXXXXX
    GET https://monitor.voicenter.co.il/comet/API/GetQueuesCallers?code=XXXXXXXXXX

``GetExtensionsCalls`` answers every extension, with its calls or without::

    {"ERR": 0, "DESC": "OK",
     "EXTENSIONS": [{"name": "Desk 1", "representative": "Dodod", "peerstatus": "Reachable",
                     "username": "aaaaaaa",
                     "calls": [{"callername": "0547777777", "callerphone": "0547777777",
                                "callstarted": 1402233117, "callanswered": 1402233123,
                                "answered": 1, "callstatus": "Talking",
                                "ivrid": "xxxxXxxxXxxxXxxxXxxxXxxxXxxxXxxx",
                                "direction": "Outgoing"}]}]}

``name`` is the extension's name, ``username`` its SIP user (the socket's ``extenUser``),
``representative`` the name of who works it ("" for nobody), ``peerstatus`` its phone
(``Reachable``, ``Unknown``...). ``GetQueuesCallers`` answers every queue with its waiting
callers::

    {"ERR": 0, "DESC": "OK",
     "QUEUES": [{"Name": "Sales", "ID": 10035,
                 "Callers": [{"Phone": "0570000000",
                              "CallID": "xxxxXxxxXxxxXxxxXxxxXxxxXxxxXxxx",
                              "JoinTime": 1402235247}]}]}

``ERR``: 0 OK, 1 ``"Authorization failed."`` (a wrong code), 2 ``"Internal error."``. The
times are Voicenter epochs (seconds, the account's local wall clock, as the socket's before
its ``servertimeoffset``): kept as they came, 0 and junk read as None; whoever shows them
converts them as the socket's. :func:`parse_extensions_calls` and :func:`parse_queues_callers`
never raise: they return :class:`ExtensionsCalls` or :class:`QueuesCallers` (rows that cannot
be read are skipped and counted; a row without its SIP user, or its queue id, is unreadable),
or an :class:`ActiveRefused` with its code (``refused`` with Voicenter's ``ERR``, ``not_json``,
``no_list``; the client adds ``http_error``, ``timeout``, ``network``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from xml.etree import ElementTree

from realtime.voicenter.fields import MAX_EPOCH, ci, first, integer, obj, text

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
    "status_or_extension",
    "extension_or_parameters",
    "missing_parameters",
    "format_error",
    "login_error",
    "initiation_error",
    "voicenter_error",
    "not_json",
    "unreadable",
    "timeout",
    "network",
    "http_error",
]


#: Which answer a status change got, finer than :data:`Reason` (several of Voicenter's
#: documented answers share a reason, each has its own message): the web side words each one.
StatusCase = Literal[
    "ok",
    # the English (and Hebrew) page's messages
    "authorization_failed",
    "phone_error",
    "status_not_supported",
    "in_use",
    "no_extension",
    "error_on_update",
    # the codes without a message that tells
    "status_or_extension",
    "extension_or_parameters",
    "missing_parameters",
    "format_error",
    "internal_error",
    # rev 3.2: Status 4, login errors
    "status_changed",
    "hour_log_error",
    "queue_registration_error",
    "other_extension",
    # rev 3.2: Status 5, initiation errors
    "choose_extension",
    "logged_in",
    "not_logged_in",
    "wrong_credentials",
    "user_problem",
    "unexpected_error",
    "no_extension_monitor",
    "no_pin_code",
    "initiation_error",
    # no answer, or one we cannot read
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
    HTTP status, or for an answer we do not know, Voicenter's answer in brief); ``message`` is
    Voicenter's own message as it came ("" when it sent none: never one we made up), ``said``
    Voicenter's whole answer in brief (for the audit log). None holds the API code."""

    ok: bool
    reason: Reason
    case: StatusCase
    said: str
    detail: str = ""
    message: str = ""


#: Why Voicenter's answer to a REST call cannot be used (:class:`RestRefused`).
RefusedCode = Literal["not_json", "refused", "no_list", "empty_list", "no_account", "http_error"]


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
    return {
        "Code": code, "UserId": str(user_id), "ExtensionUser": extension, "Status": int(status)
    }  # fmt: skip


def parse_status_answer(body: object) -> StatusAnswer:
    """Voicenter's answer to ``SetStatusFromAPI`` -> :class:`StatusAnswer` (never raises)."""
    if not isinstance(body, Mapping):
        return StatusAnswer(False, "not_json", "not_json", "not JSON")
    top = ci(body)
    code = integer(top.get("status"))
    error = integer(top.get("statuserror"))
    message = text(first(top, "statuserrormessage", "statuserromessage")).strip()
    said = f"Status {_show(code)}, StatusError {_show(error)}, {message or 'no message'}"
    by_message = _BY_MESSAGE.get(_message_key(message))
    if code == 1 and (
        (by_message is not None and by_message[1] == "ok")
        or (by_message is None and error in (None, 0, 1))
    ):
        return StatusAnswer(True, "ok", "ok", said, message=message)
    known = by_message if by_message is not None and by_message[1] != "ok" else None
    if known is None and code is not None:
        known = _by_codes(code, error)
    if known is None:
        return StatusAnswer(False, "unreadable", "unreadable", said, said, message)
    reason, case = known
    return StatusAnswer(False, reason, case, said, message=message)


def status_failure(kind: Literal["timeout", "network", "http_error"], detail: str) -> StatusAnswer:
    """A status change whose answer never came: a timeout (``detail``: the seconds waited), a
    network error, or an HTTP error (``detail``: the HTTP status)."""
    return StatusAnswer(False, kind, kind, f"{kind} {detail}".strip(), detail)


Known = tuple[Reason, StatusCase]

#: The English (and Hebrew) page's messages, as Voicenter writes them -> (reason, case).
MESSAGES: Mapping[str, Known] = {
    "OK": ("ok", "ok"),
    "Authorization Failed": ("unauthorized", "authorization_failed"),
    "Phone error.": ("missing_parameters", "phone_error"),
    "Status not support": ("status_not_supported", "status_not_supported"),
    "Extension is already in use": ("in_use", "in_use"),
    "No extension found": ("no_extension", "no_extension"),
    "Error on update": ("voicenter_error", "error_on_update"),
}
#: Rev 3.2: ``Status`` 4 (login error), by ``StatusError``: its message, (reason, case).
LOGIN_ERRORS: Mapping[int, tuple[str, Known]] = {
    1: ("Status Changed", ("login_error", "status_changed")),
    2: ("Failed - Hour Log Error", ("login_error", "hour_log_error")),
    3: ("Failed - Queue registration error", ("login_error", "queue_registration_error")),
    4: ("Extension is already in use", ("in_use", "in_use")),
    5: ("You're already logged in with a different extension", ("in_use", "other_extension")),
}
#: Rev 3.2: ``Status`` 5 (initiation error), by ``StatusError``: its message, (reason, case).
INITIATION_ERRORS: Mapping[int, tuple[str, Known]] = {
    1: ("Please choose extension", ("no_extension", "choose_extension")),
    2: ("Successfully Logged In", ("initiation_error", "logged_in")),
    3: ("Not logged in", ("initiation_error", "not_logged_in")),
    4: ("Wrong Username or Password", ("unauthorized", "wrong_credentials")),
    5: (
        "There was a problem with the user, please contact support",
        ("initiation_error", "user_problem"),
    ),
    6: ("An unexpected error occurred", ("voicenter_error", "unexpected_error")),
    7: ("Failed - Extension Monitor doesn't exist", ("no_extension", "no_extension_monitor")),
    8: ("Failed - User has no organizational PIN Code", ("initiation_error", "no_pin_code")),
}


def _message_key(message: str) -> str:
    """A message as compared: without case, a final dot, runs of spaces or curly apostrophes."""
    return " ".join(message.replace("\u2019", "'").lower().split()).rstrip(".")


_BY_MESSAGE: Mapping[str, Known] = {
    _message_key(said): known
    for said, known in [
        *MESSAGES.items(),
        *LOGIN_ERRORS.values(),
        *INITIATION_ERRORS.values(),
    ]
}
#: The English page's ``StatusError`` (and the Hebrew page's 3), where ``Status`` says no more.
_STATUS_ERRORS: Mapping[int, Known] = {
    0: ("format_error", "format_error"),
    3: MESSAGES["No extension found"],
    4: ("voicenter_error", "internal_error"),
    6: ("missing_parameters", "missing_parameters"),
}


def _by_codes(code: int, error: int | None) -> Known | None:
    """What ``Status`` and ``StatusError`` say without a documented message (step 3 above)."""
    if code in (2, 3) and error is not None and error in _STATUS_ERRORS:
        return _STATUS_ERRORS[error]
    if code == 2:
        return MESSAGES["Authorization Failed"]
    if code == 3:
        return ("extension_or_parameters", "extension_or_parameters")
    if code == 4:
        if error in (2, 5):
            return LOGIN_ERRORS[error][1]
        if error == 6:
            return _STATUS_ERRORS[6]
        return ("status_or_extension", "status_or_extension")
    if code == 5:
        found = INITIATION_ERRORS.get(error) if error is not None else None
        return found[1] if found else ("initiation_error", "initiation_error")
    return _STATUS_ERRORS.get(error) if error is not None else None


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


#: Click2Call takes at most this many ``var_*`` tags (section 1.2); a tag's value is cut here.
MAX_TAGS, MAX_TAG_VALUE = 10, 100


def click2call_request(
    code: str,
    phone: str,
    target: str,
    *,
    record: bool = False,
    caller_id: str = "",
    tags: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The form fields of a Click2Call call from extension ``phone`` to ``target``; ``tags``
    (name -> value) go as ``var_<name>`` (names of letters, digits and ``_``, at most
    :data:`MAX_TAGS`; others and empty values are left out)."""
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
    for name, value in list((tags or {}).items())[:MAX_TAGS]:
        if name.isascii() and name.replace("_", "").isalnum() and value:
            fields[f"var_{name}"] = value[:MAX_TAG_VALUE]
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
    if body == []:  # the Hebrew page: a code that matches no account
        raise RestRefused("no_account")
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


# --- Active calls ----------------------------------------------------------------------------

#: ``ERR`` of the Comet APIs: a wrong code, Voicenter's internal error.
ERR_AUTHORIZATION, ERR_INTERNAL = 1, 2

#: Why an active-calls answer cannot be used (:class:`ActiveRefused`).
ActiveCode = Literal["refused", "not_json", "no_list", "http_error", "timeout", "network"]


@dataclass(frozen=True, slots=True)
class ActiveRefused:
    """An active-calls question that got no usable answer: ``code`` says why
    (:data:`ActiveCode`), ``err`` is Voicenter's ``ERR`` (None when it gave none: 1 a wrong
    code, 2 an internal error), ``detail`` the value (Voicenter's ``ERR`` and ``DESC`` in brief,
    the HTTP status, the seconds waited). Never holds the API code."""

    code: ActiveCode
    err: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ActiveCall:
    """One call of ``GetExtensionsCalls``; times are Voicenter epochs (None: not set)."""

    call_id: str
    caller_name: str
    caller_phone: str
    started: int | None
    answered_at: int | None
    answered: bool
    status: str
    direction: str


@dataclass(frozen=True, slots=True)
class ExtensionCalls:
    """One extension of ``GetExtensionsCalls``: ``sip`` is its ``username``."""

    sip: str
    name: str
    representative: str
    peer_status: str
    calls: tuple[ActiveCall, ...]


@dataclass(frozen=True, slots=True)
class ExtensionsCalls:
    """``GetExtensionsCalls``' answer: every extension; ``skipped`` extensions and calls could
    not be read."""

    extensions: tuple[ExtensionCalls, ...]
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class QueueCaller:
    """One waiting caller of ``GetQueuesCallers``; ``joined`` is a Voicenter epoch."""

    phone: str
    call_id: str
    joined: int | None


@dataclass(frozen=True, slots=True)
class QueueCallers:
    queue_id: int
    name: str
    callers: tuple[QueueCaller, ...]


@dataclass(frozen=True, slots=True)
class QueuesCallers:
    """``GetQueuesCallers``' answer: every queue; ``skipped`` queues and callers could not be
    read."""

    queues: tuple[QueueCallers, ...]
    skipped: int = 0


def active_calls_request(code: str) -> dict[str, str]:
    """The query of ``GetExtensionsCalls`` and ``GetQueuesCallers`` (``?code=``)."""
    return {"code": code}


def parse_extensions_calls(body: object) -> ExtensionsCalls | ActiveRefused:
    """``GetExtensionsCalls``' answer -> the extensions and their calls, or why not."""
    rows = _comet_rows(body, "extensions")
    if isinstance(rows, ActiveRefused):
        return rows
    extensions: list[ExtensionCalls] = []
    skipped = 0
    for item in rows:
        row = obj(item)
        sip = text(row.get("username")).strip() if row else ""
        if row is None or not sip:
            skipped += 1
            continue
        raw_calls = row.get("calls")
        calls: list[ActiveCall] = []
        for raw in raw_calls if isinstance(raw_calls, list) else ():
            call = _active_call(raw)
            if call is None:
                skipped += 1
            else:
                calls.append(call)
        if raw_calls is not None and not isinstance(raw_calls, list):
            skipped += 1
        extensions.append(
            ExtensionCalls(
                sip=sip,
                name=text(row.get("name")).strip(),
                representative=text(row.get("representative")).strip(),
                peer_status=text(row.get("peerstatus")).strip(),
                calls=tuple(calls),
            )
        )
    return ExtensionsCalls(tuple(extensions), skipped)


def _active_call(raw: object) -> ActiveCall | None:
    call = obj(raw)
    call_id = text(call.get("ivrid")).strip() if call else ""
    if call is None or not call_id:
        return None
    answered_at = _epoch(call.get("callanswered"))
    flag = integer(call.get("answered"))
    return ActiveCall(
        call_id=call_id,
        caller_name=text(call.get("callername")).strip(),
        caller_phone=text(call.get("callerphone")).strip(),
        started=_epoch(call.get("callstarted")),
        answered_at=answered_at,
        answered=bool(flag) if flag is not None else answered_at is not None,
        status=text(call.get("callstatus")).strip(),
        direction=text(call.get("direction")).strip(),
    )


def parse_queues_callers(body: object) -> QueuesCallers | ActiveRefused:
    """``GetQueuesCallers``' answer -> the queues and their waiting callers, or why not."""
    rows = _comet_rows(body, "queues")
    if isinstance(rows, ActiveRefused):
        return rows
    queues: list[QueueCallers] = []
    skipped = 0
    for item in rows:
        row = obj(item)
        queue_id = integer(row.get("id")) if row else None
        if row is None or queue_id is None:
            skipped += 1
            continue
        raw_callers = row.get("callers")
        callers: list[QueueCaller] = []
        for raw in raw_callers if isinstance(raw_callers, list) else ():
            caller = obj(raw)
            call_id = text(caller.get("callid")).strip() if caller else ""
            if caller is None or not call_id:
                skipped += 1
                continue
            callers.append(
                QueueCaller(
                    phone=text(caller.get("phone")).strip(),
                    call_id=call_id,
                    joined=_epoch(caller.get("jointime")),
                )
            )
        if raw_callers is not None and not isinstance(raw_callers, list):
            skipped += 1
        queues.append(QueueCallers(queue_id, text(row.get("name")).strip(), tuple(callers)))
    return QueuesCallers(tuple(queues), skipped)


def _comet_rows(body: object, key: str) -> list[object] | ActiveRefused:
    """The answer's list under ``key``, or the refusal it is."""
    if not isinstance(body, Mapping):
        return ActiveRefused("not_json")
    top = ci(body)
    err = integer(top.get("err"))
    if err != 0:
        desc = text(top.get("desc")).strip()
        return ActiveRefused("refused", err, f"ERR {_show(err)}, {desc or 'no message'}")
    rows = top.get(key)
    if not isinstance(rows, list):
        return ActiveRefused("no_list")
    return rows


def _epoch(value: object) -> int | None:
    """A Voicenter epoch in seconds; 0, negative and junk (past ``MAX_EPOCH``) are None."""
    found = integer(value)
    return found if found is not None and 0 < found < MAX_EPOCH else None
