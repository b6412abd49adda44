"""Static files (WhiteNoise) without putting every request through Django's one sync thread.

WhiteNoise's middleware is synchronous only. Under ASGI, Django then runs it in its single
``sync_to_async`` thread and the rest of the request (every async view below it) inside that
thread too, one request at a time: a status change waiting up to ``VOICENTER_API_TIMEOUT_S``
for Voicenter held up every other page of the process (``tests/test_agents_status.py``
checks two requests now overlap). This subclass is the same middleware, async capable: a
static file is looked up in WhiteNoise's table (a dict lookup; with ``WHITENOISE_AUTOREFRESH``,
a file system lookup, for development only) and served whole; anything else is awaited as is.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware


# (WhiteNoise ships no types: mypy sees its class as Any, and strict mode refuses subclassing Any)
class StaticFilesMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any = None, **kwargs: Any) -> None:
        super().__init__(get_response, **kwargs)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        if self.autorefresh:
            static_file = self.find_file(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return _whole(self.serve(static_file, request))
        response: HttpResponseBase = await self.get_response(request)
        return response


def _whole(streamed: HttpResponseBase) -> HttpResponse:
    """WhiteNoise's file response read here, whole: its body is a synchronous file iterator,
    which Django's ASGI handler would read in its sync thread. Our static files are small
    modules and a stylesheet (a few KB each, in the page cache)."""
    body = b"".join(streamed) if isinstance(streamed, StreamingHttpResponse) else b""
    response = HttpResponse(body, status=streamed.status_code)
    for header, value in streamed.items():
        response[header] = value
    streamed.close()
    return response
