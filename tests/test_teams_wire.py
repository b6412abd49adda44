"""Teams on the wire: a board's frames carry only its team's queues, agents and callers (read
from the frames themselves), a crafted request for another team is refused, and a team's
change reaches its open boards with a fresh snapshot. Real ASGI stack, real Redis."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from tests.examples import agent_entity
from tests.frames import assert_valid_frame
from tests.helpers import HOST, ORIGIN, commit_and_publish, wired_to_boards
from wallboard.agents.onboarding import create_agent
from wallboard.asgi import application
from wallboard.board.models import DisplayLink
from wallboard.teams import live
from wallboard.teams.models import Team, TeamAgent, TeamQueue
from wallboard.teams.visibility import View, view_for_display, view_for_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles_and_statuses"),
]


def queue(queue_id: str, *callers: str) -> Any:
    waiting = [
        {"call_id": f"c-{name}", "caller_number": "0501234567", "caller_name": name,
         "joined_at": 1_600_000_000, "contact": "", "earlier": 0}
        for name in callers
    ]  # fmt: skip
    return {"id": queue_id, "name": f"Queue {queue_id}", "waiting": waiting}


@sync_to_async
def floor() -> dict:
    """Sales: queue 1, agent SIP1, supervised by dana. Support: queue 2, agent SIP2."""
    sales, support = Team.objects.create(name="Sales"), Team.objects.create(name="Support")
    TeamQueue.objects.create(team=sales, queue_id="1")
    TeamAgent.objects.create(team=sales, extension="SIP1")
    TeamQueue.objects.create(team=support, queue_id="2")
    TeamAgent.objects.create(team=support, extension="SIP2")
    create_agent("dana", password="pw-0123456789", supervisor=True)
    dana = User.objects.get(username="dana")
    sales.supervisors.add(dana)
    client = Client()
    client.force_login(dana)
    return {"sales": sales, "support": support, "dana": dana,
            "cookie": f"sessionid={client.cookies['sessionid'].value}".encode()}  # fmt: skip


@pytest.fixture
async def wired(use_prefix):
    wired = await wired_to_boards()
    await wired.board.rebuild(
        {"queues": {"1": queue("1", "SALES-CALLER"), "2": queue("2", "SUPPORT-CALLER")},
         "agents": {"SIP1": agent_entity("SIP1"), "SIP2": agent_entity("SIP2")}, "today": {}}
    )  # fmt: skip
    return wired


@pytest.fixture
async def screens():
    opened = []

    async def open_screen(path="/ws/wallboard/", cookie=None):
        headers = [ORIGIN, HOST] + ([(b"cookie", cookie)] if cookie else [])
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await communicator.connect()
        assert connected
        opened.append(communicator)
        return communicator

    yield open_screen
    for communicator in opened:
        await communicator.disconnect()


async def frames(communicator, count: int) -> list[tuple[dict, str]]:
    """The next ``count`` frames, each valid against the schema, with the text it came as."""
    got = []
    for _ in range(count):
        text = await communicator.receive_from(3)
        message = orjson.loads(text)
        assert_valid_frame(message)
        got.append((message, text))
    return got


async def test_a_sales_board_gets_no_frame_carrying_another_teams_caller(wired, screens):
    people = await floor()
    sales = await screens(cookie=people["cookie"])
    (view, _), (snap, snap_text) = await frames(sales, 2)
    assert (view["type"], view["team"]) == ("view", "Sales")
    assert snap["type"] == "snapshot"
    assert set(snap["state"]["queues"]) == {"1"}
    assert set(snap["state"]["agents"]) == {"SIP1"}
    await commit_and_publish(
        wired, {"queues": {"set": {"2": queue("2", "SUPPORT-CALLER", "SUPPORT-2")}}}
    )
    await commit_and_publish(
        wired, {"queues": {"set": {"1": queue("1", "SALES-CALLER", "SALES-2")}}}
    )
    await commit_and_publish(
        wired, {"agents": {"set": {"SIP2": agent_entity("SIP2", agent_name="SUPPORT-AGENT")}}}
    )
    received = [snap_text] + [text for _, text in await frames(sales, 3)]
    assert not any("SUPPORT" in text for text in received)  # absent from every frame
    assert not any('"2"' in text for text in received[1:])
    deltas = [orjson.loads(text) for text in received[1:]]
    assert [d["seq"] for d in deltas] == [snap["seq"] + 1, snap["seq"] + 2, snap["seq"] + 3]
    assert deltas[0]["delta"] == {}  # Support's change: only its position
    assert "SALES-2" in received[2]


async def test_a_display_link_made_for_a_team_shows_that_team_only(wired, screens):
    people = await floor()
    tv = await DisplayLink.objects.acreate(name="Sales TV", team=people["sales"])
    screen = await screens(f"/ws/wallboard/?display={tv.token}")
    (view, _), (snap, text) = await frames(screen, 2)
    assert (view["team"], view["options"]) == ("Sales", [])
    assert set(snap["state"]["queues"]) == {"1"}
    assert "SUPPORT" not in text


async def test_a_crafted_request_for_another_team_is_refused_logged_and_counted(
    wired, screens, caplog
):
    people = await floor()
    sales = await screens(cookie=people["cookie"])
    await frames(sales, 2)
    caplog.set_level(logging.WARNING, logger="wallboard.board.consumers")
    asked = {"type": "view", "team": str(people["support"].pk)}
    await sales.send_to(text_data=orjson.dumps(asked).decode())
    [(refused, _)] = await frames(sales, 1)
    assert (refused["type"], refused["code"]) == ("error", "not_allowed")
    assert await sales.receive_nothing(0.3)  # no view, no snapshot of Support
    assert "refused a board's view" in caplog.text
    assert (await wired.store.stats())["board:view_refused"] == 1
    await commit_and_publish(wired, {"queues": {"set": {"2": queue("2", "SUPPORT-LATER")}}})
    [(delta, text)] = await frames(sales, 1)
    assert delta["delta"] == {}
    assert "SUPPORT" not in text


async def test_a_team_change_reaches_its_open_board_with_a_fresh_snapshot(
    wired, screens, monkeypatch
):
    monkeypatch.setattr(live, "LOOK_EVERY_S", 0.05)
    people = await floor()
    sales = await screens(cookie=people["cookie"])
    await frames(sales, 2)
    await TeamQueue.objects.acreate(team=people["sales"], queue_id="2")  # Sales takes queue 2
    (view, _), (snap, _) = await frames(sales, 2)
    assert view["type"] == "view"
    assert snap["type"] == "snapshot"
    assert set(snap["state"]["queues"]) == {"1", "2"}


async def test_a_supervisor_removed_from_the_team_stops_receiving_it(wired, screens, monkeypatch):
    monkeypatch.setattr(live, "LOOK_EVERY_S", 0.05)
    people = await floor()
    sales = await screens(cookie=people["cookie"])
    await frames(sales, 2)
    await sync_to_async(people["sales"].supervisors.remove)(people["dana"])
    (view, _), (snap, _) = await frames(sales, 2)
    assert (view["why"], view["team"]) == ("no_team", None)
    assert snap["state"] == {"queues": {}, "agents": {}, "today": {}}
    await commit_and_publish(wired, {"queues": {"set": {"1": queue("1", "SALES-LATER")}}})
    [(delta, text)] = await frames(sales, 1)
    assert delta["delta"] == {}
    assert "SALES-LATER" not in text


async def test_a_tv_whose_team_is_deleted_says_so_and_shows_nothing(wired, screens, monkeypatch):
    monkeypatch.setattr(live, "LOOK_EVERY_S", 0.05)
    people = await floor()
    tv = await DisplayLink.objects.acreate(name="Sales TV", team=people["sales"])
    screen = await screens(f"/ws/wallboard/?display={tv.token}")
    await frames(screen, 2)
    await people["sales"].adelete()
    (view, _), (snap, _) = await frames(screen, 2)
    assert view["why"] == "team_gone"
    assert snap["state"]["queues"] == {}
    assert snap["state"]["agents"] == {}


async def test_screens_of_one_display_link_share_one_lookup_of_its_view(
    wired, screens, monkeypatch
):
    people = await floor()
    tv = await DisplayLink.objects.acreate(name="Sales TV", team=people["sales"])
    looked = []

    def counted(display: DisplayLink) -> View:
        looked.append(display)
        return view_for_display(display)

    monkeypatch.setattr("wallboard.board.consumers.view_for_display", counted)
    for _ in range(5):
        screen = await screens(f"/ws/wallboard/?display={tv.token}")
        assert [f["type"] for f, _ in await frames(screen, 2)] == ["view", "snapshot"]
    assert len(looked) == 1


async def test_boards_in_an_account_without_teams_look_nothing_up_and_get_no_view_frame(
    wired, screens, monkeypatch
):
    @sync_to_async
    def cookie() -> bytes:
        create_agent("noa", password="pw-0123456789", supervisor=True)
        client = Client()
        client.force_login(User.objects.get(username="noa"))
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    looked = []

    def counted(user: User, pick: str | None = None) -> View:
        looked.append(user)
        return view_for_user(user, pick)

    monkeypatch.setattr("wallboard.board.consumers.view_for_user", counted)
    session = await cookie()
    for _ in range(3):
        board = await screens(cookie=session)
        [(first, text)] = await frames(board, 1)
        assert first["type"] == "snapshot"
        assert "SUPPORT-CALLER" in text  # the whole account
    assert looked == []
