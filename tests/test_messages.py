"""The browser protocol's builders and rules (pure)."""

from __future__ import annotations

import pytest

from realtime import messages
from realtime.state import empty_state

pytestmark = pytest.mark.pure

HEALTH = {
    "connected": True,
    "connected_since": 90.0,
    "syncing": False,
    "server": "monitor7.voicenter.co.il",
    "last_error": "Voicenter refused the login: token abc",
    "last_event_at": 100.5,
    "events_per_s": 2.5,
    "reconnects": 3,
    "login_errors": 1,
    "updated_at": 101.0,
    "pid": 4242,
}


def test_every_frame_has_type_epoch_and_seq():
    frames = [
        messages.snapshot("e1", 3, empty_state(), server_time=1.0, health=HEALTH),
        messages.delta("e1", 4, {"agents": {"del": ["X"]}}),
        messages.heartbeat("e1", 4, server_time=2.0, health=HEALTH),
        messages.error("e1", 4, "bad_message", "nope"),
    ]
    assert [f["type"] for f in frames] == ["snapshot", "delta", "heartbeat", "error"]
    assert all((f["epoch"], f["seq"]) in (("e1", 3), ("e1", 4)) for f in frames)


def test_boards_see_only_the_public_part_of_the_workers_health():
    seen = messages.heartbeat("e1", 1, server_time=2.0, health=HEALTH)["voicenter"]
    assert seen == {
        "running": False,
        "connected": True,
        "syncing": False,
        "last_event_at": 100.5,
        "events_per_s": 2.5,
        "reconnects": 3,
        "worker_updated_at": 101.0,
        "source": "",
        "api_at": None,
        "api_failing": False,
    }


def test_no_worker_yet_means_not_connected_and_unknown_times():
    seen = messages.public_health({})
    assert seen["connected"] is False
    assert seen["last_event_at"] is None
    assert seen["worker_updated_at"] is None
    assert seen["source"] == ""


def test_where_the_data_come_from_is_public_and_never_anything_else():
    seen = messages.public_health({**HEALTH, "source": "api", "api_at": 99.0, "api_failing": True})
    assert (seen["source"], seen["api_at"], seen["api_failing"]) == ("api", 99.0, True)
    assert messages.public_health({"source": "<b>x</b>"})["source"] == ""


def test_resync_and_ack_are_the_requests():
    assert messages.parse_client_message({"type": "resync"}) == messages.Resync()
    ack = {"type": "ack", "epoch": "e1", "seq": 43}
    assert messages.parse_client_message(ack) == messages.Ack("e1", 43)


BAD_ACKS = [
    {"type": "ack", "seq": 1},
    {"type": "ack", "epoch": "", "seq": 1},
    {"type": "ack", "epoch": "e" * 65, "seq": 1},
    {"type": "ack", "epoch": 7, "seq": 1},
    {"type": "ack", "epoch": "e1"},
    {"type": "ack", "epoch": "e1", "seq": -1},
    {"type": "ack", "epoch": "e1", "seq": 2**64},
    {"type": "ack", "epoch": "e1", "seq": True},
    {"type": "ack", "epoch": "e1", "seq": "3"},
]


@pytest.mark.parametrize(
    "raw", [{"type": "hello"}, {}, [1], "resync", None, {"type": ["x"]}, *BAD_ACKS]
)
def test_anything_else_is_a_bad_message(raw):
    with pytest.raises(messages.BadMessage) as caught:
        messages.parse_client_message(raw)
    assert caught.value.code == "bad_message"


def test_deltas_already_in_the_snapshot_are_not_forwarded():
    assert not messages.forward_delta("e1", 10, "e1", 9)
    assert not messages.forward_delta("e1", 10, "e1", 10)
    assert messages.forward_delta("e1", 10, "e1", 11)


def test_a_delta_of_another_epoch_goes_through_so_the_board_resyncs():
    assert messages.forward_delta("e1", 10, "e2", 1)
