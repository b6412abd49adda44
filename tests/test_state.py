"""The reducer: typed events -> state + delta."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime.events import (
    Agent,
    AgentChanged,
    AgentsSnapshot,
    Call,
    Queue,
    QueueChanged,
    QueuesSnapshot,
    Rejected,
    WaitingCall,
)
from realtime.simulator.model import CallCenter
from realtime.state import apply_delta, diff_states, empty_state, merge_deltas, reduce
from realtime.voicenter.wire import normalise, status_name
from tests.strategies import events

pytestmark = pytest.mark.pure


def run(state, *evs):
    for ev in evs:
        state, _ = reduce(state, ev)
    return state


def agent(ext="SIP1", status=1, since=None, calls=()):
    return Agent(ext, "100", 7, "Clark", "Clark", status, status_name(status), since, "OK", calls)


def listed(*agents):
    """``AllExtensionsStatus``: the extensions Voicenter monitors."""
    return AgentsSnapshot("agents_snapshot", agents, None, None)


def changed(ag, at=None, reason="userStatusUpdate"):
    return AgentChanged("agent_changed", reason, ag, "", "", at, None)


def queue_event(qid, *waiting_ids):
    waiting = tuple(WaitingCall(c, "050", "", 1) for c in waiting_ids)
    return QueueChanged("queue_changed", "JOIN", Queue(qid, "Q", waiting), "", None, None)


def test_a_hangup_whose_own_list_shows_its_call_answered_ends_it_once_replayed_or_not():
    # (found by the property below: the HANGUP's list still carries the call it ended, answered)
    talking = Call("c1", "Incoming", "Talking", "050", "", "", 1_599_999_000, 1_599_999_100,
                   None, None, "")  # fmt: skip
    hangup = AgentChanged("agent_changed", "HANGUP", agent(calls=(talking,)), "c1", "",
                          1_600_000_000, None)  # fmt: skip
    once, _ = reduce(run(empty_state(), listed(agent())), hangup)
    assert once["agents"]["SIP1"]["last_hangup_at"] == 1_600_000_000
    assert reduce(once, hangup) == (once, None)


@settings(max_examples=300)
@given(st.lists(events, max_size=12), events)
def test_a_delta_applied_to_the_old_state_gives_the_new_state(history, event):
    old = run(empty_state(), *history)
    new, delta = reduce(old, event)
    assert apply_delta(old, delta) == new if delta is not None else new == old


def fold(state, raw_events, tz):
    """Normalise and reduce raw Voicenter events as the pipeline does (offset carried on)."""
    offset = None
    for name, payload in raw_events:
        for event in normalise(name, payload, offset_min=offset, tz=tz):
            assert not isinstance(event, Rejected), event
            offset = getattr(event, "offset_min", None) or offset
            state, _ = reduce(state, event)
    return state


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8])
def test_hybrid_state_live_events_on_an_old_snapshot_equal_a_fresh_snapshot(seed):
    # The worker's promise: a snapshot, then live events only, is the call center as a fresh
    # snapshot would show it, minute after minute.
    start = 1_780_000_000.0
    model = CallCenter(agents=30, queues=4, calls_per_minute=40, seed=seed, now=start)
    tz = ZoneInfo("Asia/Jerusalem")
    state = fold(empty_state(), model.snapshot_events(), tz)
    compared = 0
    for minute in range(1, 16):
        live = model.advance(start + 60 * minute)
        assert live, "the model produced no live traffic"
        state = fold(state, live, tz)
        fresh = fold(empty_state(), model.snapshot_events(), tz)
        assert diff_states(state, fresh) is None, f"seed {seed}, minute {minute}"
        compared += 1
    assert compared == 15


@settings(max_examples=300)
@given(st.lists(events, max_size=12), st.lists(events, min_size=1, max_size=12))
def test_a_merged_delta_has_the_effect_of_its_parts_in_order(history, batch):
    # What a batch commit relies on.
    old = run(empty_state(), *history)
    state, merged, parts = old, None, []
    for event in batch:
        state, delta = reduce(state, event)
        if delta is not None:
            parts.append(delta)
            merged = merge_deltas(merged, delta)
    if merged is None:
        assert state == old
    else:
        assert apply_delta(old, merged) == state
        assert all(part for part in merged.values())  # empty parts are left out


def test_merging_keeps_the_newest_version_and_removals_unless_set_again():
    # (entities cut down to a version: Any)
    a: Any = {"agents": {"set": {"A": {"v": 1}, "B": {"v": 1}}, "del": ["C", "D"]}}
    b: Any = {"agents": {"set": {"A": {"v": 2}, "C": {"v": 2}}, "del": ["B"]}}
    assert merge_deltas(a, b) == {
        "agents": {"set": {"A": {"v": 2}, "C": {"v": 2}}, "del": ["D", "B"]}
    }
    assert merge_deltas(None, b) is b
    assert merge_deltas(a, None) is a
    assert merge_deltas(None, None) is None


@settings(max_examples=300)
@given(st.lists(events, max_size=12), events)
def test_no_op_emits_nothing_and_replaying_an_event_is_harmless(history, event):
    state, _ = reduce(run(empty_state(), *history), event)
    again, delta = reduce(state, event)
    assert delta is None
    assert again == state


@settings(max_examples=200)
@given(st.lists(events, max_size=12), events)
def test_reduce_does_not_modify_its_input(history, event):
    old = run(empty_state(), *history)
    frozen = copy.deepcopy(old)
    reduce(old, event)
    assert old == frozen


@settings(max_examples=200)
@given(st.lists(events, max_size=20))
def test_deltas_replayed_on_a_stale_state_reach_the_fresh_state(stream):
    # What a browser does: start from a snapshot, apply each delta in order.
    fresh, stale = empty_state(), empty_state()
    for event in stream:
        fresh, delta = reduce(fresh, event)
        if delta is not None:
            stale = apply_delta(stale, delta)
    assert stale == fresh
    assert diff_states(stale, fresh) is None


def test_queues_snapshot_replaces_all_queues():
    state = run(empty_state(), queue_event("1", "a"), queue_event("2"))
    snap = QueuesSnapshot("queues_snapshot", (Queue("3", "New", ()),), None, None)
    state, delta = reduce(state, snap)
    assert list(state["queues"]) == ["3"]
    assert delta is not None
    assert sorted(delta["queues"]["del"]) == ["1", "2"]


def test_agent_missing_from_the_snapshot_is_removed():
    state = run(empty_state(), listed(agent("SIP1"), agent("SIP2")))
    state, delta = reduce(state, listed(agent("SIP2")))
    assert list(state["agents"]) == ["SIP2"]
    assert delta == {"agents": {"del": ["SIP1"]}}


def test_queue_event_replaces_that_queues_waiting_list():
    state = run(empty_state(), queue_event("1", "a", "b"), queue_event("1", "b"))
    assert [c["call_id"] for c in state["queues"]["1"]["waiting"]] == ["b"]


def test_status_since_is_the_live_event_time_when_voicenter_sends_none():
    state = run(empty_state(), listed(agent(status=1, since=100)))
    state = run(state, changed(agent(status=3), at=500))
    assert state["agents"]["SIP1"]["status_since"] == 500


def test_status_since_is_kept_while_the_status_does_not_change():
    state = run(empty_state(), listed(agent(status=3, since=100)))
    state = run(state, changed(agent(status=3), at=900, reason="NEWCALL"))
    assert state["agents"]["SIP1"]["status_since"] == 100


def test_an_event_without_a_calls_list_keeps_the_calls():
    from realtime.events import Call

    call = Call("c1", "Incoming", "Talking", "050", "", "", 1, 2, None, None)
    state = run(empty_state(), listed(agent(calls=(call,))))
    state = run(state, changed(agent(status=3, calls=None), at=5))
    assert [c["call_id"] for c in state["agents"]["SIP1"]["calls"]] == ["c1"]


def hangup(ag, call_id):
    return AgentChanged("agent_changed", "HANGUP", ag, call_id, "16", 900, None)


def test_an_event_for_an_extension_voicenter_did_not_list_adds_no_card():
    state = run(empty_state(), listed(agent("SIP1")))
    new, delta = reduce(state, changed(agent("SIP9", status=3), at=500))
    assert delta is None
    assert new == state


def test_a_hangup_for_an_unknown_extension_adds_no_unknown_agent():
    [event] = normalise(
        "ExtensionEvent",
        {"reason": "HANGUP", "ivruniqueid": "c1", "data": {"extenUser": "GHOST", "calls": []}},
    )
    state = run(empty_state(), listed(agent("SIP1")))
    new, delta = reduce(state, event)
    assert delta is None
    assert list(new["agents"]) == ["SIP1"]


def test_a_snapshot_that_drops_an_extension_stops_its_events():
    state = run(empty_state(), listed(agent("SIP1"), agent("SIP2")), listed(agent("SIP1")))
    new, delta = reduce(state, changed(agent("SIP2", status=3), at=5))
    assert delta is None
    assert "SIP2" not in new["agents"]


def test_a_hangup_without_a_calls_list_ends_the_call_it_names():
    talking = Call("c1", "Incoming", "Talking", "050", "", "", 1, 2, None, None)
    other = Call("c2", "Outgoing", "Hold", "052", "", "", 1, 2, None, None)
    state = run(empty_state(), listed(agent(calls=(talking, other))))
    state = run(state, hangup(agent(calls=None), "c1"))
    assert [c["call_id"] for c in state["agents"]["SIP1"]["calls"]] == ["c2"]


def moved(qid, reason, call_id, joined=None, name="Q"):
    return QueueChanged("queue_changed", reason, Queue(qid, name, None), call_id, 9, None, joined)


@pytest.mark.parametrize("reason", ["EXIT", "ABANDONED", "ANSWER"])
def test_a_queue_event_without_calls_removes_the_caller_who_left(reason):
    state = run(empty_state(), queue_event("7", "a", "b", "c"))
    state = run(state, moved("7", reason, "b", name=""))
    assert [c["call_id"] for c in state["queues"]["7"]["waiting"]] == ["a", "c"]
    assert state["queues"]["7"]["name"] == "Q"  # a payload without a name keeps the name


def test_a_join_without_calls_adds_the_caller_it_names_once():
    state = run(empty_state(), queue_event("7", "a"))
    caller = WaitingCall("b", "0501234567", "Dana", 9)
    state = run(state, moved("7", "JOIN", "b", caller), moved("7", "JOIN", "b", caller))
    waiting = state["queues"]["7"]["waiting"]
    assert [c["call_id"] for c in waiting] == ["a", "b"]
    assert waiting[1]["caller_number"] == "0501234567"


def test_spying_is_its_own_call_state_not_talking():
    [event] = normalise(
        "ExtensionEvent",
        {
            "reason": "NEWCALL",
            "data": {
                "extenUser": "SIP1",
                "calls": [{"ivrid": "s1", "callstatus": "Spying", "direction": "Spy"}],
            },
        },
    )
    state = run(empty_state(), listed(agent()), event)
    [call] = state["agents"]["SIP1"]["calls"]
    assert (call["state"], call["direction"]) == ("Spying", "Spy")


def _hung_up(call_id, *, hangup_at, answered_at=None):
    """A HANGUP of ``call_id`` whose payload says the extension's last calls ended and were
    answered at these times (None: the payload does not say)."""
    ag = replace(agent(), last_hangup_at=hangup_at, last_answered_at=answered_at)
    return AgentChanged("agent_changed", "HANGUP", ag, call_id, "Normal hangup", 2_000, None)


def test_the_last_answered_and_ended_calls_stand_until_voicenter_says_otherwise():
    known = replace(agent(), last_answered_at=900, last_hangup_at=950)
    state = run(empty_state(), listed(known))
    assert state["agents"]["SIP1"]["last_answered_at"] == 900
    state = run(state, changed(agent(status=3), at=1_000))  # the event does not say
    assert (
        state["agents"]["SIP1"]["last_answered_at"],
        state["agents"]["SIP1"]["last_hangup_at"],
    ) == (900, 950)
    state = run(state, changed(replace(agent(), last_hangup_at=990), at=1_000))
    assert state["agents"]["SIP1"]["last_hangup_at"] == 990


def test_a_hangup_of_an_answered_call_is_an_ended_call_even_when_the_payload_lags():
    talking = Call("c1", "Incoming", "Talking", "050", "", "", 1_500, 1_510, None, None)
    ringing = Call("c2", "Incoming", "Ringing", "050", "", "", 1_500, None, None, None)
    state = run(empty_state(), listed(agent(calls=(talking, ringing))))
    # the docs' Click2Call leg 2 HANGUP still carries the call before's lastHangupCallEpoch
    ended = run(state, _hung_up("c1", hangup_at=900))
    assert ended["agents"]["SIP1"]["last_hangup_at"] == 2_000
    # a call never answered (a ring-all call answered elsewhere) leaves what Voicenter says
    missed = run(state, _hung_up("c2", hangup_at=900))
    assert missed["agents"]["SIP1"]["last_hangup_at"] == 900


def test_a_replayed_hangup_does_not_take_the_last_ended_call_back_in_time():
    # found by the no-op property: the first HANGUP ends the answered call at the event's time;
    # the same event again (the call gone) must not put back the payload's earlier time
    talking = Call("c1", "Incoming", "Talking", "050", "", "", 1_500, 1_510, None, None)
    state = run(empty_state(), listed(agent(calls=(talking,))))
    hangup = _hung_up("c1", hangup_at=900)
    once = run(state, hangup)
    assert once["agents"]["SIP1"]["last_hangup_at"] == 2_000
    assert reduce(once, hangup)[1] is None  # replayed: nothing changes
