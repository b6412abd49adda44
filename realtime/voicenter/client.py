"""The only code that talks HTTP to Voicenter (httpx), used by the worker and the web views.

The realtime login and the token refresh (formats in :mod:`realtime.voicenter.login`), and the REST
calls (formats in :mod:`realtime.voicenter.rest`): SetStatusFromAPI, Click2Call, GetExtensions,
the active calls (GetExtensionsCalls, GetQueuesCallers); and the Call log API (format in
:mod:`realtime.voicenter.cdr`). Each is a method that builds its request and reads its answer
with the pure formats beside this module. Every call has a timeout. The login calls raise
:class:`httpx.HTTPError` on a transport failure and the format's own exception on a refusal;
``set_status``, ``click2call`` and ``hang_up`` are commands a person waits on, so they always
return an answer (codes and values, worded for that person by ``wallboard/core/answers.py``);
so do ``extensions_calls`` and ``queues_callers``, which the worker asks while the socket is
down: whatever comes back (or does not), a typed value. No answer, and no error text, holds
the API code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, tzinfo

import httpx

from realtime.voicenter.cdr import CallLogRefused, CallRecord, call_log_request, parse_call_log
from realtime.voicenter.login import LoginRefused, SocketGrant, login_request, parse_login_answer
from realtime.voicenter.rest import (
    ActiveRefused,
    CallAnswer,
    ExtensionRow,
    ExtensionsCalls,
    QueuesCallers,
    RestRefused,
    StatusAnswer,
    active_calls_request,
    call_failure,
    click2call_request,
    extensions_request,
    parse_click2call_answer,
    parse_extensions,
    parse_extensions_calls,
    parse_queues_callers,
    parse_status_answer,
    status_failure,
    status_request,
    terminate_request,
)

#: Seconds before an HTTP call to Voicenter gives up (the SDKs use 10-15 s).
DEFAULT_TIMEOUT_S = 15.0
#: Seconds before a Call log request gives up: an hour of a busy center is thousands of rows.
CALL_LOG_TIMEOUT_S = 60.0


class VoicenterClient:
    def __init__(
        self,
        *,
        login_url: str = "",
        refresh_url: str = "",
        api_url: str = "",
        comet_url: str = "",
        call_log_url: str = "",
        api_code: str = "",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.login_url = login_url.rstrip("/")
        self.refresh_url = refresh_url
        self.api_url = api_url.rstrip("/")
        self.comet_url = comet_url.rstrip("/")
        self.call_log_url = call_log_url
        self._api_code = api_code  # a secret: sent to Voicenter, never shown
        self.timeout_s = timeout_s
        self.http = http or httpx.AsyncClient(timeout=timeout_s)

    @property
    def asks_active_calls(self) -> bool:
        """Whether this client can ask the Active calls API (it has the Comet host and the API
        code): the worker's live calls while its socket is down (``realtime/fallback.py``)."""
        return bool(self.comet_url and self._api_code)

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

    async def set_status(self, *, user_id: str, extension: str, status: int) -> StatusAnswer:
        """Ask Voicenter to put ``extension`` (worked by Voicenter user ``user_id``) in
        ``status``. Never raises for Voicenter's sake: a refusal, a timeout, a network or HTTP
        error and an unreadable answer each come back as a :class:`StatusAnswer`."""
        body = status_request(self._api_code, user_id, extension, status)
        try:
            response = await self.http.post(f"{self.api_url}/UserLogin/SetStatusFromAPI", json=body)
        except httpx.TimeoutException:
            return status_failure("timeout", f"{self.timeout_s:g}")
        except httpx.HTTPError:  # its text could name the URL; the person gets ours
            return status_failure("network", "")
        if response.status_code >= 400:
            return status_failure("http_error", str(response.status_code))
        answer = parse_status_answer(_json(response))
        return replace(
            answer,
            detail=self._scrub(answer.detail),
            said=self._scrub(answer.said),
            message=self._scrub(answer.message),
        )

    async def click2call(
        self,
        *,
        phone: str,
        target: str,
        record: bool = False,
        caller_id: str = "",
        tags: Mapping[str, str] | None = None,
    ) -> CallAnswer:
        """Ring extension ``phone``, then connect it to ``target``; ``tags`` go as Voicenter's
        ``var_*`` fields. Never raises for Voicenter's sake (as :meth:`set_status`)."""
        fields = click2call_request(
            self._api_code, phone, target, record=record, caller_id=caller_id, tags=tags
        )
        return await self._click2call(fields)

    async def hang_up(self, *, phone: str) -> CallAnswer:
        """End extension ``phone``'s Click2Call call (``action=terminate``)."""
        return await self._click2call(terminate_request(self._api_code, phone))

    async def _click2call(self, fields: dict[str, str]) -> CallAnswer:
        try:
            response = await self.http.post(
                f"{self.api_url}/ForwardDialer/click2call.aspx", data=fields
            )
        except httpx.TimeoutException:
            return call_failure("timeout", f"{self.timeout_s:g}")
        except httpx.HTTPError:  # its text could name the URL; the person gets ours
            return call_failure("network", "")
        if response.status_code >= 400:
            return call_failure("http_error", str(response.status_code))
        answer = parse_click2call_answer(response.text)
        return replace(answer, detail=self._scrub(answer.detail), said=self._scrub(answer.said))

    def _scrub(self, text: str) -> str:
        """``text`` without the API code (an answer that quotes the request back)."""
        return text.replace(self._api_code, "[API code]") if self._api_code else text

    async def get_extensions(self, *, show_all: bool = True) -> tuple[list[ExtensionRow], int]:
        """The organisational extension list: (rows, rows skipped for want of a SIP user).
        Raises :class:`RestRefused` (a refusal, an empty list, an HTTP error, an unreadable
        answer) or :class:`httpx.HTTPError` (timeout, network)."""
        response = await self.http.post(
            f"{self.comet_url}/GetExtensions",
            json=extensions_request(self._api_code, show_all=show_all),
        )
        if response.status_code >= 400:
            raise RestRefused("http_error", str(response.status_code))
        return parse_extensions(_json(response))

    async def extensions_calls(self) -> ExtensionsCalls | ActiveRefused:
        """Every extension with its calls now (``GetExtensionsCalls``). Never raises for
        Voicenter's sake: a refusal, an HTTP error, a timeout, a network error or an unreadable
        answer comes back as an :class:`ActiveRefused`."""
        body = await self._active("GetExtensionsCalls")
        if isinstance(body, ActiveRefused):
            return body
        answer = parse_extensions_calls(body)
        return self._scrub_refused(answer) if isinstance(answer, ActiveRefused) else answer

    async def queues_callers(self) -> QueuesCallers | ActiveRefused:
        """Every queue with its waiting callers now (``GetQueuesCallers``); as
        :meth:`extensions_calls`."""
        body = await self._active("GetQueuesCallers")
        if isinstance(body, ActiveRefused):
            return body
        answer = parse_queues_callers(body)
        return self._scrub_refused(answer) if isinstance(answer, ActiveRefused) else answer

    async def _active(self, name: str) -> object:
        """The JSON of an active-calls answer (None if it is not JSON), or why there is none.
        The documented form: GET with the code in the query (``wallboard/core/logs.py`` keeps it
        out of the logs)."""
        try:
            response = await self.http.get(
                f"{self.comet_url}/{name}", params=active_calls_request(self._api_code)
            )
        except httpx.TimeoutException:
            return ActiveRefused("timeout", None, f"{self.timeout_s:g}")
        except httpx.HTTPError:  # its text names the URL, and so the code
            return ActiveRefused("network")
        if response.status_code >= 400:
            return ActiveRefused("http_error", None, str(response.status_code))
        return _json(response)

    def _scrub_refused(self, refused: ActiveRefused) -> ActiveRefused:
        return replace(refused, detail=self._scrub(refused.detail))

    async def call_log(
        self, since: datetime, until: datetime, tz: tzinfo | None = None
    ) -> tuple[list[CallRecord], int]:
        """The call records of [since, until) from the Call log API: (records, rows skipped).
        Raises :class:`CallLogRefused` (a refusal, an HTTP error, an unreadable answer) or
        :class:`httpx.HTTPError` (timeout, network)."""
        body = call_log_request(self._api_code, since, until)
        response = await self.http.post(self.call_log_url, json=body, timeout=CALL_LOG_TIMEOUT_S)
        if response.status_code >= 400:
            raise CallLogRefused(None, "http_error", str(response.status_code))
        try:
            return parse_call_log(_json(response), tz)
        except CallLogRefused as refused:
            detail = self._scrub(refused.detail)
            raise CallLogRefused(refused.err, refused.code, detail) from None

    async def aclose(self) -> None:
        await self.http.aclose()


def _json(response: httpx.Response) -> object:
    """The answer's JSON, or None when it is not JSON (the parsers then refuse it)."""
    try:
        return response.json()
    except ValueError:
        return None
