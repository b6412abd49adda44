"""Guards on every HTTP request: the Content-Security-Policy header, no NUL characters, and no
body larger than the site reads.

The Content-Security-Policy header (Django 5.2 has none of its own; 6.0 does):

Every HTML response gets ``settings.WALLBOARD_CSP`` unless its view set a policy of its own. The
pages satisfy the strict default: their scripts are modules from ``static/`` (page data rides in
``json_script`` blocks, which are data, not script), their styles are ``static/board/board.css``,
and no markup carries a ``style`` attribute, an ``on...`` handler or a ``javascript:`` URL
(``tests/test_production.py`` checks the pages, the admin's included). Django's admin needs no
exception: its pages load only external scripts and stylesheets.

NUL characters: no text the site keeps or looks up may hold one (PostgreSQL refuses them in
text, which made ``/contacts/?q=%00``, a call-log filter, ``/display/a%00b/`` or a status field
a 500 with a traceback). :class:`NulMiddleware` refuses a request whose path, query or form
fields hold one with a 400 that says why (a page, or JSON for the pages' own requests), logged
and counted (``http:nul``). Voicenter's call records are the exception: their endpoint reads
its own body and keeps a record whatever it carries, its NULs removed
(``realtime/voicenter/cdr.py``).

Bodies: :class:`BodyLimit` wraps the ASGI application (``wallboard/asgi.py``): a request whose
``Content-Length`` is over ``WALLBOARD_MAX_BODY`` is answered 413 before a byte of it is read
(Django's ASGI handler reads a whole body before any view sees it: a 50 MB upload to the CSV
page was read whole before it was refused), and one that sends more than it said, or more than
the limit without saying, is cut off when it passes it.

Sync and async capable, like ``wallboard.core.static``: under ASGI an async view's response
is not handed to Django's one sync thread just to have a header added.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.utils.translation import gettext as _

from wallboard.core.errors import acount, count, error_response

log = logging.getLogger("wallboard.security")

HEADER = "Content-Security-Policy"


def add_policy(response: HttpResponseBase) -> HttpResponseBase:
    if HEADER in response or not response.get("Content-Type", "").startswith("text/html"):
        return response
    if settings.DEBUG and response.status_code >= 400:
        # DEBUG's technical error pages carry their own inline script and style
        return response
    response[HEADER] = settings.WALLBOARD_CSP
    return response


class ContentSecurityPolicyMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        return add_policy(self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        response: Awaitable[HttpResponseBase] = self.get_response(request)
        return add_policy(await response)


#: Paths whose view reads its own body and removes NULs itself (Voicenter's CDRs).
RAW_BODY_PATHS = ("/reports/cdr/",)
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_in(request: HttpRequest) -> str:
    """Where the request holds a NUL character ("" if nowhere)."""
    if request.path_info.startswith(RAW_BODY_PATHS):
        return ""  # the view cleans what it keeps (its GET form carries the record in the query)
    if "\x00" in request.path_info:
        return "path"
    if _holds_nul(request.GET):
        return "query"
    if request.method == "POST" and request.content_type in _FORMS and _holds_nul(request.POST):
        return "form"
    return ""


def _holds_nul(fields: QueryDict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in fields.lists()
    )


class NulMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        where = nul_in(request)
        if where:
            count("http:nul")
            return _refusal(request, where)
        return self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        where = nul_in(request)
        if where:
            await acount("http:nul")  # (on the event loop: not a blocking Redis call)
            return _refusal(request, where)
        response: Awaitable[HttpResponseBase] = self.get_response(request)
        return await response


def _refusal(request: HttpRequest, where: str) -> HttpResponseBase:
    log.warning("refused a request with a NUL character in its %s: %s", where, request.method)
    return error_response(
        request,
        400,
        _("Unreadable text"),
        _(
            "The request holds a NUL character, which no text here may hold. Remove it and"
            " try again."
        ),
    )


class BodyLimit:
    """ASGI middleware: no HTTP request body over ``settings.WALLBOARD_MAX_BODY`` is read."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.WALLBOARD_MAX_BODY
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            log.warning("refused a body of %s bytes before reading it", declared.decode())
            await acount("http:too_large")
            return await _too_large(headers, limit, send)
        taken = 0

        async def limited() -> dict[str, Any]:
            nonlocal taken
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                taken += len(message.get("body", b""))
                if taken > limit:  # more than it said, or than the limit: answered and cut off
                    log.warning("cut off a request body past %d bytes", limit)
                    await acount("http:too_large")
                    await _too_large(headers, limit, send)
                    return {"type": "http.disconnect"}  # the view is not run
            return message

        return await self.app(scope, limited, send)


async def _too_large(headers: dict[bytes, bytes], limit: int, send: Any) -> None:
    megabytes = max(1, limit // 1024 // 1024)
    message = _(
        "The request is larger than the %(mb)d MB this site reads. A larger contact list:"
        " import it with manage.py import_contacts."
    ) % {"mb": megabytes}
    if b"text/html" in headers.get(b"accept", b""):
        body = (
            f"<!doctype html><meta charset=utf-8><title>Too large</title><p>{escape(message)}</p>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"ok": False, "message": message}).encode()
        content_type = b"application/json"
    await send({
        "type": "http.response.start", "status": 413,
        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
