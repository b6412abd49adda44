"""The only code that talks HTTP to Voicenter (httpx), used by the worker and the web views.

Today: the realtime login and the token refresh (formats in :mod:`realtime.voicenter.login`).
The REST calls (SetStatusFromAPI, Click2Call, GetExtensions, the call log) join them here, each
a method that builds its request and reads its answer with the pure formats beside this module.
Every call has a timeout; a transport failure raises :class:`httpx.HTTPError`, a refusal the
format's own exception.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from realtime.voicenter.login import LoginRefused, SocketGrant, login_request, parse_login_answer

#: Seconds before an HTTP call to Voicenter gives up (the SDKs use 10-15 s).
DEFAULT_TIMEOUT_S = 15.0


class VoicenterClient:
    def __init__(
        self,
        *,
        login_url: str,
        refresh_url: str,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.login_url = login_url.rstrip("/")
        self.refresh_url = refresh_url
        self.http = http or httpx.AsyncClient(timeout=timeout_s)

    async def login(self, login_type: str, credentials: Mapping[str, str]) -> SocketGrant:
        """Log in for the realtime socket; raises :class:`LoginRefused` or ``httpx.HTTPError``."""
        try:
            suffix, body = login_request(login_type, credentials)
        except ValueError as exc:  # a login type without its credentials: a refusal, not a bug
            raise LoginRefused(str(exc)) from None
        response = await self.http.post(f"{self.login_url}/{suffix}", json=body)
        return parse_login_answer(response.status_code, _json(response))

    async def refresh(self, refresh_token: str) -> SocketGrant:
        """A fresh socket token for ``refresh_token``; raises as :meth:`login` does."""
        response = await self.http.get(
            self.refresh_url, headers={"Authorization": f"Bearer {refresh_token}"}
        )
        return parse_login_answer(response.status_code, _json(response))

    async def aclose(self) -> None:
        await self.http.aclose()


def _json(response: httpx.Response) -> object:
    """The answer's JSON, or None when it is not JSON (the parsers then refuse it)."""
    try:
        return response.json()
    except ValueError:
        return None
