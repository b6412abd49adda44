"""The status buttons' endpoint: ``POST /agents/status`` (form fields ``extension``, ``status``).

CSRF-protected (Django's middleware) and authorised here, whatever the request says: a
supervisor may change any extension, an agent only their own (``wallboard.agents.roles``), and
only to a status the admin offers. A person's identical request while one is on its way (a
double click) is answered without a second call to Voicenter, and a person makes at most
a few requests a second (``wallboard.core.limits``: the first refusal of a window is
audited, the rest only counted and logged). Voicenter is called through
:class:`realtime.voicenter.client.VoicenterClient`; every request that reaches that point, and
every refusal of a signed-in person, is written to the audit log
(:class:`wallboard.agents.models.StatusChange`) and counted in the stats
(``status:<reason>``, ``python manage.py dump_state``).

The answer is JSON: ``{"ok", "message", "extension", "status", "status_name", "confirm_s"}``;
``message`` is for the person (in their words: ``wallboard.core.answers``), ``confirm_s`` how
long the board waits for Voicenter's ``userStatusUpdate`` before it says the change did not
show. HTTP 200 (done), 400 (a wrong field), 401 (signed out), 403 (not yours), 409 (no
Voicenter user id known), 429 (too many), 502 (Voicenter refused or failed). No answer ever
holds the API code.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from realtime.keys import Keys
from realtime.store import StateStore
from realtime.voicenter.rest import StatusAnswer
from wallboard.agents.models import AgentProfile, Extension, StatusChange, StatusOption
from wallboard.agents.roles import Role, role_of
from wallboard.core.answers import status_message
from wallboard.core.limits import Refusal, ascii_int, rate_limit
from wallboard.core.services import shared_store, voicenter_client

log = logging.getLogger("wallboard.agents")

#: Seconds beyond the Voicenter timeout that a request's in-flight lock outlives a web process
#: that died holding it.
SAME_REQUEST_MARGIN_S = 5


@dataclass(frozen=True)
class Plan:
    """A request that may go to Voicenter."""

    actor: User
    role: Role
    extension: str
    status: int
    status_name: str
    voicenter_user_id: str  # "" when only the live state may know it


@require_POST
async def change_status(request: HttpRequest) -> JsonResponse:
    user = await request.auser()
    if not isinstance(user, User):
        return _json(False, _("You are signed out: sign in again."), 401)
    extension = request.POST.get("extension", "").strip()
    raw_status = request.POST.get("status", "").strip()
    store = shared_store()
    try:
        too_many = _("Too many status changes at once: wait a second.")
        await rate_limit(user, store, too_many)  # first: abuse costs one round trip
        plan = await sync_to_async(_plan)(user, extension, raw_status)
        if not plan.voicenter_user_id:
            plan = await _with_live_user_id(plan, store)
        await _once(plan, store)
    except Refusal as refusal:
        log.warning("status change refused (%s): %s", refusal.reason, refusal.message)
        await store.add_stats({f"status:{refusal.reason}": 1})
        if not refusal.quiet:  # a flood is counted, and written down once per window
            await sync_to_async(_audit_refusal)(user, extension, raw_status, refusal)
        return _json(False, refusal.message, refusal.http_status, extension=extension)
    # Written down before Voicenter is asked, and finished in a task of its own: a person who
    # closes the page mid-call cancels this view, not the record of what was asked.
    entry = await StatusChange.objects.acreate(
        actor=plan.actor,
        actor_name=plan.actor.get_username(),
        extension=plan.extension,
        voicenter_user_id=plan.voicenter_user_id,
        status=plan.status,
        status_name=plan.status_name,
        ok=False,
        reason="asked",
        message=_("Asked; Voicenter has not answered yet."),
    )
    answer = await asyncio.shield(asyncio.ensure_future(_ask_voicenter(plan, entry, store)))
    return _json(
        answer.ok,
        _said_to(plan, answer),
        200 if answer.ok else 502,
        extension=plan.extension,
        status=plan.status,
        status_name=plan.status_name,
    )


def _said_to(plan: Plan, answer: StatusAnswer) -> str:
    """The answer in the words of the person who asked."""
    return status_message(
        answer, extension=plan.extension, status=plan.status, name=plan.status_name
    )


async def _ask_voicenter(plan: Plan, entry: StatusChange, store: StateStore) -> StatusAnswer:
    started = time.monotonic()
    client = voicenter_client()
    try:
        answer = await client.set_status(
            user_id=plan.voicenter_user_id,
            extension=plan.extension,
            status=plan.status,
        )
    finally:
        await client.aclose()
        await store.redis.delete(_same_key(store.prefix, plan))  # the request is over
    if not answer.ok:
        log.warning("Voicenter refused a status change for %s: %s", plan.extension, answer.said)
    await store.add_stats({f"status:{answer.reason}": 1})
    entry.ok, entry.reason, entry.message = answer.ok, answer.reason, _said_to(plan, answer)
    entry.voicenter_said = answer.said[:300]
    entry.latency_ms = round((time.monotonic() - started) * 1000)
    await entry.asave(update_fields=["ok", "reason", "message", "voicenter_said", "latency_ms"])
    return answer


def _plan(user: User, extension: str, raw_status: str) -> Plan:
    """Who asks, for whom, which status: checked against the roles and the admin's list."""
    role = role_of(user)
    if not extension or len(extension) > 64:
        raise Refusal(400, "bad_request", _("Say which extension (its SIP user)."))
    status = ascii_int(raw_status, 4)
    if status is None:
        raise Refusal(400, "bad_request", _("The status must be a number."))
    option = StatusOption.objects.filter(code=status, offered=True).first()
    if option is None:
        message = _("Status %(status)s is not offered on this board.") % {"status": status}
        raise Refusal(400, "bad_request", message)
    if not role.may_change(extension):
        if role.supervisor:
            message = _("You may change only the statuses of your teams' agents.")
        elif role.agent:
            message = _("You may change only your own status.")
        else:
            message = _("Only agents and supervisors may change statuses.")
        raise Refusal(403, "forbidden", message)
    if role.extension == extension and role.voicenter_user_id:
        user_id = role.voicenter_user_id
    else:
        profile = AgentProfile.objects.filter(extension=extension).first()
        directory = Extension.objects.filter(sip=extension).first()
        user_id = (profile.voicenter_user_id if profile else "") or (
            directory.voicenter_user_id if directory else ""
        )
    return Plan(user, role, extension, status, option.name_for(get_language()), user_id)


async def _with_live_user_id(plan: Plan, store: StateStore) -> Plan:
    """The extension's Voicenter user id as the worker last saw it (``userID``)."""
    agent = await store.entity("agents", plan.extension) or {}
    user_id = agent.get("user_id")
    if not isinstance(user_id, int):
        message = _(
            "The Voicenter user id of extension %(extension)s is unknown: set it in the agent's"
            " profile (admin)."
        ) % {"extension": plan.extension}
        raise Refusal(409, "no_user_id", message)
    return Plan(plan.actor, plan.role, plan.extension, plan.status, plan.status_name, str(user_id))


def _same_key(prefix: str, plan: Plan) -> str:
    return Keys(prefix).status_asked(plan.actor.pk, plan.extension, plan.status)


async def _once(plan: Plan, store: StateStore) -> None:
    """The same request while the last one is on its way (a double click) goes no further: a
    lock released when Voicenter has answered (its expiry only covers a crashed process)."""
    expiry = settings.VOICENTER_API_TIMEOUT_S + SAME_REQUEST_MARGIN_S
    key = _same_key(store.prefix, plan)
    fresh = await store.redis.set(key, 1, nx=True, px=int(expiry * 1000))
    if not fresh:
        message = _("%(name)s was already asked for: one moment.") % {"name": plan.status_name}
        raise Refusal(429, "duplicate", message)


def _audit_refusal(user: User, extension: str, raw_status: str, refusal: Refusal) -> None:
    status = ascii_int(raw_status, 4) or 0
    option = StatusOption.objects.filter(code=status).first()
    StatusChange.objects.create(
        actor=user,
        actor_name=user.get_username(),
        extension=extension[:64],
        status=status,
        status_name=option.name if option else raw_status[:40],
        ok=False,
        reason=refusal.reason,
        message=refusal.message,
    )


def _json(ok: bool, message: str, http_status: int, **fields: object) -> JsonResponse:
    body = {
        "ok": ok,
        "message": message,
        "confirm_s": settings.WALLBOARD_STATUS_CONFIRM_S,
        **fields,
    }
    return JsonResponse(body, status=http_status)
