"""Which language a person reads: Hebrew or English (``settings.LANGUAGES``).

In order: the language the person picked on a page (the switch in every page's header, kept on
their account, :class:`wallboard.core.models.Preferences`, and in their session; before signing
in, in a cookie); a display link's own (its view activates it, ``wallboard/board/views.py``);
the browser's language when it is Hebrew or English (``Accept-Language``); else the site's
default, ``LANGUAGE_CODE`` (English unless set). Hebrew pages are right to left
(``templates/base.html``: ``<html lang dir>``); the browser's modules read the page's ``lang``
(``static/board/i18n.js``).

:class:`LanguageMiddleware` takes Django's ``LocaleMiddleware``'s place. The language cookie
comes first, so that a page costs no database read and no hop to Django's sync thread (a
shift change's sign-ins crowded that thread: every board page waited behind them): the switch
sets it, and so does a sign-in (the account's language). A signed-in browser without it (signed
in elsewhere, or before the cookie existed) reads the session, the account once per session,
and gets the cookie with the page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from wallboard.core.errors import DATABASE_DOWN, is_unreachable

#: The session key of the language a person picked (or "" for none).
SESSION_KEY = "wallboard_language"
CODES = frozenset(code for code, _ in settings.LANGUAGES)


def account_language(user_id: int | str) -> str:
    """The language kept on the account ("" if none). Synchronous ORM."""
    from wallboard.core.models import Preferences

    found = Preferences.objects.filter(user_id=user_id).values_list("language", flat=True)
    return found.first() or ""


def _choice(request: HttpRequest) -> str | None:
    """What the person picked, from the session (the account once per session)."""
    session = request.session
    picked = session.get(SESSION_KEY)
    if picked is None and session.get("_auth_user_id") is not None:
        picked = session[SESSION_KEY] = account_language(session["_auth_user_id"])
    return picked if picked in CODES else None


def _cookie(request: HttpRequest) -> str | None:
    picked = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return picked if picked in CODES else None


def _kept(request: HttpRequest) -> str | None:
    """A signed-in browser without the cookie: the person's choice from their session or
    account (synchronous ORM), to be put in the cookie with the response."""
    try:
        picked = _choice(request)
    except DATABASE_DOWN as exc:
        if not is_unreachable(exc):
            raise
        # the session (or the account) is out of reach: the browser's language, and the view
        # finds the database away and says so in it (DatabaseDownMiddleware)
        return None
    if picked:
        request._wallboard_keep_language = picked  # type: ignore[attr-defined]
    return picked


def _session_cookie(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def language_of(request: HttpRequest) -> str:
    picked = _cookie(request) or (_kept(request) if _session_cookie(request) else None)
    return picked or translation.get_language_from_request(request)


class LanguageMiddleware:
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
        _activate(request, language_of(request))
        return _done(request, self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        picked = _cookie(request)
        if picked is None and _session_cookie(request):
            # (the session and the account are read on Django's thread, as the views read them)
            picked = await sync_to_async(_kept)(request)
        _activate(request, picked or translation.get_language_from_request(request))
        response: Awaitable[HttpResponseBase] = self.get_response(request)
        return _done(request, await response)


def _activate(request: HttpRequest, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def _done(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response.headers.setdefault("Content-Language", translation.get_language())
    keep = getattr(request, "_wallboard_keep_language", None)
    if keep:
        _set_cookie(request, response, keep)
    return response


def _set_cookie(request: HttpRequest, response: HttpResponseBase, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 86_400, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE, httponly=True,
    )  # fmt: skip


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """``POST /accounts/language`` (``language``, ``next``): the person's choice, kept on their
    account when signed in, in their session, and in a cookie (for the sign-in page)."""
    from wallboard.core.models import Preferences

    language = request.POST.get("language", "")
    target = request.POST.get("next", "") or "/"
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language not in CODES:
        return response
    if request.user.is_authenticated:
        Preferences.objects.update_or_create(user=request.user, defaults={"language": language})
    request.session[SESSION_KEY] = language
    _set_cookie(request, response, language)
    return response


@receiver(user_logged_in, dispatch_uid="wallboard.language.signed_in")
def take_the_accounts_language(
    sender: object, request: HttpRequest | None, user: Any, **_: Any
) -> None:
    """At sign-in: the account's language, if it has one, else the one picked before (the
    sign-in page's cookie) becomes the account's."""
    if request is None:
        return
    from wallboard.core.models import Preferences

    kept = account_language(user.pk)
    if not kept:
        before = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if before in CODES:
            Preferences.objects.update_or_create(user=user, defaults={"language": before})
            kept = before
    request.session[SESSION_KEY] = kept
    if kept:  # this browser's pages read it from the cookie from now on
        request._wallboard_keep_language = kept  # type: ignore[attr-defined]
