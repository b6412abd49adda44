"""The HTTP client, against the simulator's login and refresh endpoints (Voicenter's formats)."""

from __future__ import annotations

import time

import httpx
import pytest

from realtime.simulator.model import CallCenter
from realtime.voicenter.client import VoicenterClient
from realtime.voicenter.login import LoginRefused
from realtime.voicenter.rest import ActiveRefused, ExtensionsCalls, QueuesCallers, RestRefused
from tests.served import Served, serving

pytestmark = pytest.mark.pure  # a local HTTP server; no Redis, no database


@pytest.fixture
async def sim():
    async with serving(CallCenter(agents=2, queues=1, seed=1, now=time.time())) as simulator:
        yield simulator


def make_client(sim: Served, *, api_code: str = "demo-code", timeout_s: float = 5):
    return VoicenterClient(
        login_url=f"{sim.base}/monitorAPI/Login",
        refresh_url=f"{sim.base}/monitorAPI/RefreshIdentityToken",
        api_url=sim.base,
        comet_url=f"{sim.base}/Comet/api",
        api_code=api_code,
        timeout_s=timeout_s,
    )


@pytest.fixture
async def client(sim: Served):
    voicenter = make_client(sim)
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
    assert grant.token in sim.sessions
    assert grant.urls == (sim.base,)
    assert grant.token_expiry is not None
    assert grant.token_expiry > time.time()


async def test_refresh_trades_the_refresh_token_for_a_new_socket_token(sim, client):
    first = await client.login("token", {"token": "demo-token"})
    assert first.refresh_token
    second = await client.refresh(first.refresh_token)
    assert second.token != first.token
    assert second.token in sim.sessions
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


# --- SetStatusFromAPI ---------------------------------------------------------------------


def first_agent(sim: Served):
    assert sim.model is not None
    return next(iter(sim.model.agents.values()))


async def lunch(client: VoicenterClient, agent, **overrides):
    request = {"user_id": str(agent.user_id), "extension": agent.ext, "status": 3}
    request.update(overrides)
    return await client.set_status(**request)


async def test_set_status_changes_the_agents_status_at_voicenter(sim, client):
    agent = first_agent(sim)
    result = await lunch(client, agent)
    assert result.ok, result
    assert agent.status == 3
    assert sim.status_requests == 1


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"extension": "NOSUCH"}, "no_extension"),
        ({"user_id": "1"}, "unauthorized"),
        ({"status": 4}, "status_not_supported"),
        ({"extension": ""}, "missing_parameters"),
    ],
)
async def test_set_status_refusals_come_back_as_answers(sim, client, overrides, reason):
    agent = first_agent(sim)
    before = agent.status
    result = await lunch(client, agent, **overrides)
    assert not result.ok
    assert result.reason == reason
    assert agent.status == before


async def test_another_users_logged_in_extension_is_in_use(sim, client):
    assert sim.model is not None
    mine, theirs = list(sim.model.agents.values())[:2]
    theirs.status = 1
    result = await lunch(client, mine, extension=theirs.ext)
    assert result.reason == result.case == "in_use"


async def test_a_wrong_api_code_is_unauthorized_and_not_repeated(sim):
    voicenter = make_client(sim, api_code="wrong-secret-code")
    try:
        result = await lunch(voicenter, first_agent(sim))
    finally:
        await voicenter.aclose()
    assert result.reason == "unauthorized"
    assert "wrong-secret-code" not in result.detail + result.said


async def test_error_on_update_is_voicenters_error(sim, client):
    sim.status_update_fails = True
    result = await lunch(client, first_agent(sim))
    assert (result.reason, result.case) == ("voicenter_error", "error_on_update")


async def test_a_slow_voicenter_is_a_timeout_answer(sim):
    sim.rest_delay_s = 2
    voicenter = make_client(sim, timeout_s=0.2)
    try:
        result = await lunch(voicenter, first_agent(sim))
    finally:
        await voicenter.aclose()
    assert result.reason == "timeout"
    assert result.detail == "0.2"


async def test_an_html_answer_is_not_json(sim, client):
    sim.rest_garbage = True
    result = await lunch(client, first_agent(sim))
    assert result.reason == "not_json"


async def test_an_unreachable_voicenter_is_a_network_answer():
    voicenter = VoicenterClient(api_url="http://127.0.0.1:9", api_code="secret-code")
    try:
        result = await voicenter.set_status(user_id="1", extension="X", status=2)
    finally:
        await voicenter.aclose()
    assert result.reason == "network"
    assert "127.0.0.1" not in result.detail
    assert "secret-code" not in result.detail + result.said


# --- GetExtensions ----------------------------------------------------------------------------


async def test_get_extensions_lists_the_simulated_extensions(sim, client):
    rows, skipped = await client.get_extensions()
    assert sim.model is not None
    assert sorted(r.sip for r in rows) == sorted(sim.model.agents)
    assert skipped == 0
    assert all(r.user_email for r in rows)


async def test_get_extensions_with_a_wrong_code_is_refused(sim):
    voicenter = make_client(sim, api_code="wrong")
    try:
        with pytest.raises(RestRefused) as refused:
            await voicenter.get_extensions()
        assert (refused.value.code, refused.value.detail) == ("refused", "ERR 1, Unauthorized")
        sim.extensions_no_account = True
        with pytest.raises(RestRefused) as refused:
            await voicenter.get_extensions()
        assert refused.value.code == "no_account"
    finally:
        await voicenter.aclose()


# --- Click2Call -------------------------------------------------------------------------------


async def test_click2call_starts_a_call_on_the_agents_extension(sim, client):
    agent = first_agent(sim)
    agent.status = 1
    answer = await client.click2call(phone=agent.ext, target="0501234567")
    assert answer.ok
    assert answer.call_id
    assert [c.ivrid for c in agent.calls] == [answer.call_id]
    assert agent.calls[0].direction == "Click2Call"
    assert agent.calls[0].leg == 1
    hung = await client.hang_up(phone=agent.ext)
    assert hung.ok
    assert hung.reason == "ok"
    assert agent.calls == []


async def test_click2call_from_an_offline_extension_is_error_3(sim, client):
    agent = first_agent(sim)
    agent.status = 2
    answer = await client.click2call(phone=agent.ext, target="0501234567")
    assert answer.reason == "offline"
    assert answer.call_id == ""
    assert agent.calls == []


async def test_click2call_from_a_blocked_extension_is_error_4(sim, client):
    agent = first_agent(sim)
    agent.status = 1
    sim.click2call_blocked = True
    assert (await client.click2call(phone=agent.ext, target="0501234567")).reason == "blocked"


async def test_click2call_to_a_bad_number_is_error_1(sim, client):
    agent = first_agent(sim)
    agent.status = 1
    assert (await client.click2call(phone=agent.ext, target="abc")).reason == "bad_parameters"


async def test_click2call_timeouts_and_garbage_are_answers(sim):
    agent = first_agent(sim)
    agent.status = 1
    slow = make_client(sim, timeout_s=0.2)
    try:
        sim.rest_delay_s = 1
        assert (await slow.click2call(phone=agent.ext, target="0501234567")).reason == "timeout"
        sim.rest_delay_s, sim.rest_garbage = 0, True
        assert (await slow.click2call(phone=agent.ext, target="0501234567")).reason == "not_json"
    finally:
        await slow.aclose()


async def test_answers_that_quote_the_api_code_are_scrubbed(sim, client):
    sim.rest_echo_code = True
    agent = first_agent(sim)
    agent.status = 1
    status = await lunch(client, agent)
    call = await client.click2call(phone=agent.ext, target="0501234567")
    for answer in (status, call):
        assert not answer.ok
        assert "[API code]" in answer.detail + answer.said
        assert "demo-code" not in answer.detail + answer.said


# --- Active calls -----------------------------------------------------------------------------


async def test_extensions_calls_reads_every_extension_and_its_calls(sim, client):
    agent = first_agent(sim)
    agent.status = 1
    agent.calls.clear()
    assert sim.model is not None
    call = sim.model.ring_direct(agent.ext, "0547777777", "Dana")
    answer = await client.extensions_calls()
    assert isinstance(answer, ExtensionsCalls)
    assert answer.skipped == 0
    listed = {e.sip: e for e in answer.extensions}
    assert set(listed) == set(sim.model.agents)
    [seen] = listed[agent.ext].calls
    assert (seen.call_id, seen.caller_phone, seen.status, seen.answered) == (
        call.ivrid,
        "0547777777",
        "Ringing",
        False,
    )
    assert seen.started == call.started


async def test_queues_callers_reads_every_queue_and_its_waiting_callers(sim, client):
    assert sim.model is not None
    queue_id = min(sim.model.queues)
    caller = sim.model.join(queue_id, "0570000000", "Noa")
    answer = await client.queues_callers()
    assert isinstance(answer, QueuesCallers)
    [queue] = answer.queues
    assert queue.queue_id == queue_id
    assert [(c.phone, c.call_id, c.joined) for c in queue.callers] == [
        ("0570000000", caller.ivrid, caller.joined)
    ]


async def test_active_calls_refusals_and_failures_are_typed_values_never_raised(sim):
    wrong = make_client(sim, api_code="wrong")
    slow = make_client(sim, timeout_s=0.2)
    try:
        for ask in (wrong.extensions_calls, wrong.queues_callers):
            assert await ask() == ActiveRefused("refused", 1, "ERR 1, Authorization failed.")
        sim.comet_internal_error = True
        assert await slow.queues_callers() == ActiveRefused("refused", 2, "ERR 2, Internal error.")
        sim.comet_internal_error, sim.rest_garbage = False, True
        assert await slow.extensions_calls() == ActiveRefused("not_json")
        sim.rest_garbage, sim.rest_delay_s = False, 1
        assert await slow.queues_callers() == ActiveRefused("timeout", None, "0.2")
    finally:
        await wrong.aclose()
        await slow.aclose()
    gone = VoicenterClient(comet_url="http://127.0.0.1:9/Comet/api", api_code="secret-code")
    try:
        refused = await gone.extensions_calls()
        assert refused == ActiveRefused("network")
    finally:
        await gone.aclose()
