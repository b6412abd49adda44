"""ASGI entry point (daphne): Django for HTTP, the wallboard consumer for websockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
django_app = get_asgi_application()  # before anything imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from wallboard.board.consumers import BoardConsumer  # noqa: E402
from wallboard.board.services import ensure_redis  # noqa: E402

ensure_redis()  # the web server uses Redis (channel layer, snapshots): start the embedded one

websocket_urls = [path("ws/wallboard/", BoardConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": django_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urls))),
    }
)
