"""Sign-in with a limit on password guessing.

Failed sign-ins are counted in Redis per account (the user name, lower-cased) and per address
(``REMOTE_ADDR``; behind a proxy, the client's as the server sets it from
``X-Forwarded-For``), in a window of ``WINDOW_S`` from the first failure. Past ``PER_ACCOUNT``
failures for an account, or ``PER_ADDRESS`` from an address, sign-in there answers HTTP 429
with a message a person understands until the window ends: a real supervisor whose account was
guessed at waits five minutes at most. A good sign-in clears its account's count. Each refusal
is logged (the account name and address, never the password); Redis out of reach lets sign-in
through (logged): it must not lock everybody out.
"""

from __future__ import annotations

import logging
import math

import redis
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse

from wallboard.board.services import sync_redis_client

log = logging.getLogger("wallboard.signin")

#: A window of this many seconds from the first failure (five minutes: the longest a real
#: person can be kept out by somebody else's guesses).
WINDOW_S = 300
#: Failures allowed per account, and per address (an office behind one address has several
#: people who mistype), in one window.
PER_ACCOUNT = 10
PER_ADDRESS = 50


def _keys(request: HttpRequest) -> tuple[str, str]:
    prefix = settings.WALLBOARD_REDIS_PREFIX + "signin:failed:"
    account = str(request.POST.get("username", "")).strip().lower()[:150]
    address = str(request.META.get("REMOTE_ADDR", ""))[:64]
    return prefix + "account:" + account, prefix + "address:" + address


class ThrottledLoginView(LoginView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        account_key, address_key = _keys(request)
        try:
            client = sync_redis_client()
            try:
                wait = self._locked(client, account_key, address_key)
            finally:
                client.close()
        except (redis.RedisError, OSError):
            log.warning("sign-in limit unavailable (Redis out of reach): not limiting")
            wait = 0
        if wait:
            log.warning(
                "sign-in refused: too many failures (account %.150r, address %s)",
                request.POST.get("username", ""),
                request.META.get("REMOTE_ADDR", ""),
            )
            minutes = max(1, math.ceil(wait / 60))
            form = self.get_form()
            form.errors.clear()
            message = (
                "Too many failed sign-ins for this account or from this place. Wait"
                f" {minutes} minute{'s' if minutes > 1 else ''} and try again."
            )
            context = self.get_context_data(form=form, throttled=message)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    @staticmethod
    def _locked(client: redis.Redis, account_key: str, address_key: str) -> int:
        """Seconds left in a window that is over its limit, or 0."""
        counts = client.mget(account_key, address_key)
        over = [
            key
            for key, raw, limit in zip(
                (account_key, address_key), counts, (PER_ACCOUNT, PER_ADDRESS), strict=True
            )
            if raw is not None and int(raw) >= limit
        ]
        if not over:
            return 0
        return max(int(client.ttl(key)) for key in over) or 1

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        account_key, address_key = _keys(self.request)
        try:
            client = sync_redis_client()
            try:
                with client.pipeline() as pipe:
                    for key in (account_key, address_key):  # the window starts at the first
                        pipe.set(key, 0, nx=True, ex=WINDOW_S)
                        pipe.incr(key)
                    pipe.execute()
            finally:
                client.close()
        except (redis.RedisError, OSError):
            log.warning("sign-in failure not counted (Redis out of reach)")
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        account_key, _ = _keys(self.request)
        try:
            client = sync_redis_client()
            try:
                client.delete(account_key)
            finally:
                client.close()
        except (redis.RedisError, OSError):
            pass
        return super().form_valid(form)
