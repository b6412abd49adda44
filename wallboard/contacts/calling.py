"""The one Click2Call path every call button takes: a contact's number (``/contacts/call``), a
caller who gave up (``wallboard/callbacks``), a hang-up.

In order: the person's rate limit (``wallboard.core.limits``), their role (agents and
supervisors, ``wallboard.agents.roles``) and their extension; the toll-fraud policy for the
number (``wallboard.contacts.dialling``); one call at a time per person, then one per
``CONTACTS_CALL_EVERY_S`` (a double click, or a second tab, dials once); the request written to
the Click2Call log (:class:`CallRequest`) before Voicenter is asked, and completed with its
answer even if the page went away; every refusal logged too (of a flood, the first), and all
counted in the stats (``click2call:<reason>``). Answers: ``{"ok", "message", "call_id",
"extension"}``, HTTP 200 done, 401 signed out, 403 no extension or a number not to be dialled,
429 too soon, 502 Voicenter refused or failed. No answer holds the API code.
"""

from __future__ import annotations

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.http import JsonResponse
from django.utils.translation import gettext as _

from realtime.keys import Keys
from realtime.phones import for_voicenter
from realtime.store import StateStore
from realtime.voicenter.rest import CallAnswer
from wallboard.agents.roles import role_of
from wallboard.contacts.dialling import why_not
from wallboard.contacts.models import CallRequest, Contact
from wallboard.core.answers import call_message
from wallboard.core.limits import Refusal, rate_limit
from wallboard.core.services import voicenter_client

log = logging.getLogger("wallboard.contacts")

#: Seconds beyond the Voicenter timeout that the call lock outlives a request (a web process
#: that died holding it).
LOCK_MARGIN_S = 5
#: Answers that say for sure no call started: the lock goes at once, the person may retry.
NO_CALL = frozenset({"bad_parameters", "voicenter_error", "offline", "blocked"})


def signed_out() -> JsonResponse:
    return JsonResponse(
        {"ok": False, "message": _("You are signed out: sign in again.")}, status=401
    )


async def extension_of(user: User, store: StateStore) -> str:
    """The extension ``user`` calls from; :class:`Refusal` if they may not call (too many
    commands at once, no role that acts, no extension)."""
    too_many = _("Too many calls at once: wait a second.")
    await rate_limit(user, store, too_many)  # first: abuse costs one round trip
    role = await sync_to_async(role_of)(user)
    if not role.acts:
        raise Refusal(403, "forbidden", _("Only agents and supervisors may place calls."))
    if not role.extension:
        message = _(
            "You have no extension to call from: ask a supervisor to set it in your agent profile."
        )
        raise Refusal(403, "no_extension", message)
    return role.extension


def may_dial(number: str) -> None:
    """:class:`Refusal` if the toll-fraud policy keeps ``number`` (E.164 or a star number)
    from being dialled; checked before every call."""
    refused = why_not(number)
    if refused:
        raise Refusal(403, "not_dialled", refused)


async def refused(
    user: User,
    extension: str,
    action: str,
    target: str,
    contact: Contact | None,
    refusal: Refusal,
    store: StateStore,
) -> JsonResponse:
    """A refusal logged, counted, and answered."""
    log.warning("Click2Call %s refused (%s): %s", action, refusal.reason, refusal.message)
    await store.add_stats({f"click2call:{refusal.reason}": 1})
    if not refusal.quiet:
        await _log(user, extension, action, target, contact, refusal.reason, refusal.message)
    return JsonResponse({"ok": False, "message": refusal.message}, status=refusal.http_status)


async def dial(
    user: User,
    extension: str,
    action: str,
    target: str,
    contact: Contact | None,
    store: StateStore,
) -> CallAnswer:
    """Voicenter asked to ring ``extension``, then ``target`` (E.164 or a star number); no
    ``target``: to hang ``extension`` up. The lock (:func:`lock`) must be held for a call.
    Written down before Voicenter is asked, and finished in a task of its own: a person who
    closes the page mid-request cancels the view, not the call nor its record."""
    entry = await _log(
        user, extension, action, target, contact, "asked", _("Asked; no answer yet.")
    )
    work = _ask_voicenter(user, extension, target, entry, store, call_tags(user, contact))
    answer: CallAnswer = await asyncio.shield(asyncio.ensure_future(work))
    return answer


def answered(answer: CallAnswer, extension: str, *, hang_up: bool) -> JsonResponse:
    body = {"ok": answer.ok, "message": call_message(answer, hang_up=hang_up),
            "call_id": answer.call_id, "extension": extension}  # fmt: skip
    return JsonResponse(body, status=200 if answer.ok else 502)


def call_tags(user: User, contact: Contact | None) -> dict[str, str]:
    """The ``var_*`` tags a call carries to Voicenter's records of it (``docs/voicenter.md``):
    the contact's id (when the number is a contact's) and the username of who asked."""
    tags = {"user": user.get_username()}
    if contact is not None:
        tags["contact"] = str(contact.pk)
    return tags


async def _ask_voicenter(
    user: User,
    extension: str,
    target: str,
    entry: CallRequest,
    store: StateStore,
    tags: dict[str, str],
) -> CallAnswer:
    hang_up = not target
    started = time.monotonic()
    client = voicenter_client()
    try:
        if hang_up:
            answer = await client.hang_up(phone=extension)
        else:
            answer = await client.click2call(
                phone=extension,
                target=for_voicenter(target, settings.CONTACTS_DEFAULT_REGION),
                record=settings.VOICENTER_C2C_RECORD,
                caller_id=settings.VOICENTER_C2C_CALLER_ID,
                tags=tags,
            )
    finally:
        await client.aclose()
    if not hang_up:
        await _unlock(user, store, answer.reason in NO_CALL)
    if not answer.ok:
        log.warning("Click2Call from %s refused: %s", extension, answer.said)
    await store.add_stats({f"click2call:{answer.reason}": 1})
    message = call_message(answer, hang_up=hang_up)
    entry.ok, entry.reason, entry.message = answer.ok, answer.reason, message
    entry.call_id, entry.voicenter_said = answer.call_id, answer.said[:300]
    entry.latency_ms = round((time.monotonic() - started) * 1000)
    fields = ["ok", "reason", "message", "call_id", "voicenter_said", "latency_ms"]
    await entry.asave(update_fields=fields)
    return answer


def lock_key(prefix: str, user: User) -> str:
    return Keys(prefix).click2call_asked(user.pk)


async def lock(user: User, store: StateStore) -> None:
    """One call at a time per person: held while Voicenter is asked (its timeout and a margin
    at most), then ``CONTACTS_CALL_EVERY_S`` more unless the answer says no call started."""
    hold = max(settings.CONTACTS_CALL_EVERY_S, settings.VOICENTER_API_TIMEOUT_S + LOCK_MARGIN_S)
    key = lock_key(store.prefix, user)
    if not await store.redis.set(key, 1, nx=True, px=int(hold * 1000)):
        raise Refusal(429, "too_soon", _("A call is already being placed: one moment."))


async def _unlock(user: User, store: StateStore, no_call: bool) -> None:
    key = lock_key(store.prefix, user)
    if no_call:
        await store.redis.delete(key)  # nothing started: they may try again at once
    else:  # a call (or maybe one: a timeout) is on its way
        await store.redis.pexpire(key, int(settings.CONTACTS_CALL_EVERY_S * 1000))


async def _log(
    user: User,
    extension: str,
    action: str,
    target: str,
    contact: Contact | None,
    reason: str,
    message: str,
) -> CallRequest:
    return await CallRequest.objects.acreate(
        actor=user,
        actor_name=user.get_username(),
        extension=extension,
        action=action,
        contact=contact,
        target=target,
        ok=False,
        reason=reason,
        message=message,
    )
