"""The contacts page (``/contacts/``: search, a call button per number, the call followed live),
its Click2Call endpoints and the CSV import page.

- ``POST /contacts/call`` (field ``number``: a :class:`PhoneNumber` id; the server decides
  what is dialled) and ``POST /contacts/hangup`` (``action=terminate`` on the person's
  extension): CSRF-protected, through the one Click2Call path
  (:mod:`wallboard.contacts.calling`: who may call, one call at a time, the log, the answer in
  words); ``phone`` = their extension, ``target`` = the number as Voicenter expects it.
- The page carries the call its person last placed from it (:func:`my_call`, from the
  Click2Call log), so that a reload during a call brings back its panel and its "Hang up": the
  page follows it again once the board's socket shows it on the person's extension.
- ``/contacts/import`` (supervisors): a CSV upload (``wallboard.contacts.importing``).
- For supervisors each contact links to the call log of the calls placed to it from the
  wallboard over :data:`CALLS_SHOWN_DAYS` days (``/reports/calls/?contact=<id>``: the call
  records link to the contact by the call's tags or id, ``wallboard.reports.records``).
- ``/contacts/<id>/``: one contact; ``GET /contacts/lookup?phone=``: the board's screen-pop
  (and, for who may add contacts, its "Add contact" link for an unknown caller:
  :func:`add_contact_url`);
  ``/contacts/popup/<CONTACTS_POPUP_SECRET>/``: Voicenter's own Pop-up screen service
  (:func:`voicenter_popup`: GET ``?phone=``, or a POST of a form or of JSON; CORS open, no
  CSRF: the secret path is the credential).

A number the toll-fraud policy refuses (``wallboard.contacts.dialling``) is never dialled.

HTTP codes: 200 done, 400 wrong field, 401 signed out, 403 no extension or a number not to be
dialled, 404 no such number,
429 too soon, 502 Voicenter refused or failed. No answer holds the API code.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any, BinaryIO, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from realtime.metrics import business_day
from realtime.phones import digits, for_voicenter, key_of
from wallboard.agents.roles import role_of
from wallboard.contacts import calling
from wallboard.contacts.importing import ENCODINGS, BadFile, import_file
from wallboard.contacts.models import CallRequest, Contact, PhoneNumber
from wallboard.core.limits import Refusal, ascii_int
from wallboard.core.services import account_tz, shared_store

log = logging.getLogger("wallboard.contacts")

PAGE_SIZE = 50
#: Largest CSV upload accepted from the page, bytes (``WALLBOARD_MAX_UPLOAD``; bigger files:
#: ``manage.py import_contacts``, which streams them).
MAX_UPLOAD = settings.WALLBOARD_MAX_UPLOAD
#: How long after it was asked for a call is still given back to a reloaded contacts page (if
#: the board's socket shows it on the person's extension): longer than any call.
CALL_REMEMBERED = timedelta(hours=4)
#: A contact's "Calls placed" link opens the call log over this many days, today's included.
CALLS_SHOWN_DAYS = 90


def search(query: str) -> QuerySet[Contact]:
    """Contacts whose name, company or notes contain ``query``, or whose number contains its
    digits (national ``050...`` or international ``+97250...``)."""
    contacts = Contact.objects.prefetch_related("numbers")
    query = query.strip()[:100]
    if not query:
        return contacts
    match = Q(name__icontains=query) | Q(company__icontains=query) | Q(notes__icontains=query)
    wanted = digits(query).lstrip("0")  # national 050... is +97250... in the database
    if len(wanted) >= 3:
        match |= Q(numbers__number__contains=wanted)
    return contacts.filter(match).distinct()


@login_required
def contacts(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    return render(request, "contacts/contacts.html", _context(request, search(query), query))


@login_required
def contact_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One contact: the page a screen-pop and Voicenter's pop-up link to."""
    found = Contact.objects.prefetch_related("numbers").filter(pk=pk)
    if not found.exists():
        return render(request, "contacts/contacts.html", _context(request, [], ""), status=404)
    return render(request, "contacts/contacts.html", _context(request, found, ""))


def _context(request: HttpRequest, contacts: Any, query: str) -> dict[str, object]:
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    role = role_of(request.user)
    user = request.user
    config = {
        "me": {"extension": role.extension},
        "call_url": reverse("contacts_call"),
        "hangup_url": reverse("contacts_hangup"),
        "lookup_url": reverse("contacts_lookup"),
        "add_contact_url": add_contact_url(user),
        "call": my_call(user, role.extension) if role.may_call and isinstance(user, User) else None,
    }
    # the call log's link to a contact's calls reaches back CALLS_SHOWN_DAYS (its days)
    since = business_day(time.time(), account_tz(), settings.WALLBOARD_DAY_START_HOUR)
    return {
        "page": page, "query": query, "role": role, "config": config,
        "calls_since": (since - timedelta(days=CALLS_SHOWN_DAYS - 1)).isoformat(),
    }  # fmt: skip


def add_contact_url(user: object) -> str:
    """The admin's add form (``wallboard.contacts.admin``: ``?phone=`` fills in the number), for
    the screen-pop's "Add contact" link under an unknown caller, if ``user`` may add a contact
    and its numbers there (supervisors, superusers); else "" (no link)."""
    if not isinstance(user, User) or not user.is_staff:  # (the admin is for staff only)
        return ""
    if not user.has_perms(["contacts.add_contact", "contacts.add_phonenumber"]):
        return ""
    return reverse("admin:contacts_contact_add")


def my_call(user: User, extension: str) -> dict[str, object] | None:
    """The last call ``user`` asked for from ``extension`` in the past :data:`CALL_REMEMBERED`
    that Voicenter accepted (or has not answered yet; refusals after it, such as a second tab's
    "too soon", do not hide it), as the page follows a call: ``call_id`` (Voicenter's CALLID,
    "" before its answer), ``contact`` (its id, or None), ``name``, ``dial`` (the number as
    Voicenter was asked to call it) and ``age_s`` (seconds since it was asked); else None.
    Whether it is still going on is the board's socket's to say."""
    entry = (
        CallRequest.objects.select_related("contact")
        .filter(actor=user, action="call", extension=extension)
        .filter(Q(ok=True) | Q(reason="asked"), at__gte=timezone.now() - CALL_REMEMBERED)
        .exclude(target="")
        .order_by("-at", "-id")
        .first()
    )
    if entry is None:
        return None
    return {
        "call_id": entry.call_id,
        "contact": entry.contact_id,
        "name": entry.contact.name if entry.contact else "",
        "dial": for_voicenter(entry.target, settings.CONTACTS_DEFAULT_REGION),
        "age_s": max(0.0, (timezone.now() - entry.at).total_seconds()),
    }


def matching(phone: str) -> tuple[Contact | None, int]:
    """The first contact (by name) with this number, any spelling (national, international,
    with dashes), and how many have it; (None, 0) for what is not a phone number."""
    key = key_of(phone, settings.CONTACTS_DEFAULT_REGION)
    if key is None:
        return None, 0
    found = Contact.objects.filter(numbers__number=key).distinct()
    return found.order_by("name", "id").first(), found.count()


@login_required
@require_GET
def lookup(request: HttpRequest) -> JsonResponse:
    """``GET /contacts/lookup?phone=...``: the screen-pop's question. ``{"found": false}`` or
    ``{"found": true, "name", "company", "notes", "url", "total"}`` (the first match)."""
    contact, total = matching(request.GET.get("phone", ""))
    if contact is None:
        return JsonResponse({"found": False})
    return JsonResponse(
        {
            "found": True,
            "name": contact.name,
            "company": contact.company,
            "notes": contact.notes[:1000],
            "url": reverse("contact", args=[contact.pk]),
            "total": total,
        }
    )


#: What a browser extension may send to the Pop-up screen's URL from another origin.
POPUP_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
}


class BadPopupRequest(ValueError):
    """A Pop-up screen request whose body cannot be read."""


@csrf_exempt  # asked by Voicenter (its cloud, or its Chrome extension): the path is the secret
@require_http_methods(["GET", "POST", "OPTIONS"])
def voicenter_popup(request: HttpRequest, secret: str) -> HttpResponse:
    """Voicenter's Pop-up screen asks this URL for the caller and pops the answer
    ``{"STATUS", "URL", "CLIENTNAME", "TOTAL", "COMPANY"}`` (all strings) in its Chrome
    extension (API documentation rev. 3.2, section 2; the Pop Up Screen API page).

    The question: ``GET ?phone=0722776772`` (rev. 3.2; the page adds ``ivrid``, ``extenUser``,
    ``did``, ``statusCall``), a form POST, or a POST of JSON (``{"phone": "972722776772",
    "ivrid", "extenUser", "status": "Ringing", ...}``, sent again as the call is answered and
    ends): only ``phone`` is read, in any spelling. The answer's ``STATUS`` is ``"OK"``
    whenever the question was read, a caller who is no contact included (``TOTAL`` "0"): the
    page says any other ``STATUS`` means an error on our side. A body that cannot be read is a
    400 with ``STATUS`` "ERROR", logged. Every answer, and the preflight (``OPTIONS``), carries
    the CORS headers a browser extension needs (:data:`POPUP_CORS`; no cookies: the secret path
    is the credential). The URL holds ``CONTACTS_POPUP_SECRET``: without it (or with a wrong
    one) the answer is a 404, as for any unknown page."""
    expected = settings.CONTACTS_POPUP_SECRET
    if not expected or not constant_time_compare(secret, expected):
        raise Http404
    if request.method == "OPTIONS":
        return _with_cors(HttpResponse(status=204))
    body = {"STATUS": "OK", "URL": "", "CLIENTNAME": "", "TOTAL": "0", "COMPANY": ""}
    try:
        phone = _popup_phone(request)
    except BadPopupRequest as exc:
        log.warning("Voicenter's Pop-up screen sent a request we cannot read: %s", exc)
        return _with_cors(JsonResponse({**body, "STATUS": "ERROR", "ERROR": str(exc)}, status=400))
    contact, total = matching(phone)
    if contact is not None:
        body = {
            "STATUS": "OK",
            "URL": request.build_absolute_uri(reverse("contact", args=[contact.pk])),
            "CLIENTNAME": contact.name,
            "TOTAL": str(total),
            "COMPANY": contact.company,
        }
    return _with_cors(JsonResponse(body))


def _popup_phone(request: HttpRequest) -> str:
    """The caller's number a Pop-up screen request names ("" if none)."""
    if request.method != "POST":
        return str(request.GET.get("phone", ""))
    if request.content_type != "application/json":
        return str(request.POST.get("phone", "") or request.GET.get("phone", ""))
    try:
        sent = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPopupRequest("the body is not JSON") from exc
    if not isinstance(sent, dict):
        raise BadPopupRequest("the body is not a JSON object")
    phone = sent.get("phone")
    return str(phone) if isinstance(phone, str | int) and not isinstance(phone, bool) else ""


def _with_cors(response: HttpResponse) -> HttpResponse:
    for name, value in POPUP_CORS.items():
        response[name] = value
    return response


@login_required
@require_http_methods(["GET", "POST"])
async def import_page(request: HttpRequest) -> HttpResponse:
    """The CSV upload (supervisors). The import runs in a thread of its own: in Django's one
    sync thread it would hold up every other request of the process until it ends. A file over
    ``MAX_UPLOAD`` is refused before it is read (``wallboard.core.security.BodyLimit``)."""
    role = await sync_to_async(role_of)(await request.auser())
    if not role.supervisor:
        return render(request, "contacts/import.html", {"forbidden": True}, status=403)
    context: dict[str, object] = {
        "region": settings.CONTACTS_DEFAULT_REGION, "encodings": ENCODINGS,
        "max_mb": MAX_UPLOAD // 1024 // 1024,
    }  # fmt: skip
    if request.method == "POST":
        upload = request.FILES.get("file")
        encoding = request.POST.get("encoding", "")
        if upload is None:
            context["error"] = _("Choose a CSV file.")
        elif encoding and encoding not in ENCODINGS:
            context["error"] = _("Choose one of the encodings offered.")
        elif upload.size is not None and upload.size > MAX_UPLOAD:
            context["error"] = too_big_message()
        else:
            run = sync_to_async(_import_upload, thread_sensitive=False)
            try:
                context["report"] = await run(upload, encoding or None)
            except BadFile as exc:
                context["error"] = _("The file cannot be imported: %(why)s.") % {"why": exc}
    return render(request, "contacts/import.html", context)


def too_big_message() -> str:
    return _("The file is larger than %(mb)s MB: import it with manage.py import_contacts.") % {
        "mb": MAX_UPLOAD // 1024 // 1024
    }


def _import_upload(upload: UploadedFile, encoding: str | None) -> object:
    try:
        with upload.open("rb") as stream:
            return import_file(cast(BinaryIO, stream), settings.CONTACTS_DEFAULT_REGION, encoding)
    finally:
        connections.close_all()  # this thread's own connection, not kept


@require_POST
async def call(request: HttpRequest) -> JsonResponse:
    return await _command(request, hang_up=False)


@require_POST
async def hang_up(request: HttpRequest) -> JsonResponse:
    return await _command(request, hang_up=True)


async def _command(request: HttpRequest, *, hang_up: bool) -> JsonResponse:
    user = await request.auser()
    if not isinstance(user, User):
        return calling.signed_out()
    store = shared_store()
    action = "hang up" if hang_up else "call"
    number: PhoneNumber | None = None
    extension = ""
    try:
        extension = await calling.extension_of(user, store)
        if not hang_up:
            number = await _number(request.POST.get("number", ""))
            calling.may_dial(number.number)
            await calling.lock(user, store)
    except Refusal as refusal:
        target, contact = (number.number, number.contact) if number else ("", None)
        return await calling.refused(user, extension, action, target, contact, refusal, store)
    target, contact = (number.number, number.contact) if number else ("", None)
    answer = await calling.dial(user, extension, action, target, contact, store)
    return calling.answered(answer, extension, hang_up=hang_up)


async def _number(raw: str) -> PhoneNumber:
    pk = ascii_int(raw)
    if pk is None:
        raise Refusal(400, "bad_request", _("Say which number to call."))
    number = await PhoneNumber.objects.select_related("contact").filter(pk=pk).afirst()
    if number is None:
        raise Refusal(404, "no_number", _("That number is no longer in the contacts: reload."))
    return number
