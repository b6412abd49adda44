"""The page of today's callers who gave up (``/callbacks/``), its list, and the call-back.

- ``GET /callbacks/``: the page, for agents, supervisors and superusers
  (:mod:`wallboard.callbacks.listing` says which rows each sees); ``?queue=<id>`` shows one
  queue's (the board's tiles link here).
- ``GET /callbacks/list[?v=<version>]``: ``{"v": version, "rows": [...]}`` (each row:
  :func:`wallboard.callbacks.listing.for_person`), or ``{"v": version, "same": true}`` when the
  page holds that version already: a page asks every few seconds and the lists are read only
  when they changed.
- ``POST /callbacks/call`` (fields ``number``, the row's number, and ``key``, the abandon it is
  for: CSRF-protected): one click calls the caller back through the one Click2Call path
  (:mod:`wallboard.contacts.calling`: the person's extension rings first, the log, the limits,
  the answer's words), once: the call-back is claimed before Voicenter is asked, and a second
  click, here or on another screen, is answered 409 with who took it. A row gone from the
  list (the caller got through, or gave up again since the page read it) is answered 409
  too, and the page reads the list again. Answers as ``/contacts/call``'s, with
  ``"callback"``: the row's call-back as the list shows it.

HTTP codes: 200 calling, 400 wrong field, 401 signed out, 403 not an agent or supervisor, no
extension, another team's queue or a number not to be dialled, 409 taken or gone, 429 too soon,
502 Voicenter refused or failed.
"""

from __future__ import annotations

import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from realtime.phones import BadNumber, normalise
from wallboard.agents.roles import Role, role_of
from wallboard.callbacks.listing import (
    Claim,
    Lists,
    claim_field,
    clock_time,
    for_person,
    person_name,
    queues_seen,
    today,
)
from wallboard.contacts import calling
from wallboard.contacts.dialling import number_problem
from wallboard.contacts.models import Contact, PhoneNumber
from wallboard.core.limits import Refusal
from wallboard.core.services import shared_store

log = logging.getLogger("wallboard.callbacks")

#: How often an open page asks whether the list changed (ms), and reads it all regardless
#: (ms: a call-back's outcome comes with Voicenter's call record, which moves no version).
POLL_MS = 5_000
REFRESH_MS = 60_000


def _sees(user: User, role: Role) -> bool:
    return role.acts or user.is_superuser


@login_required
def page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    role = role_of(user)
    if not _sees(user, role):
        message = _("Only agents and supervisors see the callers who gave up.")
        return render(request, "callbacks/callbacks.html", {"refused": message}, status=403)
    config = {
        "list_url": reverse("callbacks_list"),
        "call_url": reverse("callbacks_call"),
        "may_call": role.may_call,
        "queue": request.GET.get("queue", "")[:40],
        "poll_ms": POLL_MS,
        "refresh_ms": REFRESH_MS,
    }
    return render(request, "callbacks/callbacks.html", {"role": role, "config": config})


@require_GET
async def listing(request: HttpRequest) -> JsonResponse:
    user = await request.auser()
    if not isinstance(user, User):
        return calling.signed_out()
    role = await sync_to_async(role_of)(user)
    if not _sees(user, role):
        message = _("Only agents and supervisors see the callers who gave up.")
        return JsonResponse({"ok": False, "message": message}, status=403)
    lists = Lists(shared_store())
    version = await lists.version()
    if request.GET.get("v") == version:
        return JsonResponse({"v": version, "same": True})
    rows = await for_person(user, lists, today())
    return JsonResponse({"v": version, "rows": rows})


@require_POST
async def call_back(request: HttpRequest) -> JsonResponse:
    user = await request.auser()
    if not isinstance(user, User):
        return calling.signed_out()
    store = shared_store()
    lists = Lists(store)
    number = request.POST.get("number", "").strip()[:40]
    key = request.POST.get("key", "").strip()[:200]
    day = today()
    extension, target, field = "", "", claim_field(number, key)
    claim: Claim | None = None
    try:
        extension = await calling.extension_of(user, store)
        if not number or not key:
            raise Refusal(400, "bad_request", _("Say which caller to call back."))
        row = await lists.row(day, number)
        if row is None or row["k"] != key:
            gone = _("This caller is no longer on the list: they got through, or called again.")
            raise Refusal(409, "callback_gone", gone)
        seen = await sync_to_async(queues_seen)(user)
        if seen is not None and row["q"] not in seen:
            raise Refusal(403, "forbidden", _("That caller waited in a queue of another team."))
        target = _dialled(number)
        calling.may_dial(target)
        claim = Claim(user.pk, await sync_to_async(person_name)(user), time.time(), extension)
        held = await lists.claim(day, field, claim)
        if held is not None:
            claim = None
            raise Refusal(409, "callback_taken", _taken(held, user))
        try:
            await calling.lock(user, store)
        except Refusal:
            await lists.settle(day, field, claim, started=False)
            raise
    except Refusal as refusal:
        await store.add_stats({f"callback:{refusal.reason}": 1})
        return await calling.refused(user, extension, "call back", target, None, refusal, store)
    assert claim is not None  # (taken above, or refused)
    contact = await _contact_of(target)
    answer = await calling.dial(user, extension, "call back", target, contact, store)
    started = answer.reason not in calling.NO_CALL
    claim = Claim(claim.by, claim.name, claim.at, extension, answer.call_id)
    await lists.settle(day, field, claim, started)
    await store.add_stats({"callback:asked": 1})
    return calling.answered(answer, extension, hang_up=False)


def _dialled(number: str) -> str:
    """The caller's number as we dial it (E.164 or a star number); :class:`Refusal` if it is
    no number to dial."""
    try:
        return normalise(number, settings.CONTACTS_DEFAULT_REGION)
    except BadNumber as bad:
        raise Refusal(403, "not_dialled", number_problem(bad)) from None


async def _contact_of(target: str) -> Contact | None:
    """The contact whose number the call-back dials (the first by name), for the call's log and
    its ``var_contact`` tag; None for a stranger."""
    found = (
        PhoneNumber.objects.select_related("contact")
        .filter(number=target)
        .order_by("contact__name", "contact_id")
    )
    number = await found.afirst()
    return number.contact if number is not None else None


def _taken(held: Claim, user: User) -> str:
    if held.by == user.pk:
        return _("You are already calling this caller back (since %(time)s).") % {
            "time": clock_time(held.at)
        }
    return _("%(name)s is already calling this caller back (since %(time)s).") % {
        "name": held.name,
        "time": clock_time(held.at),
    }
