"""realtime/scopes.py: a board's scope, and the state and deltas cut down to it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime.scopes import NOTHING, WHOLE_ACCOUNT, scope, scope_delta, scope_raw, scope_state
from realtime.state import apply_delta, empty_state, reduce
from tests.strategies import events

pytestmark = pytest.mark.pure

scopes = st.builds(
    scope,
    st.sets(st.sampled_from(["1", "2", "3", "4"])),
    st.sets(st.sampled_from(["SIP1", "SIP2", "SIP3", "SIP5"])),
)


def fold(items):
    state = empty_state()
    for event in items:
        state, _ = reduce(state, event)
    return state


@given(st.lists(events, max_size=12), events, scopes)
def test_a_scoped_delta_applied_to_the_scoped_state_gives_the_scope_of_the_new_state(
    before, event, within
):
    old = fold(before)
    new, delta = reduce(old, event)
    cut = scope_state(old, within)
    if delta is not None:
        cut = apply_delta(cut, scope_delta(delta, within))
    assert cut == scope_state(new, within)


@given(st.lists(events, max_size=12), scopes)
def test_a_scoped_state_holds_only_its_queues_and_agents(items, within):
    state = scope_state(fold(items), within)
    assert set(state["queues"]) <= within.queues
    assert set(state["today"]) <= within.queues
    assert set(state["agents"]) <= within.agents


def test_a_delta_outside_the_scope_is_empty_and_one_inside_keeps_sets_and_removals():
    sales = scope(["1"], ["SIP1"])
    delta: Any = {
        "queues": {"set": {"2": {"id": "2"}}, "del": ["1"]},
        "agents": {"set": {"SIP1": {"extension": "SIP1"}, "SIP2": {"extension": "SIP2"}}},
        "today": {"set": {"2": {"day": "2026-12-06"}}},
    }
    assert scope_delta(delta, sales) == {
        "queues": {"del": ["1"]},
        "agents": {"set": {"SIP1": {"extension": "SIP1"}}},
    }
    outside: Any = {"queues": {"set": {"2": {}}}}
    assert scope_delta(outside, sales) == {}
    assert scope_delta(delta, WHOLE_ACCOUNT) is delta


def test_scopes_with_the_same_queues_and_agents_share_a_key_and_others_do_not():
    assert scope([1, 2], ["SIP1"]) == scope(["2", "1"], ["SIP1"])
    assert scope([1, 2], ["SIP1"]).key == scope(["2", "1"], ["SIP1"]).key
    assert scope([1], ["SIP1"]).key != scope([1], ["SIP2"]).key
    assert scope([1], []).key != scope([], ["1"]).key  # queues and agents kept apart
    assert WHOLE_ACCOUNT.key == "all"
    assert WHOLE_ACCOUNT.whole
    assert not NOTHING.whole
    assert NOTHING.key != WHOLE_ACCOUNT.key


def test_a_stored_snapshot_is_cut_without_decoding_its_entities():
    raw = {
        "queues": {b"1": b'{"id":"1"}', b"2": b'{"id":"2"}'},
        "agents": {b"SIP1": b"{}", b"SIP2": b"{}"},
        "today": {b"2": b"{}"},
    }
    assert scope_raw(raw, scope(["2"], ["SIP1"])) == {
        "queues": {b"2": b'{"id":"2"}'},
        "agents": {b"SIP1": b"{}"},
        "today": {b"2": b"{}"},
    }
    assert scope_raw(raw, NOTHING) == {"queues": {}, "agents": {}, "today": {}}
    assert scope_raw(raw, WHOLE_ACCOUNT) == raw


def test_a_teams_today_names_only_its_own_agents_among_those_who_answered():
    sales = scope(["7"], ["SIP1"])
    today: Any = {"7": {"offered": 3, "answered_by": ["SIP1", "SIP9"]}, "8": {"answered_by": []}}
    state: Any = {"queues": {}, "agents": {}, "today": today}
    assert scope_state(state, sales)["today"] == {"7": {"offered": 3, "answered_by": ["SIP1"]}}
    assert state["today"]["7"]["answered_by"] == ["SIP1", "SIP9"]  # the input untouched
    delta: Any = {"today": {"set": {"7": today["7"]}}}
    assert scope_delta(delta, sales) == {
        "today": {"set": {"7": {"offered": 3, "answered_by": ["SIP1"]}}}
    }
    raw = {"today": {k.encode(): orjson.dumps(v) for k, v in today.items()}}
    assert orjson.loads(scope_raw(raw, sales)["today"][b"7"])["answered_by"] == ["SIP1"]
    assert scope_state(state, WHOLE_ACCOUNT)["today"]["7"]["answered_by"] == ["SIP1", "SIP9"]
