"""Voicenter's realtime login over HTTP: the request and answer formats (pure).

Before the socket, ``POST <VOICENTER_LOGIN_URL>/{Token|Account|User}`` with a JSON body:
``{"token"}`` (login type ``token``), ``{"username", "password"}`` (``account``) or
``{"email", "pin"}`` (``user``: the field is ``pin``). The answer is::

    {"StatusCode": 0, "Status": "OK",
     "Data": {"Socket": {"Token": "...", "URLList": ["https://monitor1...", "..."],
                         "Url": "...", "RefreshToken": "...",
                         "TokenExpiry": "2026-11-22T15:00:00Z" | "/Date(1763823600000)/",
                         "RefreshTokenExpiry": "...", "Client": ..., "Version": ...,
                         "PersonId": ...}}}

(``Url`` is sometimes spelled ``URL``.) A body with ``error``, an HTTP 400/401/403/500, or no
``Token`` means refused: :func:`parse_login_answer` raises :class:`LoginRefused`. The socket is
then opened at ``URLList[0]`` with ``?token=<Token>``. Refresh: ``GET <VOICENTER_REFRESH_URL>``
with ``Authorization: Bearer <RefreshToken>``, shortly before ``TokenExpiry``; same answer.
See ``docs/voicenter.md#login`` for the sources. The HTTP calls themselves are made by
:mod:`realtime.voicenter.client`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from realtime.voicenter.fields import MAX_EPOCH, ci, first, integer, number, obj, text

#: The login body per login type: (path suffix, {body field: credential name}).
LOGIN_TYPES: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "token": ("Token", {"token": "token"}),
    "account": ("Account", {"username": "username", "password": "password"}),
    "user": ("User", {"email": "email", "pin": "pin"}),
}


@dataclass(frozen=True, slots=True)
class SocketGrant:
    """What a successful login gives: where and with which token to open the socket."""

    token: str
    urls: tuple[str, ...]
    refresh_token: str
    token_expiry: float | None  # UTC epoch seconds; None: not said
    refresh_token_expiry: float | None


class LoginRefused(Exception):
    """Voicenter refused the login or refresh (bad credentials, or an answer we cannot use)."""


def login_request(login_type: str, credentials: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """(path suffix, JSON body) of the HTTP login for ``login_type``."""
    if login_type not in LOGIN_TYPES:
        raise ValueError(f"unknown login type {login_type!r}: use token, account or user")
    suffix, fields = LOGIN_TYPES[login_type]
    missing = [name for name in fields.values() if not credentials.get(name)]
    if missing:
        raise ValueError(f"login type {login_type} needs {', '.join(missing)}")
    return suffix, {field: credentials[name] for field, name in fields.items()}


def parse_expiry(value: object) -> float | None:
    """``TokenExpiry``: ISO 8601 (UTC unless it says), ``/Date(ms)/``, or epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / (1000 if value > MAX_EPOCH else 1)
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    if raw.startswith("/Date(") and raw.endswith(")/"):
        digits = raw[6:-2].split("+")[0].split("-")[0] if raw[6:7] != "-" else ""
        ms = integer(digits)
        return ms / 1000 if ms is not None else None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        seconds = number(raw)
        return float(seconds) if seconds is not None else None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_login_answer(http_status: int, body: object) -> SocketGrant:
    """The login (or refresh) answer -> :class:`SocketGrant`; raises :class:`LoginRefused`."""
    if http_status in (400, 401, 403) or http_status >= 500:
        raise LoginRefused(f"HTTP {http_status}")
    if not isinstance(body, Mapping):
        raise LoginRefused("the answer is not a JSON object")
    top = ci(body)
    if top.get("error"):
        raise LoginRefused(f"error: {text(top.get('error')) or 'refused'}")
    data = obj(top.get("data")) or {}
    socket = obj(data.get("socket")) or {}
    token = _secret(socket.get("token"))
    if not token:
        status = text(first(top, "status", "statuscode")) or "no Socket.Token"
        raise LoginRefused(f"no socket token in the answer ({status})")
    raw_urls = socket.get("urllist")
    urls = [text(u) for u in raw_urls] if isinstance(raw_urls, list) else []
    single = text(first(socket, "url"))
    if single and single not in urls:
        urls.append(single)
    urls = [u for u in urls if u]
    if not urls:
        raise LoginRefused("no monitor server URL in the answer")
    return SocketGrant(
        token=token,
        urls=tuple(urls),
        refresh_token=_secret(socket.get("refreshtoken")),
        token_expiry=parse_expiry(socket.get("tokenexpiry")),
        refresh_token_expiry=parse_expiry(socket.get("refreshtokenexpiry")),
    )


def _secret(value: object) -> str:
    """A token, whole: unlike display text (capped at MAX_TEXT) it is useless cut short."""
    return value.strip() if isinstance(value, str) else ""
