"""Sign-in: one limit on password guessing for every way in, and sign-ins that wait their turn.

Every sign-in form (``/accounts/login/``, the admin's ``/admin/login/``, any later one) checks
a password through Django's ``authenticate()``, which asks :class:`GuardedBackend` (the only
entry of ``AUTHENTICATION_BACKENDS``). It looks at the counts below *before* any password is
hashed, and refuses an attempt over a limit; Django's ``user_login_failed`` signal counts each
failure, ``user_logged_in`` each success. The counts live in Redis, shared by every web process.

Who is guessing
---------------
- **the account**: the user name as Django authenticates it, NFKC-normalised (Django's sign-in
  forms do the same, so ``supervisor`` typed with a full-width s is ``supervisor``) and
  case-folded;
- **the address**: ``REMOTE_ADDR``. Behind the proxy the web server sets it from the proxy's own
  ``X-Forwarded-For``, which nginx overwrites with the address it saw and uvicorn trusts only
  from the proxy (``deploy/nginx.conf``, ``docker-compose.yml``): a client cannot choose it.
  An IPv6 address counts by its /64, which one subscriber holds whole;
- **the source**: the address, or the browser (the ``wallboard_device`` cookie, a random id this
  server made at a good sign-in to the account: an id it did not make is never taken). A source
  the account signed in from within ``KNOWN_DAYS`` is *known* (its ``MAX_KNOWN`` latest).

The limits, each in a window of ``WINDOW_S`` from its first failure:

- ``PER_ADDRESS`` failures from one address, whatever the accounts (an office behind one
  address has several people who mistype); a browser known to the account is not held up by
  them;
- ``PER_ACCOUNT`` failures for one account from the sources *not* known to it, all together;
  past it only its known sources may try. So no stranger gets more than ``PER_ACCOUNT``
  guesses at an account per window, whatever the form, the spelling or the header, and
  strangers' guesses never lock the owner out of their own browser or office;
- ``PER_KNOWN`` failures for one account from one known source.

A refused attempt hashes no password and is not counted again; it is answered HTTP 429 with
``Retry-After`` and a message a person reads, logged (the account and address, never the
password) and counted (``signin:refused:<limit>`` in the stats). A good sign-in makes its
address and browser known and clears their counts. Redis out of reach lets sign-in through
(logged): it must not lock everybody out.

Back-pressure
-------------
A password check is about 0.2 s of CPU (PBKDF2, as it should be), and Django runs a process's
synchronous views one at a time on one thread: at 15 sign-ins a second a board page waited
17 s behind them. Every sign-in route is wrapped in :func:`guarded`: its POSTs run on threads
of their own, at most ``WALLBOARD_SIGNIN_CONCURRENCY`` at a time with ten times as many
waiting (about two seconds), and a sign-in beyond those is answered at once (429,
``Retry-After``, "many people are signing in").
``bench/bench_signin.py`` measures the board page under a sign-in storm; ``tests/test_signin.py``
checks that every sign-in route is guarded.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import math
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import user_logged_in, user_login_failed
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wallboard.core.errors import acount, count
from wallboard.core.services import keys, shared_sync_client

log = logging.getLogger("wallboard.signin")

#: Seconds from a first failure over which failures add up (a quarter of an hour: 40 guesses
#: an hour at most from strangers, while a person who mistyped waits minutes, not hours).
WINDOW_S = 900
#: Failures per window from one address (an office's people mistype too), for one account from
#: all the sources it does not know, and for one account from one source it knows.
PER_ADDRESS = 50
PER_ACCOUNT = 10
PER_KNOWN = 10
#: A source (address, browser) stays known to an account this long after its last sign-in
#: there, and an account knows its MAX_KNOWN latest sources at most.
KNOWN_DAYS = 30
MAX_KNOWN = 20
DEVICE_COOKIE = "wallboard_device"
_DEVICE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: Seconds a sign-in turned away for want of a free thread is told to wait.
BUSY_RETRY_S = 2
#: How much of the account name a key keeps (Django's user names are at most 150).
MAX_ACCOUNT = 150


def account_of(username: object) -> str:
    """The account a user name stands for, as the limits count it."""
    return unicodedata.normalize("NFKC", str(username)).strip().casefold()[:MAX_ACCOUNT]


def address_of(request: HttpRequest | None) -> str:
    """The client's address as the web server saw it (an IPv6 one as its /64)."""
    raw = str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""
    try:
        ip = ipaddress.ip_address(raw.strip())
    except ValueError:
        return raw[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def device_of(request: HttpRequest | None) -> str:
    value = request.COOKIES.get(DEVICE_COOKIE, "") if request is not None else ""
    return value if _DEVICE_SHAPE.fullmatch(value) else ""


@dataclass
class Attempt:
    """One sign-in attempt: who, from where, and what the limits said (kept on the request)."""

    account: str
    address: str
    device: str
    wait_s: int = 0  # > 0: refused, for this many seconds
    limit: str = ""  # the limit that refused it: address, account or known
    source: str = ""  # the known source it came from ("" if none)
    new_device: str = ""  # a browser id made at this good sign-in (a cookie to set)
    sources: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, request: HttpRequest | None, username: object) -> Attempt:
        attempt = cls(account_of(username), address_of(request), device_of(request))
        attempt.sources = [f"d:{attempt.device}"] if attempt.device else []
        if attempt.address:
            attempt.sources.append(f"a:{attempt.address}")
        return attempt


class _Keys:
    """The keys of one attempt (``realtime/keys.py``)."""

    def __init__(self, attempt: Attempt) -> None:
        self.names, self.account_name = keys(), attempt.account
        self.address = self.names.signin_failed_address(attempt.address)
        self.account = self.names.signin_failed_account(attempt.account)
        self.known = self.names.signin_known(attempt.account)

    def known_failed(self, source: str) -> str:
        return self.names.signin_failed_known(self.account_name, source)


def _judge(client: redis.Redis, attempt: Attempt) -> None:
    """Fill in ``attempt.wait_s``, ``limit`` and ``source`` from the counts."""
    keys = _Keys(attempt)
    with client.pipeline(transaction=False) as pipe:
        pipe.get(keys.address)
        pipe.get(keys.account)
        for source in attempt.sources:
            pipe.zscore(keys.known, source)
            pipe.get(keys.known_failed(source))
        found = pipe.execute()
    address_failed, account_failed = _count(found[0]), _count(found[1])
    source_failed = 0
    since = time.time() - KNOWN_DAYS * 86_400
    for source, last, failed in zip(attempt.sources, found[2::2], found[3::2], strict=True):
        if last is not None and float(last) >= since:  # signed in from there lately
            attempt.source, source_failed = source, _count(failed)
            break
    if attempt.source and source_failed >= PER_KNOWN:
        attempt.limit, key = "known", keys.known_failed(attempt.source)
    elif address_failed >= PER_ADDRESS and not attempt.source.startswith("d:"):
        # (a browser the account knows is not held up by its office's other failures)
        attempt.limit, key = "address", keys.address
    elif not attempt.source and account_failed >= PER_ACCOUNT:
        attempt.limit, key = "account", keys.account
    else:
        return
    attempt.wait_s = max(1, int(client.ttl(key)))


def _count(raw: object) -> int:
    try:
        return int(raw) if isinstance(raw, bytes | str | int) else 0
    except ValueError:
        return 0


def _with_redis(what: str, work: Callable[[redis.Redis], object]) -> None:
    try:
        work(shared_sync_client())
    except (redis.RedisError, OSError):
        log.warning("sign-in limit: %s skipped (Redis out of reach)", what)


class GuardedBackend(ModelBackend):
    """Django's user-and-password backend, behind the limits (see the module's docstring)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        attempt = Attempt.of(request, username)
        _with_redis("the check", functools.partial(_judge, attempt=attempt))
        if request is not None:
            request.wallboard_signin = attempt  # type: ignore[attr-defined]
        if attempt.wait_s:
            log.warning(
                "sign-in refused: too many failures (%s limit; account %.150r, address %s)",
                attempt.limit, attempt.account, attempt.address,
            )  # fmt: skip
            _add_stat(f"signin:refused:{attempt.limit}")
            raise PermissionDenied  # authenticate() stops here: no backend hashes a password
        return super().authenticate(request, username=username, password=password, **kwargs)


def _add_stat(name: str) -> None:
    count(name)


def _attempt(request: HttpRequest | None, username: object) -> Attempt:
    """The attempt the backend judged, or (a call without a request) judged again."""
    attempt = getattr(request, "wallboard_signin", None)
    if isinstance(attempt, Attempt):
        return attempt
    attempt = Attempt.of(request, username)
    _with_redis("the check", functools.partial(_judge, attempt=attempt))
    return attempt


@receiver(user_login_failed, dispatch_uid="wallboard.signin.failed")
def count_failure(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    attempt = _attempt(request, credentials.get("username", ""))
    if attempt.wait_s:
        return  # refused before any password was checked: not a guess

    def add(client: redis.Redis) -> None:
        keys = _Keys(attempt)
        counted = [keys.address] if attempt.address else []
        counted.append(keys.known_failed(attempt.source) if attempt.source else keys.account)
        with client.pipeline() as pipe:
            for key in counted:  # the window starts at the first failure
                pipe.set(key, 0, nx=True, ex=WINDOW_S)
                pipe.incr(key)
            pipe.execute()

    _with_redis("a failure's count", add)


@receiver(user_logged_in, dispatch_uid="wallboard.signin.succeeded")
def remember_source(
    sender: object, request: HttpRequest | None, user: AbstractBaseUser, **_: Any
) -> None:
    if request is None:
        return
    attempt = _attempt(request, user.get_username())
    # A browser id is ours only if this account knows it already; any other (one a page could
    # have planted) is replaced by a new one, made here.
    if attempt.source != f"d:{attempt.device}" or not attempt.device:
        attempt.new_device = attempt.device = secrets.token_urlsafe(24)
    sources = [f"d:{attempt.device}", *([f"a:{attempt.address}"] if attempt.address else [])]
    now = time.time()

    def add(client: redis.Redis) -> None:
        keys = _Keys(attempt)
        with client.pipeline() as pipe:
            pipe.zadd(keys.known, dict.fromkeys(sources, now))
            pipe.zremrangebyscore(keys.known, "-inf", now - KNOWN_DAYS * 86_400)
            pipe.zremrangebyrank(keys.known, 0, -MAX_KNOWN - 1)  # the newest MAX_KNOWN stay
            pipe.expire(keys.known, KNOWN_DAYS * 86_400)
            pipe.delete(*(keys.known_failed(source) for source in sources))
            pipe.execute()

    _with_redis("remembering a source", add)


def refusal_message(wait_s: int) -> str:
    minutes = max(1, math.ceil(wait_s / 60))
    return ngettext(
        "Too many failed sign-ins for this account or from this place. Wait %(n)d minute and"
        " try again.",
        "Too many failed sign-ins for this account or from this place. Wait %(n)d minutes and"
        " try again.",
        minutes,
    ) % {"n": minutes}


class _SaysWhyRefused(AuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        attempt = getattr(self.request, "wallboard_signin", None)
        if isinstance(attempt, Attempt) and attempt.wait_s:
            return ValidationError(refusal_message(attempt.wait_s), code="throttled")
        return super().get_invalid_login_error()


class SignInForm(_SaysWhyRefused):
    """``/accounts/login/``'s form: a refusal says why and for how long."""


class AdminSignInForm(_SaysWhyRefused, AdminAuthenticationForm):
    """The admin's, likewise (``admin.site.login_form``)."""


class SignInView(LoginView):
    authentication_form = SignInForm


# --- back-pressure -----------------------------------------------------------------------------

#: Password checks at a time per process (about 0.2 s of one core each; the default leaves the
#: boards the rest of a two-core machine), and how many more may wait for a thread: ten each,
#: about two seconds of waiting, rather than a person told to type their password again.
CONCURRENCY = max(1, int(settings.WALLBOARD_SIGNIN_CONCURRENCY))
WAITING = 10 * CONCURRENCY
SIGNIN_THREADS = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="wallboard-signin")
_in_flight = 0

View = Callable[..., HttpResponseBase]


def guarded(view: View) -> Callable[..., Coroutine[Any, Any, HttpResponseBase]]:
    """``view`` (a sign-in view) with its POSTs on the sign-in threads, turned away at once past
    ``CONCURRENCY + WAITING`` at a time, and a refusal of the limits answered 429 with
    Retry-After."""

    def in_thread(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        close_old_connections()  # as Django does around a request on its own thread
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()  # here, not on Django's one thread
            return response
        finally:
            close_old_connections()

    run = sync_to_async(in_thread, thread_sensitive=False, executor=SIGNIN_THREADS)

    @functools.wraps(view)
    async def guarded_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        global _in_flight
        if request.method != "POST":
            response: HttpResponseBase = await sync_to_async(view)(request, *args, **kwargs)
            return response
        if _in_flight >= CONCURRENCY + WAITING:
            log.warning("sign-in turned away: %d already being checked", _in_flight)
            await acount("signin:busy")
            return await sync_to_async(_busy, thread_sensitive=False)(request)
        _in_flight += 1
        check = asyncio.ensure_future(run(request, *args, **kwargs))
        check.add_done_callback(_checked)  # counted until its password is checked
        response = await asyncio.shield(check)  # (a browser gone: its check still ends)
        return _finish(request, response)

    guarded_view.signin_guarded = True  # type: ignore[attr-defined]
    return guarded_view


def _checked(_: object) -> None:
    global _in_flight
    _in_flight -= 1


def _busy(request: HttpRequest) -> HttpResponse:
    """The sign-in page again, the name kept, with why it must wait (HTTP 429)."""
    username = str(request.POST.get("username", ""))[:MAX_ACCOUNT]
    form = SignInForm(request, initial={"username": username})
    context = {
        "form": form,
        "next": str(request.POST.get("next", ""))[:1000],
        "throttled": _("Many people are signing in at this moment. Try again in a few seconds."),
        "form_action": request.path,
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(BUSY_RETRY_S)
    return response


def _finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    attempt = getattr(request, "wallboard_signin", None)
    if not isinstance(attempt, Attempt):
        return response
    if attempt.wait_s:
        response.status_code = 429
        response["Retry-After"] = str(attempt.wait_s)
    elif attempt.new_device:
        response.set_cookie(
            DEVICE_COOKIE, attempt.new_device, max_age=KNOWN_DAYS * 86_400, httponly=True,
            secure=settings.SESSION_COOKIE_SECURE, samesite="Lax",
        )  # fmt: skip
    return response
