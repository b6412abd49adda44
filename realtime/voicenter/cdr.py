"""Voicenter's CDR notifications: one HTTP request per finished call, and the answer it expects.

Pure: no I/O, no framework imports. :func:`parse` never lets a stranger's body raise anything
but :class:`CdrRefused`; :func:`answer` builds the reply. ``docs/voicenter.md#cdr`` summarises
what Voicenter documents, with links; this docstring is the spec of what we accept.

The request
===========

Voicenter POSTs each call's record, a few minutes after it ended, to the URL the account
configured (ours holds a secret: ``/reports/cdr/<secret>/``). The account chooses the format:

- **XML-RPC**: a ``methodCall`` named ``CDR`` whose one parameter is a struct of the fields below
  (read with the standard library's ``xmlrpc.client``, never by hand);
- **JSON**: an object of the same fields (only this form carries ``seconds_waiting_in_queue``
  and ``OriginalIvrUniqueID``: ask Voicenter for it);
- **form** (``application/x-www-form-urlencoded``): the same fields as form values.

The body is recognised by its first character (``<``: XML-RPC, ``{`` or ``[``: JSON, else a
form): the content types are documented nowhere. Field names are read case-insensitively.

==============================  ================================================================
field                           meaning -> :class:`CallRecord`
==============================  ================================================================
``ivruniqueid``                 the call's id (the socket's ``ivruniqueid``; the field table's
                                example spells it ``ivrunique-id``, read too) -> ``call_id``
``type``                        ``Incoming Call``, ``Queue``, ``Extension Outgoing``,
                                ``Click2Call leg1``/``leg2``, ``XferCDR``, ... -> ``type``
``status``                      ``ANSWER``, ``ABANDONE`` (a queue caller who left unanswered),
                                ``NOANSWER``, ``BUSY``, ``CANCEL``, ``VOEND``, ... -> ``status``
``queueid`` / ``queuename``     the queue (0 / "": none) -> ``queue_id`` (None) / ``queue_name``
``caller`` / ``target``         the numbers (or the target extension's SIP code)
``callerextension``             the extension that called; ``targetextension``: the one that
                                answered ("" if none) -> ``caller_extension``/``target_extension``
``did``                         the number the caller dialled
``time``                        when the call began: a Voicenter epoch, in the account's local
                                time like the socket's -> ``started_at`` (UTC)
``duration``                    seconds of conversation (ringing excluded) -> ``talk_s``
``dialtime``                    seconds of ringing -> ``ring_s``
``seconds_waiting_in_queue``    (JSON only) the wait in the queue -> ``queue_wait_s``
``representative_name``/        who the call is associated with -> ``agent_name``/``agent_code``
``representative_code``         (without a representative: ``callerextension_name`` on an
                                outgoing record, else ``targetextension_name``)
``record``                      the recording's URL -> ``record_url``
``OriginalIvrUniqueID``         the call a transfer came from -> ``original_call_id``
==============================  ================================================================

Text fields are read trimmed: the documents' own examples carry stray spaces
(``"callerextension": " AAPINFzL"``, ``"representative_code": "9996 "``, ``"type":
" Click2Callleg1"``), and an extension must match the realtime ``extenUser``. An **outgoing**
record (type ``Extension Outgoing``, ``Click2Call leg2``, ``ProductiveCall Leg2``, or one with a
``callerextension`` and no ``targetextension``) is the caller's: its agent is the calling
extension (:attr:`CallRecord.agent_extension`) and its name ``callerextension_name``; any other
record's agent is the extension that answered.

**Tags.** A Click2Call request may carry up to ten ``var_*`` parameters, which Voicenter passes
on to "CDR to CRM systems" (rev 3.2 section 1.2; the Call log's ``fields`` options list
``CustomData``). No example shows where they come back in a record, so both places its dialer
API uses are read (:func:`custom_tags`): ``var_*`` fields of the record itself, and a
``CustomData`` object (or that object as JSON text) of ``var_*`` fields; values as trimmed text,
at most ten, each at most 200 characters -> ``tags`` (``{"var_contact": "12", ...}``).

Every other field is kept as it came (``raw``), but for what no database takes: ``NaN`` and
``Infinity`` become null (unknown), NUL characters are removed (from every text field too).
One call may have several records (the two legs of a Click2Call, transfers): a record is known
by ``(ivruniqueid, type, queueid (else queuename), targetextension, time to the second)``
(:attr:`CallRecord.key`), so a notification sent twice is stored once.

The answer
==========

HTTP 200 with ``err`` (0 OK, 1 the body could not be parsed, 2 application error) and
``errdesc``, in the request's format: an XML-RPC ``methodResponse`` struct, else JSON
``{"err": 0, "errdesc": "OK"}``.

The Call log API
================

The same records, asked for: ``POST https://api1.voicenter.co.il/hub/cdr/`` with JSON
(:func:`call_log_request`)::

    {"code": "XXXXXXXXXX", "format": "JSON", "fields": ["Date", "Type", "CallID", ...],
     "search": {"fromdate": "2026-11-30T06:00", "todate": "2026-11-30T07:00"}}

``fromdate``/``todate`` are ISO 8601 to the minute (Voicenter does not name their zone: a
caller asks a wider span than it needs and keeps the records inside its own, as
``backfill_cdr`` does). The answer::

    {"ERROR_NUMBER": 0, "ERROR_DESCRIPTION": "OK", "CDR_LIST": [{...}, ...]}

``ERROR_NUMBER``: 0 OK, 1 request limit exceeded (try again later), 2 authorization failed,
3 CDR limit exceeded (too many records: ask a shorter span), 4 the IP address is not trusted.
Each row carries the asked ``fields`` under their own names, read as the notification's
(:data:`CALL_LOG_FIELDS`: ``CallID`` is ``ivruniqueid``, ``DialStatus`` ``status``,
``QueueName`` ``queuename``, ``RingTime`` ``dialtime``, ...); a row that spells a
notification's field (``ivruniqueid``, ``queueid``, ``seconds_waiting_in_queue``) is read too.
The list has **no queue id** (only the name) and no wait in the queue: the records it fills
count a queue's calls but not their waits. ``Date`` is an epoch like ``time``, or the
account's local wall clock as text (``2026-11-30 09:15:02``). :func:`parse_call_log` returns
the readable rows and how many it skipped; an error raises :class:`CallLogRefused`.
"""

from __future__ import annotations

import json
import math
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from urllib.parse import parse_qsl
from xml.parsers.expat import ExpatError

from realtime.voicenter.fields import MAX_EPOCH, ci, first, integer, number, text

Format = Literal["xmlrpc", "json", "form"]
#: A CDR is a few hundred bytes; a body past this is not one.
MAX_BODY = 64 * 1024
ERR_OK, ERR_PARSE, ERR_APPLICATION = 0, 1, 2
#: ``status`` of a queue caller who was answered, and who left unanswered.
ANSWERED, ABANDONED = "ANSWER", "ABANDONE"


class CdrRefused(Exception):
    """The body is not a CDR we can use: ``err`` (1 or 2) and a message for ``errdesc``."""

    def __init__(self, err: int, message: str) -> None:
        super().__init__(message)
        self.err = err


@dataclass(frozen=True, slots=True)
class CallRecord:
    call_id: str
    type: str
    status: str
    queue_id: str | None
    queue_name: str
    caller: str
    target: str
    caller_extension: str
    target_extension: str
    did: str
    started_at: float | None
    talk_s: int
    ring_s: int | None
    queue_wait_s: int | None
    agent_name: str
    agent_code: str
    record_url: str
    original_call_id: str
    raw: dict[str, Any]

    @property
    def key(self) -> str:
        """What tells this record from every other (a notification repeated has the same)."""
        return record_key(
            self.call_id, self.type, self.queue_id or self.queue_name, self.target_extension,
            self.started_at,
        )  # fmt: skip

    @property
    def agent_extension(self) -> str:
        """The agent's extension (:func:`agent_extension_of`)."""
        return agent_extension_of(self.type, self.caller_extension, self.target_extension)

    @property
    def tags(self) -> dict[str, str]:
        """The call's ``var_*`` tags (:func:`custom_tags`)."""
        return custom_tags(self.raw)

    @property
    def outcome(self) -> Literal["answered", "abandoned", "other"]:
        """For a queue call: answered, abandoned, or another end (busy, no answer...)."""
        if self.status == ANSWERED:
            return "answered"
        return "abandoned" if self.status == ABANDONED else "other"


#: Why the Call log API's answer cannot be used (:class:`CallLogRefused`).
CallLogCode = Literal["refused", "not_json", "no_list", "http_error"]


class CallLogRefused(Exception):
    """The Call log API refused (``code`` ``refused``, ``ERROR_NUMBER`` ``err``; None if it
    gave none) or answered something unreadable (``err`` None): ``code`` says which,
    ``detail`` is its value (Voicenter's ``ERROR_NUMBER`` and ``ERROR_DESCRIPTION`` in brief, or
    the HTTP status). The words are the command's (``wallboard/core/answers.py``). Never holds
    the API code."""

    def __init__(self, err: int | None, code: CallLogCode, detail: str = "") -> None:
        super().__init__(f"{code} {detail}".strip())
        self.err = err
        self.code: CallLogCode = code
        self.detail = detail


def record_key(
    call_id: str, kind: str, queue: str, target_extension: str, started_at: float | None
) -> str:
    """:attr:`CallRecord.key`: the call id, type, queue (its id, else its name), answering
    extension and start to the second."""
    when = "" if started_at is None else f"{started_at:.0f}"
    return "|".join((call_id, kind, queue, target_extension, when))[:255]


def detect(body: bytes) -> Format:
    start = body.lstrip()[:1]
    return "xmlrpc" if start == b"<" else "json" if start in (b"{", b"[") else "form"


def parse(body: bytes, tz: tzinfo | None = None) -> tuple[CallRecord, Format]:
    """The record a notification carries, and its format (for the answer)."""
    if len(body) > MAX_BODY:
        raise CdrRefused(ERR_PARSE, f"the body is {len(body)} bytes; a CDR is far smaller")
    fmt = detect(body)
    fields = _fields(body, fmt)
    return _record(ci(fields), tz), fmt


def _fields(body: bytes, fmt: Format) -> Mapping[str, Any]:
    try:
        if fmt == "xmlrpc":
            params, method = xmlrpc.client.loads(body.decode("utf-8"), use_builtin_types=True)
            if method != "CDR" or len(params) != 1 or not isinstance(params[0], dict):
                raise CdrRefused(ERR_PARSE, "an XML-RPC CDR is a methodCall CDR with one struct")
            return params[0]
        if fmt == "json":
            loaded = json.loads(body.decode("utf-8"))
            if not isinstance(loaded, dict):
                raise CdrRefused(ERR_PARSE, "a JSON CDR is an object")
            return loaded
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except CdrRefused:
        raise
    except (
        UnicodeDecodeError, ValueError, ExpatError, xmlrpc.client.Error, OverflowError,
        RecursionError,  # nested past Python's limit: "[[[[..." is no CDR
    ) as exc:  # fmt: skip
        raise CdrRefused(ERR_PARSE, f"not a readable {fmt} CDR: {type(exc).__name__}") from exc


def _record(f: Mapping[str, Any], tz: tzinfo | None) -> CallRecord:
    def trimmed(*names: str) -> str:
        return text(first(f, *names)).strip()

    call_id = trimmed("ivruniqueid", "ivrunique-id")
    if not call_id:
        raise CdrRefused(ERR_APPLICATION, "the CDR has no ivruniqueid")
    queue = trimmed("queueid")
    wait = integer(f.get("seconds_waiting_in_queue"))
    ring = integer(f.get("dialtime"))
    raw = {str(k).replace("\x00", ""): _kept(v) for k, v in f.items() if _jsonable(v)}
    kind = trimmed("type")
    caller_extension, target_extension = trimmed("callerextension"), trimmed("targetextension")
    outgoing = _squashed(kind) in OUTGOING_TYPES or bool(caller_extension and not target_extension)
    side = "callerextension_name" if outgoing else "targetextension_name"
    return CallRecord(
        call_id=call_id,
        type=kind,
        status=trimmed("status").upper(),
        queue_id=None if queue in ("", "0") else queue,
        queue_name=trimmed("queuename"),
        caller=trimmed("caller"),
        target=trimmed("target"),
        caller_extension=caller_extension,
        target_extension=target_extension,
        did=trimmed("did"),
        started_at=_utc(f.get("time"), tz),
        talk_s=max(0, integer(f.get("duration")) or 0),
        ring_s=ring if ring is not None and ring >= 0 else None,
        queue_wait_s=wait if wait is not None and wait >= 0 else None,
        agent_name=trimmed("representative_name") or trimmed(side),
        agent_code=trimmed("representative_code"),
        record_url=_url(f.get("record")),
        original_call_id=trimmed("originalivruniqueid"),
        raw=raw,
    )


#: The types (without case or spaces) whose agent is on the caller's side (``callerextension``):
#: an extension's own outgoing call, and the leg of a Click2Call (or dialer) call that the
#: agent's extension places to the destination.
OUTGOING_TYPES = frozenset({"extensionoutgoing", "click2callleg2", "productivecallleg2"})


def agent_extension_of(kind: str, caller_extension: str, target_extension: str) -> str:
    """A record's agent's extension: the caller's on an outgoing record (:data:`OUTGOING_TYPES`,
    or one with only a caller extension), else the one that answered."""
    if _squashed(kind) in OUTGOING_TYPES or not target_extension:
        return caller_extension
    return target_extension


#: At most this many tags per call (rev 3.2 section 1.2: "The limit is 10 parameters"), each
#: value at most this long.
MAX_TAGS, MAX_TAG = 10, 200


def custom_tags(raw: Mapping[str, Any]) -> dict[str, str]:
    """The ``var_*`` tags a record carries, by their lower-case names: its own ``var_*`` fields
    and those of its ``CustomData`` object (or that object as JSON text); the record's own win.
    Never raises: anything else is no tag."""
    found: dict[str, str] = {}
    data = ci(raw).get("customdata")
    if isinstance(data, str) and data.strip().startswith("{"):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            data = None
    for source in (data if isinstance(data, Mapping) else {}, raw):
        for name, value in source.items():
            key = str(name).strip().lower()
            if key.startswith("var_") and len(key) > 4 and isinstance(value, str | int | float):
                found[key[:64]] = str(value).strip()[:MAX_TAG]
    return dict(list(found.items())[:MAX_TAGS])


def _squashed(kind: str) -> str:
    return "".join(kind.lower().split())


def _utc(value: object, tz: tzinfo | None) -> float | None:
    """A Voicenter epoch in the account's local time -> UTC (as the socket's, ``wire.py``)."""
    local = number(value)
    if local is None or not 0 < local < MAX_EPOCH:
        return None
    if tz is None:
        return local
    offset = tz.utcoffset(datetime.fromtimestamp(local, UTC).replace(tzinfo=None))
    return local - (offset.total_seconds() if offset is not None else 0)


def _url(value: object) -> str:
    """A recording's address: http(s) only (it becomes a link), at most 1,000 characters."""
    url = value.strip() if isinstance(value, str) else ""
    return url[:1000] if url.startswith(("https://", "http://")) else ""


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _kept(value: Any) -> Any:
    """A field as ``raw`` keeps it: what no database takes made unknown (``NaN``, ``Infinity``:
    None) or removed (NUL characters), the rest as it came."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_kept(item) for item in value]
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _kept(v) for k, v in value.items()}
    return value


def answer(err: int, desc: str, fmt: Format) -> tuple[bytes, str]:
    """The reply to a notification: (body, content type)."""
    if fmt == "xmlrpc":
        body = xmlrpc.client.dumps(({"err": err, "errdesc": desc},), methodresponse=True)
        return body.encode("utf-8"), "text/xml"
    return json.dumps({"err": err, "errdesc": desc}).encode("utf-8"), "application/json"


# --- the Call log API ----------------------------------------------------------------------

#: The Call log API's field names -> the notification's (what :func:`_record` reads).
CALL_LOG_FIELDS: dict[str, str] = {
    "CallID": "ivruniqueid", "Date": "time", "Type": "type", "DialStatus": "status",
    "QueueName": "queuename", "CallerNumber": "caller", "TargetNumber": "target",
    "CallerExtension": "callerextension", "TargetExtension": "targetextension", "DID": "did",
    "Duration": "duration", "RingTime": "dialtime", "RecordURL": "record",
    "RepresentativeName": "representative_name", "RepresentativeCode": "representative_code",
}  # fmt: skip
#: ``ERROR_NUMBER``: the request limit is exceeded (try again later), the API code is refused,
#: too many records for one request (ask a shorter span), this server's IP address is not
#: trusted. What each means to the person running the backfill: ``wallboard/core/answers.py``.
ERR_RATE_LIMIT, ERR_AUTHORIZATION, ERR_TOO_MANY, ERR_UNTRUSTED_IP = 1, 2, 3, 4


def call_log_request(code: str, since: datetime, until: datetime) -> dict[str, object]:
    """The JSON body asking for the records of [since, until) (naive or aware datetimes, sent
    as they read, to the minute)."""
    return {
        "code": code,
        "format": "JSON",
        "fields": list(CALL_LOG_FIELDS),
        "search": {
            "fromdate": since.strftime("%Y-%m-%dT%H:%M"),
            "todate": until.strftime("%Y-%m-%dT%H:%M"),
        },
    }


def parse_call_log(body: object, tz: tzinfo | None = None) -> tuple[list[CallRecord], int]:
    """The Call log API's answer -> (its readable records, how many rows were skipped)."""
    if not isinstance(body, Mapping):
        raise CallLogRefused(None, "not_json")
    top = ci(body)
    err = integer(top.get("error_number"))
    if err != 0:
        said = text(top.get("error_description")) or "no description"
        raise CallLogRefused(err, "refused", f"ERROR_NUMBER {err}, {said}")
    rows = top.get("cdr_list")
    if rows is None:
        return [], 0
    if not isinstance(rows, list):
        raise CallLogRefused(None, "no_list")
    records, skipped = [], 0
    for row in rows:
        try:
            records.append(_record(_as_notification(row, tz), tz))
        except CdrRefused:
            skipped += 1
    return records, skipped


def _as_notification(row: object, tz: tzinfo | None) -> dict[str, Any]:
    """A Call log row with the notification's field names (a row's own spelling first)."""
    if not isinstance(row, Mapping):
        return {}
    fields = ci(row)
    for name, same in CALL_LOG_FIELDS.items():
        value = fields.pop(name.lower(), None)
        if value is not None and fields.get(same) in (None, ""):
            fields[same] = value
    when = fields.get("time")
    if isinstance(when, str) and not _digits(when):
        fields["time"] = _local_epoch(when, tz)
    return fields


def _digits(value: str) -> bool:
    return value.strip().replace(".", "", 1).isdigit()


def _local_epoch(value: str, tz: tzinfo | None) -> float | None:
    """``2026-11-30 09:15:02`` (the account's wall clock) -> a Voicenter epoch (local time)."""
    try:
        local = datetime.fromisoformat(value.strip())
        if local.tzinfo is not None:  # a zone given: its wall clock in the account's
            local = local.astimezone(tz or UTC).replace(tzinfo=None)
        return local.replace(tzinfo=UTC).timestamp()
    except (ValueError, OverflowError):  # not a date, or one past the calendar's edge
        return None
