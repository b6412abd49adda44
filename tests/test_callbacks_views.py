"""The call-back page's list and its call-back (wallboard/callbacks/), against the simulator and
the real Redis: who sees which callers, one call per abandon whoever clicks, the other told who
took it, a call that did not start given back, and the call's outcome once its record is in."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import AsyncClient

from realtime.callbacks import GaveUp
from realtime.daystore import DayStore
from realtime.simulator.model import SimAgent
from tests.helpers import calls
from wallboard.agents.onboarding import create_agent
from wallboard.callbacks.listing import today
from wallboard.contacts.models import CallRequest, Contact, PhoneNumber
from wallboard.core.services import redis_client
from wallboard.reports.models import CallRecord, QueueSettings
from wallboard.teams.models import Team, TeamAgent, TeamQueue

DANA = "0507234567"
NOA = "0527654321"


@pytest.fixture
def sim(click2call_sim):
    return click2call_sim


async def listed(prefix: str, *rows: GaveUp) -> None:
    """Rows on today's list, as the worker writes them."""
    client = redis_client()
    try:
        await DayStore(client, prefix).write({}, {}, gave_up={today(): {r["n"]: r for r in rows}})
    finally:
        await client.aclose()


def row(number: str, key: str, at: float, queue: str = "7", calls: int = 1) -> GaveUp:
    return {"n": number, "q": queue, "k": key, "a": at, "w": 65.0, "c": calls}


async def person(
    sim, username: str, index: int, *, logged_in: bool = True
) -> tuple[AsyncClient, SimAgent]:
    agent = list(sim.model.agents.values())[index]
    agent.status = 1 if logged_in else 2
    await sync_to_async(create_agent)(
        username, password="pw-123456", voicenter_user_id=str(agent.user_id), extension=agent.ext
    )
    user = await User.objects.aget(username=username)
    user.first_name = username.capitalize()
    await user.asave()
    client = AsyncClient()
    await client.aforce_login(user)
    return client, agent


async def the_list(client: AsyncClient) -> list[dict]:
    response = await client.get("/callbacks/list")
    assert response.status_code == 200
    return response.json()["rows"]


@calls
async def test_the_list_shows_todays_callers_newest_first_with_contact_and_queue(sim, use_prefix):
    now = time.time()
    await listed(use_prefix, row(DANA, "7:a", now - 600), row(NOA, "7:b", now - 60, calls=3))
    contact = await Contact.objects.acreate(name="Dana Cohen")
    await PhoneNumber.objects.acreate(contact=contact, number="+972507234567")
    await QueueSettings.objects.acreate(queue_id="7", display_name="מכירות")
    client, _ = await person(sim, "alice", 0)
    rows = await the_list(client)
    assert [(r["number"], r["calls"], r["queue"]) for r in rows] == [
        (NOA, 3, "מכירות"),
        (DANA, 1, "מכירות"),
    ]
    assert (rows[1]["contact"], rows[1]["contact_url"]) == (
        "Dana Cohen",
        f"/contacts/{contact.pk}/",
    )
    assert (rows[1]["shown"], rows[1]["waited"], rows[1]["callback"]) == (
        "050-723-4567",
        "1:05",
        None,
    )


@calls
async def test_the_page_reads_the_lists_again_only_when_they_changed(sim, use_prefix):
    client, _ = await person(sim, "alice", 0)
    first = (await client.get("/callbacks/list")).json()
    same = (await client.get("/callbacks/list", {"v": first["v"]})).json()
    assert same == {"v": first["v"], "same": True}
    await listed(use_prefix, row(DANA, "7:a", time.time()))
    moved = (await client.get("/callbacks/list", {"v": first["v"]})).json()
    assert [r["number"] for r in moved["rows"]] == [DANA]


@calls
async def test_someone_with_no_role_sees_no_callers(sim, use_prefix):
    await listed(use_prefix, row(DANA, "7:a", time.time()))
    nobody = await User.objects.acreate_user("nobody", password="pw-123456")
    client = AsyncClient()
    await client.aforce_login(nobody)
    response = await client.get("/callbacks/list")
    assert response.status_code == 403
    assert DANA not in response.content.decode()


@calls
async def test_with_teams_an_agent_sees_only_their_teams_queues_callers(sim, use_prefix):
    await listed(use_prefix, row(DANA, "7:a", time.time()), row(NOA, "8:b", time.time(), "8"))
    client, agent = await person(sim, "alice", 0)
    team = await Team.objects.acreate(name="Sales")
    await TeamQueue.objects.acreate(team=team, queue_id="7")
    await TeamAgent.objects.acreate(team=team, extension=agent.ext)
    await Team.objects.acreate(name="Support")
    assert [r["number"] for r in await the_list(client)] == [DANA]
    refused = await client.post("/callbacks/call", {"number": NOA, "key": "8:b"})
    assert refused.status_code == 403
    assert sim.model.agents[agent.ext].calls == []


@calls
async def test_a_click_calls_the_caller_back_from_the_clickers_extension_and_marks_the_row(
    sim, use_prefix
):
    await listed(use_prefix, row(DANA, "7:a", time.time()))
    client, agent = await person(sim, "alice", 0)
    response = await client.post("/callbacks/call", {"number": DANA, "key": "7:a"})
    body = response.json()
    assert response.status_code == 200, body
    [call] = agent.calls  # Voicenter rings the agent's phone first, then the caller
    assert (call.direction, call.leg, call.phone, call.ivrid) == (
        "Click2Call",
        1,
        DANA,
        body["call_id"],
    )
    [entry] = [r async for r in CallRequest.objects.all()]
    assert (entry.action, entry.target, entry.ok) == ("call back", "+972507234567", True)
    [asked] = sim.click2call_requests  # a stranger: tagged with who called back, no contact
    assert (asked["var_user"], "var_contact" in asked) == ("alice", False)
    [shown] = await the_list(client)
    assert shown["callback"]["name"] == "Alice"
    assert shown["callback"]["mine"] is True


@calls
async def test_a_call_back_to_a_contacts_number_is_logged_and_tagged_with_the_contact(
    sim, use_prefix
):
    contact = await Contact.objects.acreate(name="Dana Cohen")
    await PhoneNumber.objects.acreate(contact=contact, number="+972507234567")
    await listed(use_prefix, row(DANA, "7:a", time.time()))
    client, _ = await person(sim, "alice", 0)
    response = await client.post("/callbacks/call", {"number": DANA, "key": "7:a"})
    assert response.status_code == 200, response.json()
    [entry] = [r async for r in CallRequest.objects.all()]
    assert entry.contact_id == contact.pk
    [asked] = sim.click2call_requests
    assert (asked["var_contact"], asked["var_user"]) == (str(contact.pk), "alice")


@calls
async def test_a_second_click_elsewhere_is_refused_with_who_took_it(sim, use_prefix, settings):
    await listed(use_prefix, row(DANA, "7:a", time.time()))
    alice, first = await person(sim, "alice", 0)
    bob, second = await person(sim, "bob", 1)
    assert (await alice.post("/callbacks/call", {"number": DANA, "key": "7:a"})).status_code == 200
    taken = await bob.post("/callbacks/call", {"number": DANA, "key": "7:a"})
    assert taken.status_code == 409
    assert "Alice is already calling this caller back" in taken.json()["message"]
    assert (len(first.calls), second.calls) == (1, [])
    [shown] = await the_list(bob)
    assert (shown["callback"]["name"], shown["callback"]["mine"]) == ("Alice", False)


@calls
async def test_two_clicks_at_once_make_one_call(sim, use_prefix):
    import asyncio

    await listed(use_prefix, row(DANA, "7:a", time.time()))
    alice, first = await person(sim, "alice", 0)
    bob, second = await person(sim, "bob", 1)
    answers = await asyncio.gather(
        alice.post("/callbacks/call", {"number": DANA, "key": "7:a"}),
        bob.post("/callbacks/call", {"number": DANA, "key": "7:a"}),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert len(first.calls) + len(second.calls) == 1


@calls
async def test_a_call_that_did_not_start_frees_the_row_for_someone_else(sim, use_prefix):
    await listed(use_prefix, row(DANA, "7:a", time.time()))
    offline, _ = await person(sim, "alice", 0, logged_in=False)
    refused = await offline.post("/callbacks/call", {"number": DANA, "key": "7:a"})
    assert refused.status_code == 502
    assert "offline" in refused.json()["message"]
    bob, second = await person(sim, "bob", 1)
    assert (await bob.post("/callbacks/call", {"number": DANA, "key": "7:a"})).status_code == 200
    assert len(second.calls) == 1


@calls
async def test_a_caller_no_longer_on_the_list_is_not_called(sim, use_prefix):
    await listed(use_prefix, row(DANA, "7:b", time.time()))  # they gave up again since
    client, agent = await person(sim, "alice", 0)
    gone = await client.post("/callbacks/call", {"number": DANA, "key": "7:a"})
    assert gone.status_code == 409
    assert "no longer on the list" in gone.json()["message"]
    assert agent.calls == []


@calls
async def test_the_call_backs_outcome_shows_once_its_record_is_in(sim, use_prefix):
    await listed(use_prefix, row(DANA, "7:a", time.time()))
    client, _ = await person(sim, "alice", 0)
    call_id = (await client.post("/callbacks/call", {"number": DANA, "key": "7:a"})).json()[
        "call_id"
    ]
    [before] = await the_list(client)
    assert before["callback"]["outcome"] == ""
    await CallRecord.objects.acreate(
        key=f"{call_id}:1", call_id=call_id, type="Click2Call leg1", status="ANSWER"
    )
    [after] = await the_list(client)
    assert after["callback"]["outcome"] == "Answered"


@calls
async def test_a_withheld_or_invalid_number_is_not_dialled(sim, use_prefix):
    await listed(use_prefix, row("0511", "7:a", time.time()))
    client, agent = await person(sim, "alice", 0)
    refused = await client.post("/callbacks/call", {"number": "0511", "key": "7:a"})
    assert refused.status_code == 403
    assert agent.calls == []


@pytest.mark.django_db
def test_the_page_is_for_agents_and_supervisors(client, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="pw-123456")
    client.force_login(nobody)
    response = client.get("/callbacks/")
    assert response.status_code == 403
    assert "Only agents and supervisors" in response.content.decode()
