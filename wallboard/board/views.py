"""Pages: the board (signed-in users, or a display link's TV), liveness (``/healthz``) and
readiness (``/readyz``).

The board page carries its configuration as JSON (``board-config``, rendered by
``json_script``: text, never markup): the account's status names and which ones are offered
(``wallboard.agents.models.StatusOption``), who is looking (their extension, whether they may
act on their own card or on every card) and where a status change is posted. A display link
gets the names only: it never acts.
"""

from __future__ import annotations

import asyncio
import time

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from realtime.metrics import FORMULAS
from wallboard.agents.models import StatusOption
from wallboard.agents.roles import role_of
from wallboard.board.models import DisplayLink
from wallboard.board.services import shared_store


def _statuses() -> list[dict[str, object]]:
    return [
        {"code": o.code, "name": o.name, "offered": o.offered} for o in StatusOption.objects.all()
    ]


@require_GET
@login_required
def board(request: HttpRequest) -> HttpResponse:
    tv = request.GET.get("tv", "").lower() in ("1", "true", "yes", "on")
    role = role_of(request.user)
    config = {
        "statuses": _statuses(),
        "me": {
            "extension": role.extension,
            "supervisor": role.supervisor,
            "agent": role.agent,
        },
        "status_url": reverse("change_status"),
        "lookup_url": reverse("contacts_lookup"),
        "confirm_s": settings.WALLBOARD_STATUS_CONFIRM_S,
        "heartbeat_s": settings.WALLBOARD_HEARTBEAT_S,
        "formulas": FORMULAS,
    }
    return render(request, "board/board.html", {"tv": tv, "config": config})


@require_GET
def display(request: HttpRequest, token: str) -> HttpResponse:
    """A display link: the board in TV mode, no sign-in, no controls."""
    link = DisplayLink.open(token)
    if link is None:
        return render(request, "board/display_gone.html", status=404)
    config = {
        "statuses": _statuses(),
        "me": None,
        "status_url": "",
        "confirm_s": 0,
        "heartbeat_s": settings.WALLBOARD_HEARTBEAT_S,
        "formulas": FORMULAS,
    }
    context = {"tv": True, "config": config, "display": link, "display_token": token}
    return render(request, "board/board.html", context)


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
    ok | stopped | stale | never). ``database`` (ok | unreachable) is reported but does not
    make a process unready: the boards work without it (they read Redis), and a load balancer
    that took every web process out during a database outage would cut them off too. No
    secrets: no addresses, no error texts."""
    body: dict[str, object] = {
        "ready": False, "redis": "unreachable", "worker": "never",
        "database": await _database(),
    }  # fmt: skip
    try:
        async with asyncio.timeout(READY_REDIS_S):
            health = await shared_store().health()
    except Exception:  # Redis down or slow: that is the answer
        return JsonResponse(body, status=503)
    body["redis"] = "ok"
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
