"""The socket as the worker reads it (realtime/voicenter/socket.py): packets decoded as the
standard library decodes them, the inbox's back-pressure, a refused handshake's status. The
socket's life cycle, end to end, is tests/test_worker.py's."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import socketio

from realtime.simulator.model import CallCenter
from realtime.voicenter.socket import Inbox, PacketJson, http_status
from tests.served import serving


@pytest.fixture
async def sim():
    model = CallCenter(agents=2, queues=1, calls_per_minute=0, speed=1, seed=7, now=time.time())
    async with serving(model) as simulator:
        yield simulator


async def test_a_refused_handshake_keeps_its_http_status_through_socketio(sim):
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError) as caught:
        await client.connect(f"{sim.base}?token=nope", transports=["websocket"])
    assert http_status(caught.value) == 401
    await client.disconnect()


async def test_the_inbox_holds_the_reader_at_its_high_water_until_room_is_made_or_it_closes():
    inbox = Inbox(high_water=2)
    inbox.put_nowait(("A", 1))
    await asyncio.wait_for(inbox.room(), 1)  # below the mark: no wait
    inbox.put_nowait(("B", 2))
    waiting = asyncio.create_task(inbox.room())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # at the mark: the reader waits
    assert await inbox.get() == ("A", 1)  # one taken: room again
    await asyncio.wait_for(waiting, 1)
    inbox.put_nowait(("C", 3))
    waiting = asyncio.create_task(inbox.room())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    inbox.close()  # a session that is over lets its reader go
    await asyncio.wait_for(waiting, 1)
    assert [inbox.get_nowait() for _ in range(2)] == [("B", 2), ("C", 3)]  # nothing dropped


def test_packets_decode_as_the_standard_library_decodes_them_orjson_or_not():
    fixtures = Path(__file__).parent / "fixtures" / "voicenter_doc_examples.jsonl"
    lines = [line for line in fixtures.read_text().splitlines() if line.strip()]
    assert lines
    for packet in lines:  # Voicenter's documented events: the fast path
        assert PacketJson.loads(packet) == json.loads(packet)
    for odd in ['{"a": NaN}', '"\\ud800"', '{"x": Infinity}']:  # orjson refuses: the fallback
        assert repr(PacketJson.loads(odd)) == repr(json.loads(odd))
    for not_json in ['2["QueueEvent",{}]', "probe", ""]:  # Engine.IO payloads that are text
        with pytest.raises(json.JSONDecodeError):  # (orjson's is one)
            PacketJson.loads(not_json)


def test_a_socketio_message_is_refused_by_orjson_alone_not_again_by_the_standard_library(
    monkeypatch,
):
    asked = []
    monkeypatch.setattr(json, "loads", lambda text, **options: asked.append(text))
    for message in ['2["QueueEvent",{"a":1}]', '0{"sid":"x"}', "3probe"]:
        with pytest.raises(json.JSONDecodeError):  # (orjson's is one)
            PacketJson.loads(message)
    assert asked == []
    PacketJson.loads('{"a": NaN}')  # what orjson cannot read still goes to the standard library
    assert asked == ['{"a": NaN}']
