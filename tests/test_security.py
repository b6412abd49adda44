"""No NUL character reaches a query, a lookup or a record (``wallboard/core/security.py``):
PostgreSQL refuses them in text, which made a search, a call-log filter, a display link or a
status field a 500 with a traceback. Refused with a 400 that says why, logged and counted."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from wallboard.agents.onboarding import create_agent
from wallboard.asgi import application

pytestmark = pytest.mark.django_db

PAGE = {"accept": "text/html"}


@pytest.fixture
def supervisor(roles_and_statuses, use_prefix):
    create_agent("boss", password="a-long-pass-phrase", supervisor=True)
    web = Client()
    web.force_login(get_user_model().objects.get(username="boss"))
    return web


@pytest.mark.parametrize(
    "path",
    ["/contacts/?q=%00", "/contacts/?q=a%00b", "/reports/calls/?queue=%00",
     "/reports/calls/?number=05%0012", "/admin/auth/user/?q=%00"],
)  # fmt: skip
def test_a_search_or_filter_with_a_nul_is_refused_in_words(supervisor, path):
    page = supervisor.get(path, headers=PAGE)
    assert page.status_code == 400
    assert "NUL character" in page.content.decode()


def test_a_display_link_with_a_nul_is_refused_without_a_sign_in(use_prefix):
    page = Client().get("/display/a%00b/", headers=PAGE)
    assert page.status_code == 400
    assert "NUL character" in page.content.decode()


def test_a_status_field_with_a_nul_gets_the_reason_as_json(supervisor, use_prefix):
    import redis
    from django.conf import settings

    answer = supervisor.post("/agents/status", {"extension": "SIP\x001", "status": "3"})
    assert answer.status_code == 400
    assert "NUL character" in answer.json()["message"]
    stats = redis.Redis.from_url(settings.REDIS_URL).hgetall(use_prefix + "stats")
    assert stats[b"http:nul"] == b"1"


def test_a_sign_in_with_a_nul_in_the_name_is_refused(use_prefix):
    page = Client().post("/accounts/login/", {"username": "bo\x00ss", "password": "x"})
    assert page.status_code == 400


@pytest.mark.django_db(transaction=True)
async def test_a_display_socket_with_a_nul_in_its_token_is_closed_as_not_valid(use_prefix):
    board = WebsocketCommunicator(
        application, "/ws/wallboard/?display=a%00bcdefghijklmnopqrstuvwxyz",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )  # fmt: skip
    await board.connect()
    assert await board.receive_output(2) == {"type": "websocket.close", "code": 4401}


async def test_a_body_larger_than_the_site_reads_is_refused_before_a_byte_is_read(settings):
    from wallboard.asgi import application

    asked: list[object] = []
    sent: list[dict] = []

    async def receive():
        asked.append(1)
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/contacts/import", "raw_path": b"",
        "query_string": b"", "scheme": "http", "server": ("localhost", 80),
        "client": ("127.0.0.1", 5), "headers": [
            (b"host", b"localhost"), (b"content-type", b"multipart/form-data; boundary=x"),
            (b"content-length", str(50 * 1024 * 1024).encode()),
        ],
    }  # fmt: skip
    await application(scope, receive, send)
    assert asked == []  # not one chunk of the 50 MB
    assert sent[0]["status"] == 413
    assert b"manage.py import_contacts" in sent[1]["body"]


async def test_a_body_that_sends_more_than_the_limit_is_cut_off(settings):
    from wallboard.core.security import BodyLimit

    settings.WALLBOARD_MAX_BODY = 100_000
    seen: list[dict] = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                return

    async def receive():  # chunked: no Content-Length, 64 KiB at a time, without end
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    await BodyLimit(app)({"type": "http", "headers": []}, receive, send)
    assert [m["type"] for m in seen] == ["http.request", "http.disconnect"]
    assert sent[0]["status"] == 413  # answered in words, not left to a bare 500
