"""Pages: sign-in required, the board page carries no secrets, TV mode by URL."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from wallboard.agents.models import StatusOption
from wallboard.agents.onboarding import create_agent
from wallboard.board.models import DisplayLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    get_user_model().objects.create_user("sup", password="pw-123456")
    client.login(username="sup", password="pw-123456")
    return client


def test_the_board_sends_strangers_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db(transaction=True)  # sign-ins run on threads of their own
def test_the_login_page_signs_in_and_lands_on_the_board(client):
    get_user_model().objects.create_user("sup", password="pw-123456")
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content
    response = client.post("/accounts/login/", {"username": "sup", "password": "pw-123456"})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db(transaction=True)  # sign-ins run on threads of their own
def test_a_wrong_password_is_refused_with_a_message(client):
    get_user_model().objects.create_user("sup", password="pw-123456")
    response = client.post("/accounts/login/", {"username": "sup", "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_the_board_page_has_no_voicenter_secrets(signed_in, settings):
    settings.VOICENTER_TOKEN = "tok-SECRET-123"
    settings.VOICENTER_API_CODE = "code-SECRET-456"
    settings.VOICENTER_PASSWORD = "pw-SECRET-789"
    page = signed_in.get("/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'type="module"' in body
    assert "board/main.js" in body
    assert not any(s in body for s in ("SECRET", "demo-token", "demo-code"))


def test_tv_mode_is_chosen_by_url(signed_in):
    assert 'class="tv"' in signed_in.get("/?tv=1").content.decode()
    assert 'class="tv"' not in signed_in.get("/").content.decode()


def test_sessions_outlast_a_long_weekend(settings):
    assert settings.SESSION_COOKIE_AGE >= 30 * 86_400


def test_every_module_the_board_imports_is_served(signed_in):
    # follow the ES module imports from main.js, as the browser does
    seen, todo = set(), ["main.js"]
    while todo:
        name = todo.pop()
        seen.add(name)
        response = signed_in.get(f"/static/board/{name}")
        assert response.status_code == 200, name
        assert "javascript" in response["Content-Type"], name  # else browsers refuse a module
        source = b"".join(response.streaming_content).decode()
        todo += [m for m in re.findall(r'from "\./([\w-]+\.js)"', source) if m not in seen]
    assert {"reducer.js", "render.js", "socket.js", "banner.js", "tv.js"} <= seen


def test_healthz_answers_without_a_session(client):
    assert client.get("/healthz").json() == {"ok": True}


def board_config(html: str) -> dict:
    found = re.search(r'id="board-config"[^>]*>(.*?)</script>', html, re.S)
    assert found, "the page carries its configuration"
    return json.loads(found[1])


def test_a_display_link_opens_the_tv_board_without_controls_or_sign_in(client):
    display = DisplayLink.objects.create(name="Floor 2 TV")
    page = client.get(display.path())
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="tv"' in html
    assert "Sign out" not in html
    assert "csrfmiddlewaretoken" not in html
    assert f'data-socket-query="display={display.token}"' in html
    config = board_config(html)
    assert config["me"] is None
    assert config["status_url"] == ""


def test_a_revoked_display_link_is_gone(client):
    display = DisplayLink.objects.create(name="Old TV", revoked_at=timezone.now())
    page = client.get(display.path())
    assert page.status_code == 404
    assert b"not valid" in page.content


def test_the_board_page_tells_an_agent_their_extension_and_the_status_names(client):
    create_agent("alice", password="pw-123456", voicenter_user_id="5", extension="SIP5")
    StatusOption.objects.filter(code=3).update(name="Lunch <b>break</b>")
    client.login(username="alice", password="pw-123456")
    html = client.get("/").content.decode()
    assert "<b>break</b>" not in html  # names are data (json_script escapes them)
    config = board_config(html)
    assert config["me"] == {"extension": "SIP5", "supervisor": False, "agent": True}
    assert {"code": 3, "name": "Lunch <b>break</b>", "offered": True} in config["statuses"]
    assert config["status_url"] == "/agents/status"


async def test_static_files_are_served_whole_under_asgi():
    from django.test import AsyncClient

    response = await AsyncClient().get("/static/board/main.js")
    assert response.status_code == 200
    assert not response.streaming
    assert response["Content-Type"].startswith("text/javascript")
    assert b"createSocket" in response.content
    assert int(response["Content-Length"]) == len(response.content)


@pytest.mark.django_db
async def test_readyz_says_ready_only_with_a_fresh_worker(use_prefix, aredis):
    from django.test import AsyncClient

    from realtime.store import StateStore

    client = AsyncClient()
    never = await client.get("/readyz")
    assert never.status_code == 503
    assert never.json()["worker"] == "never"
    store = StateStore(aredis, use_prefix)
    await store.write_health({"running": True, "updated_at": time.time()})
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"]
    assert ready.json()["redis"] == "ok"
    await store.write_health({"running": True, "updated_at": time.time() - 60})
    stale = await client.get("/readyz")
    assert stale.status_code == 503
    assert stale.json()["worker"] == "stale"
    await store.write_health({"running": False, "updated_at": time.time()})
    assert (await client.get("/readyz")).json()["worker"] == "stopped"


@pytest.mark.django_db
async def test_readyz_with_redis_out_of_reach_is_503_without_its_address(use_prefix):
    from django.test import AsyncClient, override_settings

    from wallboard.core import services

    with override_settings(REDIS_URL="redis://127.0.0.1:9/0"):  # nothing listens there
        services._shared.clear()  # this loop's store: built again from the setting
        response = await AsyncClient().get("/readyz")
        services._shared.clear()
    assert response.status_code == 503
    assert response.json()["redis"] == "unreachable"
    assert "127.0.0.1" not in response.content.decode()
