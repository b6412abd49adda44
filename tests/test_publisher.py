"""The worker's publisher: every committed change goes to the boards' channel, once, encoded;
and the channel's message format."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from realtime.publisher import Publisher, channel, pack, unpack
from realtime.state import empty_state
from tests.helpers import next_message


@pytest.fixture
async def listening(store):
    """A publisher, and a subscription to the boards' channel."""
    pubsub = store.redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel(store.prefix))

    async def receive():
        published = unpack(await next_message(pubsub))
        return published, orjson.loads(published.text)

    yield Publisher(store), receive
    await pubsub.aclose()


async def test_a_commit_goes_out_as_a_delta_frame_with_its_epoch_and_seq(listening):
    publisher, receive = listening
    change = {"agents": {"set": {"S1": {"extension": "S1"}}, "del": []}}
    await publisher.on_commit("e-1", 7, change)
    published, frame = await receive()
    assert (published.kind, published.epoch, published.seq) == ("delta", "e-1", 7)
    assert frame == {"type": "delta", "epoch": "e-1", "seq": 7, "delta": change}


async def test_a_reset_sends_the_whole_new_state_with_the_workers_public_health(listening, store):
    publisher, receive = listening
    await store.write_health({"running": True, "connected": True, "last_error": "secret-ish"})
    state = empty_state()
    agent: Any = {"extension": "S2"}  # (cut down: Any)
    state["agents"]["S2"] = agent
    await publisher.on_reset("e-2", state)
    published, frame = await receive()
    assert (published.kind, frame["type"], frame["epoch"], frame["seq"]) == (
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
    published, frame = await receive()
    assert (published.kind, frame["type"]) == ("heartbeat", "heartbeat")
    assert (frame["epoch"], frame["seq"]) == (epoch, 1) == await store.head()
    assert frame["voicenter"]["connected"] is False


@pytest.mark.pure
def test_the_channel_format_round_trips_and_refuses_strangers():
    text = '{"type":"heartbeat","epoch":null,"seq":0}'
    assert unpack(pack("heartbeat", None, 0, text)) == unpack(pack("heartbeat", None, 0, text))
    back = unpack(pack("delta", "e-1", 12, '{"x": "a\\nb"}'))
    assert (back.kind, back.epoch, back.seq, back.text) == ("delta", "e-1", 12, '{"x": "a\\nb"}')
    assert unpack(pack("heartbeat", None, 0, text)).epoch is None
    for junk in (b"hello", b"nonsense e 1\n{}", b"delta e x\n{}", b"delta e 1\n"):
        with pytest.raises(ValueError, match="not a board frame"):
            unpack(junk)
