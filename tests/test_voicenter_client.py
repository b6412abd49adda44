"""The HTTP client, against the simulator's login and refresh endpoints (Voicenter's formats)."""

from __future__ import annotations

import time

import httpx
import pytest

from realtime.simulator.model import CallCenter
from realtime.voicenter.client import VoicenterClient
from realtime.voicenter.login import LoginRefused
from tests.served import Served, serving

pytestmark = pytest.mark.pure  # a local HTTP server; no Redis, no database


@pytest.fixture
async def sim():
    async with serving(CallCenter(agents=2, queues=1, seed=1, now=time.time())) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Served):
    voicenter = VoicenterClient(
        login_url=f"{sim.base}/monitorAPI/Login",
        refresh_url=f"{sim.base}/monitorAPI/RefreshIdentityToken",
        timeout_s=5,
    )
    yield voicenter
    await voicenter.aclose()


@pytest.mark.parametrize(
    ("login_type", "credentials"),
    [
        ("token", {"token": "demo-token"}),
        ("account", {"username": "demo", "password": "demo"}),
        ("user", {"email": "demo@example.com", "pin": "1234"}),
    ],
)
async def test_each_login_type_gets_a_socket_grant(sim, client, login_type, credentials):
    grant = await client.login(login_type, credentials)
    assert grant.token in sim.sessions and grant.urls == (sim.base,)
    assert grant.token_expiry is not None and grant.token_expiry > time.time()


async def test_refresh_trades_the_refresh_token_for_a_new_socket_token(sim, client):
    first = await client.login("token", {"token": "demo-token"})
    assert first.refresh_token
    second = await client.refresh(first.refresh_token)
    assert second.token != first.token and second.token in sim.sessions
    assert first.token not in sim.sessions  # Voicenter retires the old token
    with pytest.raises(LoginRefused):
        await client.refresh(first.refresh_token)  # a refresh token is good once


async def test_wrong_credentials_are_a_refusal_that_does_not_repeat_them(client):
    with pytest.raises(LoginRefused) as refused:
        await client.login("token", {"token": "wrong-secret-token"})
    assert "wrong-secret-token" not in str(refused.value)


async def test_a_login_type_without_its_credentials_is_a_refusal_not_a_request(sim, client):
    with pytest.raises(LoginRefused, match="password"):
        await client.login("account", {"username": "demo"})
    assert sim.logins == 0


async def test_an_unreachable_server_is_an_http_error():
    voicenter = VoicenterClient(
        login_url="http://127.0.0.1:9/monitorAPI/Login", refresh_url="http://127.0.0.1:9/r"
    )
    try:
        with pytest.raises(httpx.HTTPError):
            await voicenter.login("token", {"token": "t"})
    finally:
        await voicenter.aclose()
