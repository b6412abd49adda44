"""The database away: pages and the pages' own requests say so in words (503), a board's socket
is closed with a code the banner explains, a board already open keeps working, and /readyz
reports it (``wallboard/core/errors.py``). Redis away is tested with the fan-out."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import AsyncClient, Client

from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.publisher import Publisher
from tests.examples import doc_examples
from tests.helpers import HOST, ORIGIN
from wallboard.asgi import application
from wallboard.board.consumers import CLOSE_DATABASE_DOWN
from wallboard.core.services import shared_store

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = {"accept": "text/html,application/xhtml+xml"}  # a browser asking for a page


@pytest.fixture
def supervisor(roles_and_statuses, use_prefix):
    from wallboard.agents.onboarding import create_agent

    create_agent("boss", password="a-long-pass-phrase", supervisor=True)
    web = Client()
    web.force_login(get_user_model().objects.get(username="boss"))
    return web


def test_a_page_says_the_database_is_unreachable(supervisor, database_away):
    with database_away():
        page = supervisor.get("/", headers=PAGE)
    assert page.status_code == 503
    text = page.content.decode()
    assert "database is unreachable" in text
    assert "live board keeps working" in text
    assert page["Retry-After"] == "30"
    assert 'http-equiv="refresh"' in text


def test_the_database_page_is_in_the_language_of_the_browser_when_the_account_is_away(
    supervisor, database_away
):
    with database_away():  # the session and the account's pick are out of reach
        page = supervisor.get("/", headers={**PAGE, "Accept-Language": "he-IL,he;q=0.9"})
    assert page.status_code == 503
    text = page.content.decode()
    assert '<html lang="he" dir="rtl">' in text
    assert "database is unreachable" not in text
    assert "מסד הנתונים" in text


def test_a_status_button_gets_the_reason_as_json(supervisor, database_away):
    with database_away():
        answer = supervisor.post("/agents/status", {"extension": "SIP1", "status": "3"})
    assert answer.status_code == 503
    assert answer.json()["ok"] is False
    assert "database is unreachable" in answer.json()["message"]


def test_a_call_gets_the_reason_as_json(supervisor, database_away):
    with database_away():
        answer = supervisor.post("/contacts/call", {"number": "1"})
    assert answer.status_code == 503
    assert "database is unreachable" in answer.json()["message"]


def test_a_sign_in_says_the_database_is_unreachable(database_away, use_prefix):
    with database_away():
        page = Client().post(
            "/accounts/login/", {"username": "boss", "password": "x"}, headers=PAGE
        )
    assert page.status_code == 503
    assert "database is unreachable" in page.content.decode()


def test_another_failure_is_a_500_in_words_not_a_trace(settings, monkeypatch, use_prefix):
    def broken(request):
        raise RuntimeError("a bug")

    monkeypatch.setattr("wallboard.board.views._statuses", broken)
    get_user_model().objects.create_user("sup", password="pw-123456")
    web = Client(raise_request_exception=False)
    web.login(username="sup", password="pw-123456")
    page = web.get("/", headers=PAGE)
    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
    assert "a bug" not in page.content.decode()
    assert "Traceback" not in page.content.decode()


@sync_to_async
def _session_cookie() -> bytes:
    get_user_model().objects.create_user("sup", password="pw-123456")
    web = Client()
    assert web.login(username="sup", password="pw-123456")
    return f"sessionid={web.cookies['sessionid'].value}".encode()


async def test_a_board_connecting_meanwhile_is_told_why(database_away, use_prefix):
    cookie = await _session_cookie()
    with database_away():
        board = WebsocketCommunicator(
            application, "/ws/wallboard/", headers=[ORIGIN, HOST, (b"cookie", cookie)]
        )
        connected, _ = await board.connect()
        assert connected  # accepted, then closed with the reason: not a bare handshake failure
        closed = await board.receive_output(3)
    assert closed == {"type": "websocket.close", "code": CLOSE_DATABASE_DOWN}


async def test_a_board_already_open_keeps_working(database_away, use_prefix):
    import orjson

    cookie = await _session_cookie()
    board = WebsocketCommunicator(
        application, "/ws/wallboard/", headers=[ORIGIN, HOST, (b"cookie", cookie)]
    )
    assert (await board.connect())[0]
    try:
        assert orjson.loads(await board.receive_from(3))["type"] == "snapshot"
        store = shared_store()
        projection = BoardState(store, Publisher(store))
        with database_away():
            await Pipeline([projection]).feed("loginStatus", dict(doc_examples())["loginStatus"])
            frame = orjson.loads(await board.receive_from(3))
        assert frame["type"] == "snapshot" or frame.get("delta", {}).get("queues")
    finally:
        await board.disconnect()


async def test_readyz_reports_the_database(database_away, use_prefix):
    assert (await AsyncClient().get("/readyz")).json()["database"] == "ok"
    with database_away():
        away = await AsyncClient().get("/readyz")
    assert away.json()["database"] == "unreachable"


@pytest.mark.parametrize(
    ("sqlstate", "unreachable"),
    [(None, True), ("08006", True), ("57P01", True), ("53300", True),
     ("40P01", False), ("57014", True), ("55P03", False)],
)  # fmt: skip
def test_only_a_database_that_did_not_answer_is_called_unreachable(sqlstate, unreachable):
    from django.db import OperationalError

    from wallboard.core.errors import is_unreachable

    class DriverError(Exception):  # what psycopg raises, with its SQLSTATE
        pass

    cause = DriverError("x")
    cause.sqlstate = sqlstate  # type: ignore[attr-defined]
    error = OperationalError("x")
    error.__cause__ = cause
    assert is_unreachable(error) is unreachable
