"""What a person reads when the server cannot do what was asked.

- **The database is unreachable** (PostgreSQL stopped, SQLite's file gone): a view that needed
  it answers 503 with ``Retry-After`` and says so in words, instead of a bare 500; the live
  board keeps working meanwhile (it reads Redis, not the database), and Voicenter's call
  records wait in Redis (``wallboard.reports.spool``). :class:`DatabaseDownMiddleware` turns
  the error into that answer (one log line, counted as ``http:database_unreachable``);
  :class:`SessionMiddleware` lets a page through whose only database work left is renewing
  its session's expiry.
- **Anything else** that fails: 500, "something went wrong", logged with its traceback by
  Django (``handler500`` = :func:`server_error`).

A browser that asked for a page (``Accept: text/html``) gets a page (the database's refreshes
itself every ``RETRY_S``: a TV comes back by itself); the pages' own requests (``fetch``: the
status buttons, Click2Call) get JSON ``{"ok": false, "message"}``, which they show.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

log = logging.getLogger("wallboard.errors")

#: What Django raises when the database does not answer (a refused or dropped connection, a
#: timeout, SQLite's file out of reach).
DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
#: PostgreSQL's SQLSTATE classes of a connection lost or refused (08) and of a server shutting
#: down or starting up (57: 57P01 admin_shutdown, 57P03 cannot_connect_now), and 53300
#: too_many_connections: the database did not take the query at all.
UNREACHABLE_CLASSES = ("08", "57")
TOO_MANY_CONNECTIONS = "53300"
#: Seconds a person (or a TV's page) is asked to wait before trying again.
RETRY_S = 30


def is_unreachable(error: BaseException) -> bool:
    """The database did not answer (refused, dropped, timed out connecting, shutting down or
    starting up, out of connections, its file out of reach), as opposed to an error it
    answered with: a deadlock, a statement cancelled, a limit (bugs or load to look at: a 500
    with its trace)."""
    if not isinstance(error, DATABASE_DOWN):
        return False
    state = getattr(error.__cause__, "sqlstate", None)
    return state is None or state[:2] in UNREACHABLE_CLASSES or state == TOO_MANY_CONNECTIONS


def wants_page(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def error_response(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """The answer for a person: a page, or JSON for the pages' own requests. Rendered without
    the request's context: nothing here may need the database."""
    if not wants_page(request):
        return JsonResponse({"ok": False, "message": message}, status=status)
    retry = RETRY_S if status == 503 else None
    html = render_to_string(
        "errors/error.html", {"title": title, "message": message, "retry_s": retry}
    )
    response = HttpResponse(html, status=status)
    if retry is not None:
        response["Retry-After"] = str(retry)
    return response


def database_down(request: HttpRequest) -> HttpResponse:
    return error_response(
        request,
        503,
        _("The database is unreachable"),
        _(
            "The wallboard's database is unreachable, so this cannot be done now. Try again in"
            " a minute; the live board keeps working meanwhile."
        ),
    )


class DatabaseDownMiddleware(MiddlewareMixin):
    """A view that found the database unreachable answers :func:`database_down`."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_unreachable(exception):
            return None
        log.warning(
            "%s %s: the database is unreachable (%s: %s)",
            request.method, request.path, type(exception).__name__, str(exception)[:200],
        )  # fmt: skip
        count("http:database_unreachable")
        return database_down(request)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, but a session that could not be renewed (``SESSION_SAVE_EVERY_REQUEST``) while
    the database is away does not turn a page that worked into an error: it is renewed on a
    later request."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except DATABASE_DOWN as exc:
            if getattr(request, "session", None) is not None and request.session.modified:
                raise  # a sign-in or sign-out that was not kept: not a page that worked
            log.warning("a session was not renewed: the database is unreachable (%s)", exc)
            return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: Django has logged the error with its traceback."""
    return error_response(
        request,
        500,
        _("Something went wrong"),
        _("Something went wrong on the wallboard server. It has been logged; try again."),
    )


def count(name: str) -> None:
    """Add one to the counter ``name`` in the stats (``manage.py dump_state``); Redis away: not.
    Synchronous code only (it waits for Redis): on the event loop, :func:`acount`."""
    from wallboard.core.services import keys, shared_sync_client

    try:
        shared_sync_client().hincrby(keys().stats, name)
    except Exception:  # Redis away too: the log line stands
        log.debug("%s not counted", name, exc_info=True)


async def acount(name: str) -> None:
    """:func:`count`, on the event loop (the process's shared asyncio client)."""
    from wallboard.core.services import shared_store

    try:
        await shared_store().add_stats({name: 1})
    except Exception:  # Redis away too: the log line stands
        log.debug("%s not counted", name, exc_info=True)
