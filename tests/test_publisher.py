"""The worker's publisher: every committed change goes to the boards' group, once, encoded."""

from __future__ import annotations

import orjson
import pytest
from channels.layers import get_channel_layer

from realtime.state import empty_state
from wallboard.board.publisher import GROUP, Publisher


@pytest.fixture
async def listening(store):
    """A publisher on the real Redis channel layer, and a channel in the boards' group."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(GROUP, channel)

    async def receive() -> tuple[dict, dict]:
        message = await layer.receive(channel)
        return message, orjson.loads(message["text"])

    yield Publisher(store, layer), receive
    await layer.group_discard(GROUP, channel)


async def test_a_commit_goes_out_as_a_delta_frame_with_its_epoch_and_seq(listening):
    publisher, receive = listening
    change = {"agents": {"set": {"S1": {"extension": "S1"}}, "del": []}}
    await publisher.on_commit("e-1", 7, change)
    message, frame = await receive()
    assert (message["type"], message["kind"], message["epoch"], message["seq"]) == (
        "board.frame",
        "delta",
        "e-1",
        7,
    )
    assert frame == {"type": "delta", "epoch": "e-1", "seq": 7, "delta": change}


async def test_a_reset_sends_the_whole_new_state_with_the_workers_public_health(listening, store):
    publisher, receive = listening
    await store.write_health({"running": True, "connected": True, "last_error": "secret-ish"})
    state = empty_state()
    state["agents"]["S2"] = {"extension": "S2"}
    await publisher.on_reset("e-2", state)
    message, frame = await receive()
    assert (message["kind"], frame["type"], frame["epoch"], frame["seq"]) == (
        "snapshot",
        "snapshot",
        "e-2",
        0,
    )
    assert frame["state"] == state
    assert frame["voicenter"]["connected"] is True
    assert "last_error" not in frame["voicenter"]  # the worker's errors stay on the server


async def test_a_link_change_is_a_heartbeat_at_the_stored_position(listening, store):
    publisher, receive = listening
    epoch = await store.reset(empty_state())
    await store.commit(epoch, {"agents": {"set": {"S3": {"extension": "S3"}}, "del": []}})
    await publisher.link_changed({"running": True, "connected": False})
    message, frame = await receive()
    assert (message["kind"], frame["type"]) == ("heartbeat", "heartbeat")
    assert (frame["epoch"], frame["seq"]) == (epoch, 1) == await store.head()
    assert frame["voicenter"]["connected"] is False
