"""Liveness (``/healthz``), readiness (``/readyz``) and the metrics (``/metrics``): what a load
balancer, the operators and their monitoring ask of a web process."""

from __future__ import annotations

import asyncio
import time

from channels.db import database_sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from realtime.lease import lease_status, standby_count
from wallboard.core import metrics as numbers
from wallboard.core.errors import error_response
from wallboard.core.services import shared_store


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers (a load balancer restarts it if not)."""
    return JsonResponse({"ok": True})


#: The worker is "reporting" when its health was written this recently (it writes it every
#: second, realtime/worker.py FLUSH_EVERY_S; boards call it stale after 10 s too).
READY_WORKER_S = 10.0
#: Seconds /readyz waits for Redis before calling it unreachable.
READY_REDIS_S = 2.0


#: Seconds /readyz waits for the database before calling it unreachable.
READY_DATABASE_S = 2.0


@require_GET
async def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 only when Redis answers and the worker reported within
    ``READY_WORKER_S``; else 503, with the reason (``redis``: ok | unreachable; ``worker``:
    ok | stopped | stale | never), and which worker holds the lease (``active_worker``, its
    id: host, pid), when it last renewed it and for how long it has been active
    (``lease_renewed_s_ago``, ``lease_expires_in_s``, ``active_for_s``), and how many wait on
    standby (``standby_workers``). ``database`` (ok | unreachable) is reported but does not
    make a process unready: the boards work without it (they read Redis), and a load balancer
    that took every web process out during a database outage would cut them off too. No
    secrets: no addresses, no error texts."""
    body: dict[str, object] = {
        "ready": False, "redis": "unreachable", "worker": "never",
        "database": await _database(),
    }  # fmt: skip
    try:
        async with asyncio.timeout(READY_REDIS_S):
            store = shared_store()
            health = await store.health()
            lease = await lease_status(store.redis, store.prefix)
    except Exception:  # Redis down or slow: that is the answer
        return JsonResponse(body, status=503)
    body["redis"] = "ok"
    # which worker is active (realtime/lease.py), how old its lease is, how many wait
    body["active_worker"] = lease["active"]
    for name in ("lease_renewed_s_ago", "lease_expires_in_s", "active_for_s"):
        if name in lease:
            body[name] = lease[name]
    body["standby_workers"] = standby_count(lease)
    updated = health.get("updated_at")
    if isinstance(updated, int | float):
        age = max(0.0, time.time() - updated)
        body["worker_age_s"] = round(age, 1)
        if not health.get("running"):
            body["worker"] = "stopped"
        elif age > READY_WORKER_S:
            body["worker"] = "stale"
        else:
            body["worker"] = "ok"
    body["ready"] = body["worker"] == "ok"
    return JsonResponse(body, status=200 if body["ready"] else 503)


@require_GET
async def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, to the addresses and the token ``wallboard/core/metrics.py``
    allows; anyone else: 403, in words, with no number."""
    if not numbers.allowed(request):
        numbers.log.info("metrics refused to %s", request.META.get("REMOTE_ADDR", "?"))
        return error_response(
            request,
            403,
            _("Not allowed"),
            _("The wallboard's metrics are for its monitoring system, not for this address."),
        )
    return await numbers.respond()  # (MetricsMiddleware answers first whoever is allowed)


def _select_one() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _database() -> str:
    try:
        async with asyncio.timeout(READY_DATABASE_S):
            await database_sync_to_async(
                _select_one, thread_sensitive=False
            )()  # (off Django's thread)
    except Exception:  # refused, dropped, slow: unreachable either way
        return "unreachable"
    return "ok"
