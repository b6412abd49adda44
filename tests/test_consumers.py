"""The wallboard websocket, through the real ASGI stack (origin check, session auth) and the
process's fan-out from real Redis. Every frame a board receives here must also be valid
against the protocol's JSON Schema (realtime/messages.schema.json)."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from realtime.publisher import channel, encode, pack
from realtime.state import Delta, apply_delta
from tests.examples import agent_entity, doc_examples
from tests.frames import assert_valid_frame
from tests.helpers import HOST, ORIGIN, commit_and_publish, wired_to_boards
from wallboard.asgi import application
from wallboard.board import consumers
from wallboard.board.consumers import CLOSE_SERVER_ERROR, CLOSE_STORE_DOWN
from wallboard.board.models import DisplayLink
from wallboard.core.services import shared_store

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def session_cookie() -> bytes:
    get_user_model().objects.create_user("sup", password="pw-123456")
    client = Client()
    assert client.login(username="sup", password="pw-123456")
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
async def board(use_prefix):
    cookie = await session_cookie()
    opened = []

    async def open_board(headers=None):
        headers = headers if headers is not None else [ORIGIN, HOST, (b"cookie", cookie)]
        communicator = WebsocketCommunicator(application, "/ws/wallboard/", headers=headers)
        connected, _ = await communicator.connect()
        assert connected
        opened.append(communicator)
        return communicator

    yield open_board
    for communicator in opened:
        await communicator.disconnect()


@pytest.fixture
async def wired(use_prefix):
    """The worker's side, publishing to the boards of this test."""
    return await wired_to_boards()


async def frame(communicator, within_s=3.0) -> dict:
    """The next frame the board receives; it must be valid against the protocol's schema."""
    message = orjson.loads(await communicator.receive_from(within_s))
    assert_valid_frame(message)
    return message


async def test_a_display_link_watches_without_a_session(use_prefix):
    display = await DisplayLink.objects.acreate(name="Sales TV")
    path = f"/ws/wallboard/?display={display.token}"
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, HOST])
    connected, _ = await communicator.connect()
    assert connected
    try:
        assert (await frame(communicator))["type"] == "snapshot"
    finally:
        await communicator.disconnect()


async def test_a_display_links_open_screen_is_closed_once_the_link_is_revoked(
    use_prefix, monkeypatch
):
    monkeypatch.setattr(consumers, "DISPLAY_CHECK_S", 0.1)
    display = await DisplayLink.objects.acreate(name="Lobby TV")
    path = f"/ws/wallboard/?display={display.token}"
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, HOST])
    connected, _ = await communicator.connect()
    assert connected
    assert (await frame(communicator))["type"] == "snapshot"
    assert await communicator.receive_nothing(0.3)  # still valid: still open
    await DisplayLink.objects.filter(pk=display.pk).aupdate(revoked_at=timezone.now())
    assert await communicator.receive_output(3) == {"type": "websocket.close", "code": 4401}


@pytest.mark.parametrize("token", ["revoked", "not-a-token", ""])
async def test_a_revoked_or_unknown_display_link_gets_no_data(use_prefix, token):
    display = await DisplayLink.objects.acreate(name="Old TV", revoked_at=timezone.now())
    query = display.token if token == "revoked" else token
    communicator = WebsocketCommunicator(
        application, f"/ws/wallboard/?display={query}", headers=[ORIGIN, HOST]
    )
    await communicator.connect()
    assert await communicator.receive_output(2) == {"type": "websocket.close", "code": 4401}


async def test_no_session_no_data(use_prefix):
    communicator = WebsocketCommunicator(application, "/ws/wallboard/", headers=[ORIGIN, HOST])
    await communicator.connect()
    # closed with 4401 before any frame, so that a board can tell "signed out" from "down"
    assert await communicator.receive_output(2) == {"type": "websocket.close", "code": 4401}
    assert await communicator.receive_nothing(0.2)


async def test_a_session_from_before_a_password_change_gets_no_data(use_prefix):
    cookie = await session_cookie()
    user = await get_user_model().objects.aget(username="sup")
    user.set_password("a-new-pw-654321")
    await user.asave()  # the session's hash no longer matches: signed out everywhere
    headers = [ORIGIN, HOST, (b"cookie", cookie)]
    communicator = WebsocketCommunicator(application, "/ws/wallboard/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_output(3) == {"type": "websocket.close", "code": 4401}


async def test_a_foreign_origin_is_refused(use_prefix):
    cookie = await session_cookie()
    headers = [(b"origin", b"http://evil.example"), (b"cookie", cookie)]
    communicator = WebsocketCommunicator(application, "/ws/wallboard/", headers=headers)
    connected, _ = await communicator.connect()
    assert not connected


async def test_snapshot_then_ordered_deltas_rebuild_the_stored_state(board, wired):
    events = doc_examples()
    for name, payload in events[:3]:
        await wired.pipeline.feed(name, payload)
    communicator = await board()
    first = await frame(communicator)
    assert first["type"] == "snapshot"
    assert (first["epoch"], first["seq"]) == (wired.board.epoch, wired.board.seq)
    state, seq = first["state"], first["seq"]
    for name, payload in events[3:]:
        await wired.pipeline.feed(name, payload)
    while seq < wired.board.seq:
        message = await frame(communicator)
        if message["type"] == "snapshot":  # a rebuild under a new epoch (loginStatus again...)
            state, seq = message["state"], message["seq"]
            continue
        assert message["type"] == "delta"
        assert message.get("from_seq", message["seq"]) == seq + 1  # in order, no gap (merged?)
        state, seq = apply_delta(state, message["delta"]), message["seq"]
    assert state == (await wired.store.snapshot()).state


async def test_deltas_already_in_the_snapshot_are_dropped(board, wired):
    for name, payload in doc_examples()[:6]:
        await wired.pipeline.feed(name, payload)
    communicator = await board()
    snap = await frame(communicator)
    for seq in (snap["seq"] - 1, snap["seq"], snap["seq"] + 1):  # two stale, one new
        change: Delta = {"agents": {"del": [f"GONE{seq}"]}}
        text = encode({"type": "delta", "epoch": snap["epoch"], "seq": seq, "delta": change})
        await wired.store.redis.publish(
            channel(wired.store.prefix), pack("delta", snap["epoch"], seq, text)
        )
    message = await frame(communicator)
    assert message["seq"] == snap["seq"] + 1
    assert await communicator.receive_nothing(0.3)


async def test_resync_sends_a_fresh_snapshot(board, wired):
    communicator = await board()
    before = await frame(communicator)
    await wired.store.commit(wired.board.epoch, {"agents": {"set": {"X1": agent_entity("X1")}}})
    await communicator.send_to(text_data='{"type": "resync"}')
    after = await frame(communicator)
    assert after["type"] == "snapshot"
    assert after["seq"] == before["seq"] + 1
    assert "X1" in after["state"]["agents"]


async def test_a_rebuild_sends_every_board_the_new_snapshot(board, wired):
    communicator = await board()
    before = await frame(communicator)
    await wired.board.rebuild({"queues": {}, "agents": {"Y": agent_entity("Y")}})
    after = await frame(communicator)
    assert after["type"] == "snapshot"
    assert after["epoch"] != before["epoch"]
    assert after["state"]["agents"] == {"Y": agent_entity("Y")}


async def test_bad_messages_get_an_error_and_the_socket_stays(board, wired):
    communicator = await board()
    await frame(communicator)
    await communicator.send_to(text_data="not json")
    assert (await frame(communicator))["code"] == "bad_json"
    await communicator.send_to(text_data='{"type": "<b>hello</b>"}')
    error = await frame(communicator)
    assert error["type"] == "error"
    assert error["code"] == "bad_message"
    await communicator.send_to(text_data='{"type": "resync"}')
    assert (await frame(communicator))["type"] == "snapshot"


async def test_an_oversized_message_closes_the_socket_with_4009(board, wired):
    communicator = await board()
    await frame(communicator)
    await communicator.send_to(text_data='{"type": "resync", "pad": "' + "x" * 5000 + '"}')
    assert await communicator.receive_output(2) == {"type": "websocket.close", "code": 4009}


async def test_a_flood_of_messages_closes_the_socket_with_4029(board, wired, monkeypatch):
    monkeypatch.setattr(consumers, "_clock", lambda: 1000.0)  # all within one second
    communicator = await board()
    await frame(communicator)
    for _ in range(consumers.MAX_MESSAGES_PER_S + 5):
        await communicator.send_to(text_data='{"type": "ack", "epoch": "e", "seq": 1}')
    closed = None
    for _ in range(consumers.MAX_MESSAGES_PER_S + 10):  # error frames may come first
        output = await communicator.receive_output(2)
        if output["type"] == "websocket.close":
            closed = output
            break
    assert closed == {"type": "websocket.close", "code": 4029}


async def test_heartbeats_carry_time_position_and_public_health(board, wired, settings):
    settings.WALLBOARD_HEARTBEAT_S = 0.2
    await wired.store.write_health(
        {"connected": True, "server": "secret-host", "last_error": "x", "last_event_at": 5.0}
    )
    communicator = await board()
    snap = await frame(communicator)
    beat = await frame(communicator)
    assert beat["type"] == "heartbeat"
    assert (beat["epoch"], beat["seq"]) == (snap["epoch"], snap["seq"])
    assert beat["server_time"] >= snap["server_time"]
    assert beat["voicenter"]["connected"] is True
    assert beat["voicenter"]["last_event_at"] == 5.0
    assert b"secret-host" not in orjson.dumps(beat)
    assert "server" not in beat["voicenter"]


async def test_a_worker_health_change_reaches_boards_at_once(board, wired):
    communicator = await board()
    await frame(communicator)
    await wired.publisher.link_changed({"connected": False, "last_event_at": 9.0})
    beat = await asyncio.wait_for(frame(communicator), 2)
    assert beat["type"] == "heartbeat"
    assert beat["voicenter"]["connected"] is False


async def test_a_screen_that_falls_behind_gets_a_snapshot_instead_of_the_backlog(
    board, wired, settings, monkeypatch
):
    settings.WALLBOARD_SCREEN_BEHIND_S = 0.1
    monkeypatch.setattr("wallboard.board.fanout.CHECK_EVERY_S", 0.05)
    communicator = await board()
    snap = await frame(communicator)
    await communicator.send_to(text_data=orjson.dumps(ack(snap)).decode())
    await commit_and_publish(wired, {"agents": {"set": {"X1": agent_entity("X1")}}})
    first = await frame(communicator)
    assert first["type"] == "delta"
    await asyncio.sleep(0.4)  # ...and it does not acknowledge it: it is behind
    for name in ("X2", "X3"):
        await commit_and_publish(wired, {"agents": {"set": {name: agent_entity(name)}}})
    assert await communicator.receive_nothing(0.3)  # nothing piles up for it
    await communicator.send_to(text_data=orjson.dumps(ack(first)).decode())  # caught up
    fresh = await frame(communicator)
    assert fresh["type"] == "snapshot"
    assert fresh["seq"] == first["seq"] + 2
    assert {"X1", "X2", "X3"} <= set(fresh["state"]["agents"])
    await communicator.send_to(text_data=orjson.dumps(ack(fresh)).decode())
    await commit_and_publish(wired, {"agents": {"del": ["X1"]}})
    assert (await frame(communicator))["seq"] == fresh["seq"] + 1  # live again


async def test_a_boards_messages_skip_djangos_sync_thread(board, wired, monkeypatch):
    hops = []

    async def counted():
        hops.append(1)

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted)
    communicator = await board()
    snap = await frame(communicator)
    for _ in range(5):
        await communicator.send_to(text_data=orjson.dumps(ack(snap)).decode())
    await communicator.send_to(text_data='{"type": "resync"}')
    assert (await frame(communicator))["type"] == "snapshot"
    assert hops == []  # Channels' default dispatch makes one hop per message


def ack(frame):
    return {"type": "ack", "epoch": frame["epoch"], "seq": frame["seq"]}


async def test_resync_requests_are_throttled_and_those_waiting_answered_by_one(board, wired):
    started = asyncio.get_running_loop().time()  # before the first snapshot: the throttle's
    communicator = await board()  # windows run from it, so two more take 2 s from here at least
    await frame(communicator)
    for _ in range(3):  # asked together: one snapshot answers them all
        await communicator.send_to(text_data='{"type": "resync"}')
    assert (await frame(communicator))["type"] == "snapshot"
    assert await communicator.receive_nothing(0.5)
    await communicator.send_to(text_data='{"type": "resync"}')
    assert (await frame(communicator))["type"] == "snapshot"
    assert asyncio.get_running_loop().time() - started >= 2.0  # one per second at most


async def test_a_flood_of_resyncs_is_counted_as_it_arrives_and_closed(board, wired):
    communicator = await board()
    await frame(communicator)
    for _ in range(consumers.MAX_MESSAGES_PER_S * 5):
        await communicator.send_to(text_data='{"type": "resync"}')
    outputs = []
    while True:  # (a resync a second at most: no wait of one per message before the close)
        output = await communicator.receive_output(0.9)
        outputs.append(output)
        if output["type"] == "websocket.close":
            break
    assert outputs[-1] == {"type": "websocket.close", "code": consumers.CLOSE_TOO_MANY}
    assert len(outputs) <= 2  # at most the one snapshot the first request earned


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (ConnectionError("Redis went away"), CLOSE_STORE_DOWN),  # Redis away: "cannot reach"
        (RuntimeError("a bug"), CLOSE_SERVER_ERROR),  # anything else: a server error
    ],
)
async def test_a_failure_closes_the_socket_with_a_code_that_says_why_and_leaves_nothing(
    board, wired, settings, monkeypatch, failure, code
):
    settings.WALLBOARD_HEARTBEAT_S = 0.1  # a heartbeat task left running would show at once
    communicator = await board()
    await frame(communicator)
    witness = await board()  # a healthy board, to show the broadcast below did go out
    await frame(witness)

    async def broken():
        raise failure

    with monkeypatch.context() as patch:
        patch.setattr(shared_store(), "raw_snapshot", broken)
        await communicator.send_to(text_data='{"type": "resync"}')
        output = await communicator.receive_output(3)
        while output["type"] == "websocket.send":  # heartbeats sent before the failure
            beat = orjson.loads(output["text"])
            assert_valid_frame(beat)
            assert beat["type"] == "heartbeat"
            output = await communicator.receive_output(3)
        assert output == {"type": "websocket.close", "code": code}
    await wired.board.rebuild({"queues": {}, "agents": {"Z": agent_entity("Z")}})
    while (await frame(witness))["type"] != "snapshot":
        pass  # heartbeats
    # out of the group and no heartbeat task: the closed board is sent nothing more
    assert await communicator.receive_nothing(0.5)


async def test_a_socket_opened_while_redis_is_away_is_accepted_then_told_why(
    board, wired, monkeypatch, caplog
):
    async def away():
        raise ConnectionError("Error 111 connecting to Redis. Connection refused.")

    monkeypatch.setattr(shared_store(), "raw_snapshot", away)
    with caplog.at_level("WARNING", logger="wallboard.board.consumers"):
        communicator = await board()  # accepted: not an HTTP error the page cannot read
        output = await communicator.receive_output(3)
    assert output == {"type": "websocket.close", "code": CLOSE_STORE_DOWN}
    [line] = [r for r in caplog.records if r.name == "wallboard.board.consumers"]
    assert "Redis is unavailable" in line.getMessage()
    assert line.exc_info is None


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "ok"),
    [
        ("http://localhost:8000", "localhost:8000", "ws", True),
        ("https://localhost", "localhost", "wss", True),
        ("http://localhost:9999", "localhost:8000", "ws", False),  # another port
        ("https://127.0.0.1", "127.0.0.1", "ws", False),  # another scheme
        ("http://evil.example", "localhost", "ws", False),
        ("http://evil.example", "evil.example", "ws", False),  # a host not in ALLOWED_HOSTS
        ("", "localhost", "ws", False),
    ],
)
def test_the_whole_origin_must_be_the_sites(origin, host, scheme, ok):
    from wallboard.core.origin import allowed

    assert allowed(origin, host, scheme) is ok


def test_a_trusted_origin_behind_a_tls_proxy_passes(settings):
    from wallboard.core.origin import allowed

    settings.CSRF_TRUSTED_ORIGINS = ["https://board.example.com"]
    assert allowed("https://board.example.com", "web:8000", "ws")


async def test_a_socket_from_another_port_is_refused_before_any_frame(board, use_prefix):
    communicator = WebsocketCommunicator(
        application, "/ws/wallboard/", headers=[(b"origin", b"http://localhost:9999"), HOST]
    )
    connected, _ = await communicator.connect()
    assert not connected
