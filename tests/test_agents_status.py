"""``POST /agents/status``: the status buttons' endpoint, against the simulator's
SetStatusFromAPI: permissions, CSRF, every kind of answer, double clicks, the audit log."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import AsyncClient

from realtime.simulator.model import CallCenter
from realtime.state import empty_state
from realtime.store import StateStore
from tests.served import serving
from wallboard.agents.models import StatusChange, StatusOption
from wallboard.agents.onboarding import create_agent
from wallboard.core import limits
from wallboard.teams.models import Team, TeamAgent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles_and_statuses"),  # (flushed by earlier transactional tests)
    pytest.mark.usefixtures("close_thread_connections"),
]


@pytest.fixture
async def sim(settings, use_prefix, aredis):
    model = CallCenter(agents=4, queues=1, calls_per_minute=0, seed=1, now=time.time())
    live = empty_state()  # what the worker would have stored: each extension's user id
    agents: Any = {  # (cut down: Any)
        a.ext: {"extension": a.ext, "user_id": a.user_id} for a in model.agents.values()
    }
    live["agents"] = agents
    await StateStore(aredis, use_prefix).reset(live)
    async with serving(model) as simulator:
        settings.VOICENTER_API_URL = simulator.base
        settings.VOICENTER_API_CODE = "demo-code"
        settings.VOICENTER_API_TIMEOUT_S = 2
        yield simulator


def agents_of(sim):
    return list(sim.model.agents.values())


async def person(username: str, **role: Any) -> User:
    await sync_to_async(create_agent)(username, password="pw-123456", **role)
    return await User.objects.aget(username=username)


@pytest.fixture
async def alice(sim):
    me = agents_of(sim)[0]
    return await person("alice", voicenter_user_id=str(me.user_id), extension=me.ext)


@pytest.fixture
async def boss(sim):
    return await person("boss", supervisor=True)


async def signed_in(user: User, *, csrf: bool = False) -> AsyncClient:
    client = AsyncClient(enforce_csrf_checks=csrf)
    await client.aforce_login(user)
    return client


async def post(client: AsyncClient, extension: str, status: object):
    return await client.post("/agents/status", {"extension": extension, "status": status})


async def audit() -> list[StatusChange]:
    return [change async for change in StatusChange.objects.order_by("at")]


async def test_an_agent_changes_their_own_status_and_it_is_audited(sim, alice):
    me = agents_of(sim)[0]
    response = await post(await signed_in(alice), me.ext, 3)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"]
    assert body["status_name"] == "Lunch"
    assert body["confirm_s"] > 0
    assert me.status == 3  # Voicenter (the simulator) has it
    [change] = await audit()
    assert (change.actor_name, change.extension, change.status, change.ok) == (
        "alice",
        me.ext,
        3,
        True,
    )
    assert change.latency_ms is not None
    assert "OK" in change.voicenter_said


async def test_an_agent_cannot_change_someone_else_whatever_the_request_says(
    sim, alice, aredis, use_prefix
):
    other = agents_of(sim)[1]
    before = other.status
    response = await post(await signed_in(alice), other.ext, 2)
    assert response.status_code == 403
    assert response.json()["message"] == "You may change only your own status."
    assert other.status == before
    assert sim.status_requests == 0
    [change] = await audit()
    assert change.reason == "forbidden"
    assert not change.ok
    assert (await StateStore(aredis, use_prefix).stats())["status:forbidden"] == 1


async def test_a_supervisor_logs_any_agent_out(sim, boss):
    other = agents_of(sim)[2]
    other.status = 1
    response = await post(await signed_in(boss), other.ext, 2)
    assert response.status_code == 200
    assert response.json()["ok"]
    assert other.status == 2


async def test_a_team_supervisor_changes_their_teams_agents_and_is_refused_another_teams(sim, boss):
    mine, theirs = agents_of(sim)[0], agents_of(sim)[1]
    sales, support = (
        await Team.objects.acreate(name="Sales"),
        await Team.objects.acreate(name="Support"),
    )
    await TeamAgent.objects.acreate(team=sales, extension=mine.ext)
    await TeamAgent.objects.acreate(team=support, extension=theirs.ext)
    await sync_to_async(sales.supervisors.add)(boss)
    client = await signed_in(boss)
    before = theirs.status
    refused = await post(client, theirs.ext, 2)
    assert refused.status_code == 403
    assert refused.json()["message"] == "You may change only the statuses of your teams' agents."
    assert theirs.status == before
    assert sim.status_requests == 0  # refused on the server, before Voicenter
    mine.status = 1
    assert (await post(client, mine.ext, 2)).json()["ok"]
    assert mine.status == 2


async def test_without_a_csrf_token_the_post_is_refused(sim, alice):
    me = agents_of(sim)[0]
    response = await post(await signed_in(alice, csrf=True), me.ext, 3)
    assert response.status_code == 403
    assert sim.status_requests == 0


async def test_a_stranger_is_told_to_sign_in(sim):
    response = await post(AsyncClient(), "SIM0100", 3)
    assert response.status_code == 401
    assert sim.status_requests == 0


async def test_someone_without_a_role_cannot_change_anyone(sim):
    watcher = await User.objects.acreate_user("watcher", password="pw-123456")
    response = await post(await signed_in(watcher), agents_of(sim)[0].ext, 3)
    assert response.status_code == 403
    assert sim.status_requests == 0


@pytest.mark.parametrize(
    ("status", "words"), [("lunch", "must be a number"), (4, "not offered"), ("", "number")]
)
async def test_a_wrong_status_field_is_a_clear_400(sim, alice, status, words):
    response = await post(await signed_in(alice), agents_of(sim)[0].ext, status)
    assert response.status_code == 400
    assert words in response.json()["message"]
    assert sim.status_requests == 0


async def test_a_status_the_admin_does_not_offer_is_refused(sim, alice):
    await StatusOption.objects.filter(code=11).aupdate(offered=False)
    response = await post(await signed_in(alice), agents_of(sim)[0].ext, 11)
    assert response.status_code == 400
    assert sim.status_requests == 0


async def test_a_double_click_calls_voicenter_once(sim, alice):
    sim.rest_delay_s = 0.5  # the first is still on its way when the second comes
    client = await signed_in(alice)
    me = agents_of(sim)[0]
    first, second = await asyncio.gather(post(client, me.ext, 5), post(client, me.ext, 5))
    assert sorted([first.status_code, second.status_code]) == [200, 429]
    refused = first if first.status_code == 429 else second
    assert "already asked" in refused.json()["message"]
    assert sim.status_requests == 1
    again = await post(client, me.ext, 5)  # once answered, the same change may be asked again
    assert again.status_code == 200
    assert sim.status_requests == 2


async def test_a_request_waiting_on_voicenter_does_not_hold_up_another(sim, alice, boss):
    sim.rest_delay_s = 0.5
    me, other = agents_of(sim)[:2]
    mine = post(await signed_in(alice), me.ext, 9)
    theirs = post(await signed_in(boss), other.ext, 9)
    assert [r.status_code for r in await asyncio.gather(mine, theirs)] == [200, 200]
    assert sim.rest_most_in_flight == 2  # both were at Voicenter at once


async def test_a_person_is_limited_to_a_few_changes_per_window(sim, boss, monkeypatch):
    monkeypatch.setattr(limits, "RATE_WINDOW_S", 60)  # one window for the whole test
    client = await signed_in(boss)
    codes = [(await post(client, other.ext, 9)).status_code for other in agents_of(sim)]
    assert codes == [200, 200, 200, 429]
    assert sim.status_requests == 3


async def test_voicenter_errors_become_messages_and_are_audited(sim, alice):
    sim.status_update_fails = True
    client = await signed_in(alice)
    response = await post(client, agents_of(sim)[0].ext, 7)
    assert response.status_code == 502
    assert "Error on update" in response.json()["message"]
    sim.status_update_fails = False
    again = await post(client, agents_of(sim)[0].ext, 7)  # a failure does not block a retry
    assert again.status_code == 200
    reasons = [c.reason for c in await audit()]
    assert reasons == ["voicenter_error", "ok"]


async def test_a_timeout_is_a_message_that_does_not_name_the_api_code(sim, alice, settings):
    sim.rest_delay_s = 3
    settings.VOICENTER_API_TIMEOUT_S = 0.3
    response = await post(await signed_in(alice), agents_of(sim)[0].ext, 3)
    body = response.json()
    assert response.status_code == 502
    assert "did not answer within 0.3 s" in body["message"]
    assert "demo-code" not in response.content.decode()


async def test_an_answer_quoting_the_api_code_reaches_nobody(sim, alice, settings):
    sim.rest_echo_code = True  # Voicenter's answer quotes the code back
    response = await post(await signed_in(alice), agents_of(sim)[0].ext, 3)
    assert response.status_code == 502
    assert "[API code]" in response.json()["message"]
    assert "demo-code" not in response.content.decode()
    [change] = await audit()
    assert "demo-code" not in change.message + change.voicenter_said


async def test_a_status_field_of_unicode_digits_is_a_400_not_a_crash(sim, alice):
    response = await post(await signed_in(alice), agents_of(sim)[0].ext, "²")
    assert response.status_code == 400
    assert [c.reason for c in await audit()] == ["bad_request"]


async def test_a_wrong_api_code_is_explained_and_never_echoed(sim, alice, settings):
    settings.VOICENTER_API_CODE = "secret-api-code"
    response = await post(await signed_in(alice), agents_of(sim)[0].ext, 3)
    assert response.status_code == 502
    assert "Authorization Failed" in response.json()["message"]
    assert "secret-api-code" not in response.content.decode()
    [change] = await audit()
    assert "secret-api-code" not in change.message + change.voicenter_said


async def test_an_extension_in_use_by_someone_else_is_explained(sim, alice):
    me, other = agents_of(sim)[:2]
    other.status = 1
    await sync_to_async(create_agent)(
        "alice", password=None, voicenter_user_id=str(me.user_id), extension=other.ext
    )  # alice's profile now (wrongly) says she works the other extension
    response = await post(await signed_in(alice), other.ext, 1)
    assert response.status_code == 502
    assert f"\u2068{other.ext}\u2069 is already in use" in response.json()["message"]
    [change] = await audit()
    assert change.voicenter_said.endswith("Extension is already in use")  # its own words


async def test_an_extension_without_a_known_user_id_is_a_409(sim, boss, aredis, use_prefix):
    await StateStore(aredis, use_prefix).reset(empty_state())  # the worker knows nothing yet
    response = await post(await signed_in(boss), agents_of(sim)[1].ext, 2)
    assert response.status_code == 409
    assert "user id" in response.json()["message"]
    assert sim.status_requests == 0


async def test_bad_requests_count_against_the_rate_limit_too(sim, alice, monkeypatch):
    monkeypatch.setattr(limits, "RATE_WINDOW_S", 60)
    client = await signed_in(alice)
    codes = [(await post(client, "", "x")).status_code for _ in range(5)]
    assert codes == [400, 400, 400, 429, 429]
    # the refused flood is counted; only its first refusal is written down
    assert [c.reason for c in await audit()] == ["bad_request"] * 3 + ["too_many"]
