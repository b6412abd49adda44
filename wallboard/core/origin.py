"""The websocket's Origin check: the whole origin (scheme, host and port) must be the site's.

Channels' ``AllowedHostsOriginValidator`` compares only the host name with ``ALLOWED_HOSTS``,
so ``http://localhost:9999`` or ``https://127.0.0.1`` passed for a board served at
``http://localhost:8000``. Here the Origin must equal the scheme and ``Host`` of the socket's
own request (``Host`` itself one of ``ALLOWED_HOSTS``), or be one of ``CSRF_TRUSTED_ORIGINS``
(the site's ``https://`` origins behind a TLS proxy, as for Django's CSRF check). A refused
socket is closed before it is accepted (a 403 to the browser).
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host


def allowed(origin: str, host: str, scheme: str) -> bool:
    """Whether a socket to ``host`` over ``scheme`` (ws/wss) may come from ``origin``."""
    if not origin:
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    web_scheme = "https" if scheme in ("wss", "https") else "http"
    return origin == f"{web_scheme}://{host}"


class SameOriginValidator:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers", ()))
        origin = headers.get(b"origin", b"").decode("latin1")
        host = headers.get(b"host", b"").decode("latin1")
        if allowed(origin, host, str(scope.get("scheme", "ws"))):
            return await self.inner(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
