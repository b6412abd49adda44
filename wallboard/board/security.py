"""The Content-Security-Policy header (Django 5.2 has none of its own; 6.0 does).

Every HTML response gets ``settings.WALLBOARD_CSP`` unless its view set a policy of its own. The
pages satisfy the strict default: their scripts are modules from ``static/`` (page data rides in
``json_script`` blocks, which are data, not script), their styles are ``static/board/board.css``,
and no markup carries a ``style`` attribute, an ``on...`` handler or a ``javascript:`` URL
(``tests/test_production.py`` checks the pages, the admin's included). Django's admin needs no
exception: its pages load only external scripts and stylesheets.

Sync and async capable, like ``wallboard.board.static``: under ASGI an async view's response
is not handed to Django's one sync thread just to have a header added.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

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
