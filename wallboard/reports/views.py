"""The reports app's pages.

- ``/reports/calls/``: the call log for supervisors: the call records of a range of business
  days (default today) that the person's teams may see, filtered by team, queue, agent, status
  and number, newest first, paged; ``format=csv`` or ``xlsx`` downloads the whole filtered
  range (what it shows and how: ``wallboard/reports/calllog.py``, the files:
  ``wallboard/reports/export.py``).
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
from urllib.parse import urlencode

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language_bidi, gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from realtime.metrics import business_day
from realtime.voicenter.cdr import ERR_APPLICATION, ERR_OK, CdrRefused, answer, detect, parse
from wallboard.agents.roles import role_of
from wallboard.contacts.models import Contact
from wallboard.core.errors import DATABASE_DOWN, count
from wallboard.core.services import account_tz
from wallboard.reports import calllog, export, spool
from wallboard.reports.records import store
from wallboard.reports.words import STATUS_WORDS, status_words, type_words

log = logging.getLogger("wallboard.reports")

#: Seconds a CDR notification waits to be stored before it is answered as not stored.
CDR_WAIT_S = 20.0
#: The answer's reason when a record could not be stored (Voicenter sends it again).
NOT_STORED = "the record could not be stored"


@login_required
@require_GET
def calls(request: HttpRequest) -> HttpResponseBase:
    if not role_of(request.user).supervisor:
        raise PermissionDenied("the call log is for supervisors")
    assert isinstance(request.user, User)
    tz = account_tz()
    today = business_day(time.time(), tz, settings.WALLBOARD_DAY_START_HOUR)
    query = {name: request.GET.get(name, "") for name in request.GET}
    wanted = calllog.asked(query, today, tz)
    problems = wanted.problems
    seen = calllog.seen_by(request.user, wanted.team, problems)
    rows = calllog.records(wanted, seen, tz)
    kind = request.GET.get("format", "")
    if kind == "csv":
        return export.csv_response(
            "calls", wanted.first, wanted.last, calllog.columns(), calllog.export_rows(rows, tz)
        )
    if kind == "xlsx":
        return export.xlsx_response(
            "calls",
            wanted.first,
            wanted.last,
            calllog.columns(),
            calllog.export_rows(rows, tz),
            title=gettext("Call log"),
            rtl=get_language_bidi(),
        )
    if kind:
        calllog.refused(problems, gettext("Downloads come as CSV or XLSX."), "format", kind)
    page = calllog.page(rows.select_related("contact"), request.GET.get("at", ""), problems)
    for call in page.rows:  # Voicenter's codes in words (wallboard/reports/words.py)
        call.status_shown = status_words(call.status)  # type: ignore[attr-defined]
        call.type_shown = type_words(call.type)  # type: ignore[attr-defined]
        call.agent_extension = calllog.agent_extension(call)  # type: ignore[attr-defined]
    counted = calllog.total(rows)
    filters = {
        **{k: v for k, v in wanted.wanted.items() if v},
        "from": wanted.first.isoformat(),
        "to": wanted.last.isoformat(),
        **({"team": seen.chosen} if seen.chosen else {}),
    }
    query_string = urlencode(filters)
    context = {
        "first": wanted.first,
        "last": wanted.last,
        "today": today,
        "page": page,
        "records": min(counted, calllog.COUNT_CAP),
        "more_than": counted > calllog.COUNT_CAP,
        "wanted": wanted.wanted,
        "seen": seen,
        "problems": problems,
        "contact": Contact.objects.filter(pk=wanted.wanted["contact"]).first()
        if wanted.wanted["contact"]
        else None,
        "statuses": [(code, status_words(code)) for code in STATUS_WORDS],
        "query": query_string,
        "all_contacts": urlencode({k: v for k, v in filters.items() if k != "contact"}),
        "csv": urlencode({**filters, "format": "csv"}),
        "xlsx": urlencode({**filters, "format": "xlsx"}),
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


def _refused(reason: str) -> None:
    log.warning("refused a CDR notification: %s", reason)
    count("cdr_refused")
