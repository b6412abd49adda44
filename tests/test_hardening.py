"""Bad input from Voicenter that once stalled the worker or wiped the board (issue #12): poison
numbers, snapshots of junk, null fields, invented event names."""

from __future__ import annotations

import pytest

from realtime.events import Rejected
from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.state import empty_state, reduce
from realtime.voicenter.wire import normalise
from tests.examples import doc_examples

DOC = dict(doc_examples())


def typed(name: str, payload: object) -> tuple:
    return normalise(name, payload, offset_min=180)


@pytest.mark.pure
def test_a_number_past_64_bits_is_unknown_not_a_crash():
    payload = {
        "extensions": [
            {"extenUser": "SIP1", "userID": 2**64, "representativeStatus": 2**64,
             "representativeUpdated": "18446744073709551616", "calls": []}
        ],
        "servertime": 1_600_000_000, "servertimeoffset": 180,
    }  # fmt: skip
    [snapshot] = typed("AllExtensionsStatus", payload)
    [agent] = snapshot.agents
    assert agent.user_id is None
    assert agent.status is None


@pytest.mark.pure
@pytest.mark.parametrize("entries", [[None, "x", {"QueueID": None}], [{}, 7]])
def test_a_login_status_of_junk_entries_leaves_the_queues_as_they_were(entries):
    state, _ = reduce(empty_state(), typed("loginStatus", DOC["loginStatus"])[0])
    before = state["queues"]
    assert before  # the documented example has queues
    events = typed("loginStatus", {"queues": entries, "servertime": 1_600_000_000})
    assert events
    assert all(isinstance(e, Rejected) for e in events)
    assert "snapshot ignored" in events[-1].problem
    assert state["queues"] == before


@pytest.mark.pure
def test_an_empty_login_status_still_means_no_queues():
    [snapshot] = typed("loginStatus", {"queues": [], "servertime": 1_600_000_000})
    assert snapshot.queues == ()


@pytest.mark.pure
def test_a_null_peer_status_keeps_the_one_known():
    payload = {"extensions": [{"extenUser": "SIP1", "peerStatus": "OK"}], "servertime": 1}
    state, _ = reduce(empty_state(), typed("AllExtensionsStatus", payload)[0])
    nulled = {"extensions": [{"extenUser": "SIP1", "peerStatus": None}], "servertime": 2}
    [snapshot] = typed("AllExtensionsStatus", nulled)
    assert snapshot.agents[0].peer_status is None  # "not sent"
    again, _ = reduce(state, snapshot)
    assert again["agents"]["SIP1"]["peer_status"] == "OK"


async def test_invented_event_names_share_one_counter(store):
    pipeline = Pipeline([BoardState(store)])
    for i in range(50):
        await pipeline.feed(f"Invented{i}", {})
    await pipeline.feed("loginStatus", DOC["loginStatus"])
    stats = pipeline.take_stats()
    assert stats["events:other"] == 50
    assert stats["rejected:other"] == 50
    assert stats["events:loginStatus"] == 1
    assert not [k for k in stats if "Invented" in k]


async def test_a_poison_number_goes_through_the_worker_path_into_redis(store):
    pipeline = Pipeline([BoardState(store)])
    poison = {"extensions": [{"extenUser": "SIP1", "userID": 2**64, "calls": [
        {"ivruniqueid": "c1", "callerID": 10**30, "callStarted": 2**64}]}],
        "servertime": 1_600_000_000, "servertimeoffset": 180}  # fmt: skip
    await pipeline.feed("AllExtensionsStatus", poison)
    stored = (await store.snapshot()).state
    assert stored["agents"]["SIP1"]["user_id"] is None
    [call] = stored["agents"]["SIP1"]["calls"]
    assert call["started_at"] is None
