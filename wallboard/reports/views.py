"""The reports app's pages.

- ``/reports/calls/``: the call log for supervisors: a business day's call records (default
  today), filtered by queue, agent, status and number, newest first.
- ``/reports/cdr/<WALLBOARD_CDR_SECRET>/``: Voicenter's CDR notifications (the format and the
  answer: ``realtime/voicenter/cdr.py``). Each record is stored once (its key), whatever repeats
  it. Without the secret (or with a wrong one) the answer is a 404, as for any unknown page;
  a body we cannot use gets ``err`` 1 or 2 with a reason, and is logged and counted
  (``cdr_refused`` in the worker's counters). The records are read and stored one after the
  other by one thread of the process's own (``CDR_THREAD``), not each on the thread Django
  makes for a sync view's request under ASGI: that thread's database connection and work for
  every call that ends grew the web process by 30 to 50 MiB within minutes of a busy day
  (``bench/bench_fleet.py``). Voicenter posts a record once: with the database unreachable
  it is answered ``err`` 0 once it waits in Redis, and stored when the database answers
  (``wallboard.reports.spool``); ``err`` 2 only when neither the database nor Redis took it.
  A record not stored within CDR_WAIT_S (a database that hangs rather than refuses, or
  ``backfill_cdr`` holding the call's lock) is answered ``err`` 2, and its thread still stores
  or spools it when the database answers (once: records are known by their key).
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, tzinfo
from urllib.parse import urlencode

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import close_old_connections
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from realtime.metrics import business_day, day_bounds
from realtime.voicenter.cdr import ERR_APPLICATION, ERR_OK, CdrRefused, answer, detect, parse
from wallboard.agents.roles import role_of
from wallboard.core.errors import DATABASE_DOWN, count
from wallboard.core.services import account_tz
from wallboard.reports import spool
from wallboard.reports.models import CallRecord as StoredRecord
from wallboard.reports.records import store
from wallboard.reports.words import status_words, type_words

log = logging.getLogger("wallboard.reports")

#: Rows per page of the call log.
PAGE_SIZE = 100
#: Seconds a CDR notification waits to be stored before it is answered as not stored.
CDR_WAIT_S = 20.0
#: The answer's reason when a record could not be stored (Voicenter sends it again).
NOT_STORED = "the record could not be stored"


@login_required
@require_GET
def calls(request: HttpRequest) -> HttpResponse:
    if not role_of(request.user).supervisor:
        raise PermissionDenied("the call log is for supervisors")
    tz = account_tz()
    today = business_day(time.time(), tz, settings.WALLBOARD_DAY_START_HOUR)
    day = today
    if request.GET.get("date"):
        try:
            asked = date.fromisoformat(request.GET["date"])
            _bounds(asked, tz)
            day = asked
        except (ValueError, OverflowError, OSError):  # not a date, or one no clock reaches
            pass
    since, until = _bounds(day, tz)
    rows = StoredRecord.objects.filter(started_at__gte=since, started_at__lt=until)
    wanted = {
        k: request.GET.get(k, "").strip()[:100] for k in ("queue", "agent", "status", "number")
    }
    if wanted["queue"]:
        rows = rows.filter(Q(queue_id=wanted["queue"]) | Q(queue_name__iexact=wanted["queue"]))
    if wanted["agent"]:
        rows = rows.filter(  # the extension answered, or called (an outgoing record)
            Q(agent_name__icontains=wanted["agent"])
            | Q(target_extension=wanted["agent"])
            | Q(caller_extension=wanted["agent"])
        )
    if wanted["status"]:
        rows = rows.filter(status=wanted["status"].upper())
    if wanted["number"]:
        digits = "".join(c for c in wanted["number"] if c.isdigit())[-9:] or wanted["number"]
        rows = rows.filter(Q(caller__contains=digits) | Q(target__contains=digits))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for call in page.object_list:  # Voicenter's codes in words (wallboard/reports/words.py)
        call.status_shown = status_words(call.status)
        call.type_shown = type_words(call.type)
    context = {
        "day": day,
        "today": today,
        "page": page,
        "wanted": wanted,
        "statuses": [
            (code, status_words(code))
            for code in ("ANSWER", "ABANDONE", "NOANSWER", "BUSY", "CANCEL", "VOEND")
        ],
        "query": urlencode({k: v for k, v in {**wanted, "date": day.isoformat()}.items() if v}),
    }
    return render(request, "reports/calls.html", context)


@csrf_exempt  # Voicenter's servers post here; the secret in the path is the credential
@require_http_methods(["GET", "POST"])
async def cdr(request: HttpRequest, secret: str) -> HttpResponse:
    expected = settings.WALLBOARD_CDR_SECRET
    if not expected or not constant_time_compare(secret, expected):
        raise Http404
    body = request.body if request.method == "POST" else request.META.get("QUERY_STRING", "")
    raw = body if isinstance(body, bytes) else body.encode()
    # shielded: a record given up on (the wait, or Voicenter hanging up) is still taken
    job = asyncio.wrap_future(CDR_THREAD.submit(_take_in_thread, raw))
    try:
        reply, content_type = await asyncio.wait_for(asyncio.shield(job), CDR_WAIT_S)
    except TimeoutError:
        log.warning("a CDR was not stored within %s s: answered as not stored", CDR_WAIT_S)
        reply, content_type = answer(ERR_APPLICATION, NOT_STORED, detect(raw))
    return HttpResponse(reply, content_type=content_type)


def _take(raw: bytes) -> tuple[bytes, str]:
    """Read and store one notification (on ``CDR_THREAD``); the answer and its content type.
    A record the database cannot take now waits in Redis (``wallboard.reports.spool``)."""
    tz = account_tz()
    try:
        record, fmt = parse(raw, tz)
    except CdrRefused as refused:
        _refused(str(refused))
        return answer(refused.err, str(refused), detect(raw))
    conn: redis.Redis | None = None
    try:
        conn = spool.client()
        if spool.waiting(conn):  # records wait before it: it waits behind them
            spool.keep(conn, raw)
            spool.drain_soon(tz)  # on a thread of its own: Voicenter is answered at once
            return answer(ERR_OK, "OK", fmt)
    except redis.RedisError:
        log.warning("Redis out of reach: a call record is stored without the spool")
        conn = None
    try:
        created = store(record, "push")
    except DATABASE_DOWN as exc:
        if conn is None:
            log.error("a call record could not be stored: the database and Redis are away")
            return answer(ERR_APPLICATION, NOT_STORED, fmt)
        try:
            spool.keep(conn, raw)
        except redis.RedisError:
            log.error("a call record could not be stored: the database and Redis are away")
            return answer(ERR_APPLICATION, NOT_STORED, fmt)
        log.warning("the database is unreachable (%s): a call record waits in Redis", exc)
        return answer(ERR_OK, "OK (kept until the database answers)", fmt)
    except Exception:  # refused by the database for another reason: say so; logged
        log.exception("a CDR could not be stored")
        return answer(ERR_APPLICATION, NOT_STORED, fmt)
    count("cdr_stored" if created else "cdr_duplicate")
    return answer(ERR_OK, "OK" if created else "OK (already stored)", fmt)


#: The thread that stores Voicenter's CDR notifications, one after the other (see ``cdr``).
CDR_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallboard-cdr")


def _take_in_thread(raw: bytes) -> tuple[bytes, str]:
    close_old_connections()  # as Django does around a request's work
    try:
        return _take(raw)
    finally:
        close_old_connections()


def _bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Business day ``day`` as the UTC datetimes [since, until)."""
    start, end = day_bounds(day, tz, settings.WALLBOARD_DAY_START_HOUR)
    return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)


def _refused(reason: str) -> None:
    log.warning("refused a CDR notification: %s", reason)
    count("cdr_refused")
