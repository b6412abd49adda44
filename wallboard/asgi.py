"""ASGI entry point (uvicorn or daphne): Django for HTTP, the wallboard consumer for websockets
(the whole Origin checked by ``wallboard/core/origin.py``, the session read by
``wallboard/board/auth.py``)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
django_app = get_asgi_application()  # before anything imports models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from wallboard.board.auth import SessionAuthMiddleware  # noqa: E402
from wallboard.board.consumers import BoardConsumer  # noqa: E402
from wallboard.core.origin import SameOriginValidator  # noqa: E402
from wallboard.core.security import BodyLimit  # noqa: E402

# Nothing is started here: the first board's Redis client starts the embedded Redis if it is
# the configured one and not running yet (wallboard/core/services.py).

websocket_urls = [path("ws/wallboard/", BoardConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(django_app),  # no body over WALLBOARD_MAX_BODY is read
        "websocket": SameOriginValidator(SessionAuthMiddleware(URLRouter(websocket_urls))),
    }
)

# What exists now (Django, the apps, the routes) lives as long as the process: frozen out of the
# garbage collector's full passes, which walk every tracked object. With a thousand screens
# connected each pass stalled the process for 100 ms and more, a few times a minute
# (bench/bench_fleet.py: snapshot p99 68 -> 36 ms, with nothing else changed).
gc.collect()
gc.freeze()
