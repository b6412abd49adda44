"""Who is on a board's socket: the Django session from the cookie, read once at connect.

Channels' ``AuthMiddlewareStack`` does the same, and also wraps the socket's ``send`` so that
it can save a session changed during the connection, which a board never does: that wrapper
cost a coroutine call on each of the thousands of frames a second a web process sends. This
middleware reads the session and the user the same way (``channels.auth.get_user``: the
authentication backend, the session's hash check) and hands ``send`` on untouched.

Without a signed-in user, a display link's token in the query (``?display=<token>``, see
``wallboard/board/models.py``) puts the link in ``scope["display"]``: the board may watch.
With the database unreachable, who it is cannot be known: ``scope["database_down"]`` is set
and the consumer closes the socket with a code the board explains (``CLOSE_DATABASE_DOWN``).
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from wallboard.board.models import DisplayLink
from wallboard.core.errors import DATABASE_DOWN

log = logging.getLogger("wallboard.board.auth")

Scope = dict[str, Any]


class SessionAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session_store = import_module(settings.SESSION_ENGINE).SessionStore
        session = session_store(cookies.get(settings.SESSION_COOKIE_NAME))
        scope = dict(scope, cookies=cookies, session=session, display=None)
        try:
            scope["user"] = user = await get_user(scope)
            if not user.is_authenticated:
                query = parse_qs(scope.get("query_string", b"").decode("latin1"))
                token = query.get("display", [""])[0]
                scope["display"] = await _open_display(token) if token else None
        except DATABASE_DOWN as exc:
            log.warning("a board's socket before the database answered: %s", exc)
            scope["user"], scope["database_down"] = AnonymousUser(), True
        return await self.inner(scope, receive, send)


async def _open_display(token: str) -> DisplayLink | None:
    display: DisplayLink | None = await database_sync_to_async(DisplayLink.open)(token)
    return display
