"""ASGI entry point (uvicorn or daphne): Django for HTTP, the wallboard consumer for websockets
(the whole Origin checked by ``wallboard/board/origin.py``, the session read by
``wallboard/board/auth.py``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
django_app = get_asgi_application()  # before anything imports models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from wallboard.board.auth import SessionAuthMiddleware  # noqa: E402
from wallboard.board.consumers import BoardConsumer  # noqa: E402
from wallboard.board.origin import SameOriginValidator  # noqa: E402

# Nothing is started here: the first board's Redis client starts the embedded Redis if it is
# the configured one and not running yet (wallboard/board/services.py).

websocket_urls = [path("ws/wallboard/", BoardConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": django_app,
        "websocket": SameOriginValidator(SessionAuthMiddleware(URLRouter(websocket_urls))),
    }
)
