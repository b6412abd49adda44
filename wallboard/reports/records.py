"""The call records in the database: storing each once, and reading them for the worker.

- :func:`store` keeps a record (``realtime.voicenter.cdr.CallRecord``) once, whichever way it
  came: a notification sent twice, or a call both pushed (``/reports/cdr/<secret>/``) and
  fetched from the Call log API (``backfill_cdr``). Records are one when their keys are
  (``realtime.voicenter.cdr.CallRecord.key``). A Call log record lacks the queue id, which the
  pushed record's key holds: a fetched record and a pushed one are also one when their call
  id, type, answering extension and start (to the second) match, and their queue names unless
  one has none; the pushed record, richer, then replaces the fetched one. Two records of one
  call that came the same way and differ in queue or extension stay two (a call that
  overflowed to another queue; a leg nobody answered). Writers of one call id take turns
  (PostgreSQL: an advisory lock; SQLite: its write lock, ``transaction_mode`` IMMEDIATE).
- Each record stored of a queue call marks the day it began for the reports' roll-ups
  (``wallboard/reports/history.py``), in the same transaction.
- :class:`StoredRecords` hands the worker's day counters the queue calls recorded since its
  last look (``realtime.projections.day.CallRecords``): the records win over what the events
  counted (``realtime.metrics``, "Call records win").
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import redis
from channels.db import database_sync_to_async
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from realtime.metrics import RecordedCall
from realtime.voicenter.cdr import ABANDONED, ANSWERED, CallRecord
from wallboard.contacts.models import CallRequest, Contact
from wallboard.core.services import account_tz
from wallboard.reports import history
from wallboard.reports.models import CallRecord as StoredRecord
from wallboard.reports.models import recorded_call

log = logging.getLogger("wallboard.reports.records")


def store(record: CallRecord, source: str) -> bool:
    """Store ``record`` once; False if it was there already. A pushed record replaces one the
    Call log gave first (True: it has the queue id and the wait)."""
    started = (
        datetime.fromtimestamp(record.started_at, UTC) if record.started_at is not None else None
    )
    fields = {
        "call_id": record.call_id, "type": record.type, "status": record.status,
        "queue_id": record.queue_id or "", "queue_name": record.queue_name,
        "caller": record.caller, "target": record.target,
        "caller_extension": record.caller_extension,
        "target_extension": record.target_extension, "did": record.did,
        "started_at": started, "talk_s": record.talk_s, "ring_s": record.ring_s,
        "queue_wait_s": record.queue_wait_s, "agent_name": record.agent_name,
        "agent_code": record.agent_code, "record_url": record.record_url,
        "original_call_id": record.original_call_id, "raw": record.raw, "source": source,
    }  # fmt: skip
    try:
        with transaction.atomic():
            _take_turns(record.call_id)
            if StoredRecord.objects.filter(key=record.key).exists():
                return False
            same = _same_call_other_way(record, started, source)
            if same is not None and same.source == "push":
                return False  # the fetched record of a call pushed already
            if same is not None:  # replaced, under a new id: the worker reads it again
                same.delete()
            # (the contact looked up only for a record stored: not for each one sent twice)
            StoredRecord.objects.create(key=record.key, contact_id=contact_of(record), **fields)
            history.record_stored(record.started_at, record.status)  # (its day's roll-ups)
    except IntegrityError:
        if StoredRecord.objects.filter(key=record.key).exists():
            return False  # the same record, stored meanwhile by another request
        raise  # another constraint: not "already stored"
    return True


def contact_of(record: CallRecord) -> int | None:
    """The contact a call the wallboard placed was to, linked without matching numbers: by its
    ``var_contact`` tag (``realtime.voicenter.cdr.custom_tags``) if the record carries one that
    names a contact, else by the Click2Call log's row of the same call id (Voicenter's CALLID is
    the call's ``ivruniqueid``); None for every other call."""
    tag = record.tags.get("var_contact", "")
    if tag.isdigit() and Contact.objects.filter(pk=int(tag)).exists():
        return int(tag)
    asked = CallRequest.objects.filter(call_id=record.call_id, contact__isnull=False)
    found: int | None = asked.values_list("contact_id", flat=True).first()
    return found


def _take_turns(call_id: str) -> None:
    """Hold, until the transaction ends, the right to write records of ``call_id``."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [call_id])


def _same_call_other_way(
    record: CallRecord, started: datetime | None, source: str
) -> StoredRecord | None:
    """The stored record of the same call leg that came the other way (pushed / fetched)."""
    if started is None:
        return None
    second = started.replace(microsecond=0)
    rows = StoredRecord.objects.filter(
        call_id=record.call_id,
        type=record.type,
        target_extension=record.target_extension,
        started_at__gte=second,
        started_at__lt=second + timedelta(seconds=1),
    ).exclude(source=source)
    if record.queue_name:
        rows = rows.filter(Q(queue_name__iexact=record.queue_name) | Q(queue_name=""))
    return rows.order_by("id").first()


class StoredRecords:
    """The queue calls recorded in the database, for ``realtime.projections.day``."""

    async def since(self, cursor: int, start: float, limit: int) -> tuple[list[RecordedCall], int]:
        # (a connection the database dropped is replaced, as for every request)
        found: tuple[list[RecordedCall], int] = await database_sync_to_async(self._since)(
            cursor, start, limit
        )
        return found

    def _since(self, cursor: int, start: float, limit: int) -> tuple[list[RecordedCall], int]:
        _drain_spool()  # records the database could not take before (wallboard.reports.spool)
        rows = (
            StoredRecord.objects.filter(
                id__gt=cursor,
                started_at__gte=datetime.fromtimestamp(start, UTC),
                status__in=(ANSWERED, ABANDONED),
            )
            .exclude(Q(queue_id="") & Q(queue_name=""))
            .order_by("id")
            .values_list(
                "id",
                "call_id",
                "queue_id",
                "queue_name",
                "status",
                "started_at",
                "queue_wait_s",
                "caller",
            )[:limit]
        )
        calls: list[RecordedCall] = []
        for row_id, call_id, queue_id, name, status, started, wait, caller in rows:
            cursor = row_id
            if started is None:  # (the filter leaves none)
                continue
            calls.append(
                recorded_call(call_id, queue_id, name, status, started, wait, caller=caller)
            )
        return calls, cursor


def _drain_spool() -> None:
    from wallboard.reports import spool  # (which stores through this module)

    try:
        spool.drain(spool.client(), account_tz())
    except redis.RedisError as exc:  # Redis away: the next look tries again
        log.warning("the call records' spool was not looked at: %s", exc)
