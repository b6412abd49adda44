"""The browser protocol's JSON Schema (realtime/messages.schema.json) and the builders that make
the frames agree: every frame built from real states is valid, and broken frames are not (pure)."""

from __future__ import annotations

import copy
import time
import typing
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from realtime import messages
from realtime.metrics import QueueDay, QueueRules, figures
from realtime.projections.day import NOT_SET
from realtime.simulator.model import CallCenter
from realtime.state import (
    COLLECTIONS,
    AgentView,
    CallView,
    Delta,
    Part,
    QueueView,
    State,
    TodayView,
    WaitingView,
    empty_state,
    reduce,
)
from realtime.voicenter.wire import normalise
from realtime.worker import Health
from tests.examples import agent_entity, doc_examples
from tests.frames import SCHEMA, assert_valid_frame, frame_problem
from tests.strategies import events

pytestmark = pytest.mark.pure

FRAME_TYPES = ("snapshot", "delta", "heartbeat", "outage", "error", "view")
TZ = ZoneInfo("Asia/Jerusalem")
EPOCH = "18c2f3a1b2c-5e0f"
#: Health as the worker writes it, and as a board sees it before any worker has run.
HEALTHS = [Health(connected=True, last_event_at=1.0, reconnects=2).as_mapping(2.0), {}]


def wire(frame: Mapping[str, object]) -> Any:
    """The frame as a browser receives it: encoded to JSON text and read back."""
    return orjson.loads(orjson.dumps(frame))


def states_and_deltas(raw: list[tuple[str, dict]]) -> tuple[list[State], list[Delta]]:
    """Every state and delta the reducer makes of a stream of raw Voicenter events."""
    state, offset, states, deltas = empty_state(), None, [], []
    for name, payload in raw:
        for event in normalise(name, payload, offset_min=offset, tz=TZ):
            offset = getattr(event, "offset_min", None) or offset
            state, delta = reduce(state, event)
            if delta is not None:
                states.append(state)
                deltas.append(delta)
    return states, deltas


def frames_for(states: list[State], deltas: list[Delta]) -> list[messages.Message]:
    frames: list[messages.Message] = []
    for seq, (state, delta) in enumerate(zip(states, deltas, strict=True), start=1):
        frames.append(messages.delta(EPOCH, seq, delta))
        for health in HEALTHS:
            frames.append(
                messages.snapshot(EPOCH, seq, state, server_time=time.time(), health=health)
            )
            frames.append(messages.heartbeat(EPOCH, seq, server_time=time.time(), health=health))
    return frames


def simulated_day() -> list[tuple[str, dict]]:
    start = 1_795_000_000.0
    model = CallCenter(agents=8, queues=3, calls_per_minute=30, speed=4, seed=11, now=start)
    raw = model.snapshot_events()
    for step in range(1, 120):
        raw += model.advance(start + step)
    first = next(iter(model.agents))
    model.set_status(first, 3)
    model.click2call(first, "0501234567")
    for step in range(120, 180):
        raw += model.advance(start + step)
    return raw


def test_the_schema_is_valid_json_schema_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_describes_every_frame_type_and_messages_builds_each():
    assert tuple(SCHEMA["properties"]["type"]["enum"]) == FRAME_TYPES
    dispatch = {
        rule["if"]["properties"]["type"]["const"]: rule["then"]["$ref"] for rule in SCHEMA["allOf"]
    }
    assert dispatch == {kind: f"#/$defs/{kind}" for kind in FRAME_TYPES}
    for kind in FRAME_TYPES:
        assert SCHEMA["$defs"][kind]["properties"]["type"] == {"const": kind}
        assert callable(getattr(messages, kind))  # one builder per frame type


def test_the_schemas_collections_are_the_states():
    defs = SCHEMA["$defs"]
    assert tuple(defs["state"]["properties"]) == COLLECTIONS
    assert tuple(defs["state"]["required"]) == COLLECTIONS
    assert tuple(defs["state_delta"]["properties"]) == COLLECTIONS
    assert tuple(State.__annotations__) == tuple(empty_state()) == COLLECTIONS


#: Each type of what the product moves (realtime.state, realtime.messages) and its definition
#: in the schema, held equal by the tests below as COLLECTIONS is above.
TYPES: dict[type, str] = {
    WaitingView: "waiting_call",
    QueueView: "queue",
    CallView: "call",
    AgentView: "agent",
    TodayView: "queue_day",
    State: "state",
    Delta: "state_delta",
    messages.BoardHealth: "health",
    messages.SnapshotFrame: "snapshot",
    messages.DeltaFrame: "delta",
    messages.HeartbeatFrame: "heartbeat",
    messages.OutageFrame: "outage",
    messages.ErrorFrame: "error",
    messages.ViewFrame: "view",
    messages.ViewOption: "view_option",
}


def fields(typed: Any) -> tuple[set[str], set[str]]:
    """A TypedDict's fields, and those of them it requires."""
    return set(typed.__required_keys__ | typed.__optional_keys__), set(typed.__required_keys__)


def typed_dicts_in(hint: object) -> set[type]:
    """The TypedDicts a type names, however deep (``dict[str, list[X]] | None``: X)."""
    found = {hint} if isinstance(hint, type) and typing.is_typeddict(hint) else set()
    for arg in typing.get_args(hint):
        found |= typed_dicts_in(arg)
    origin = typing.get_origin(hint)
    if isinstance(origin, type) and typing.is_typeddict(origin):  # (a generic one: Part[X])
        found.add(origin)
    return found


def refs_in(schema: object) -> set[str]:
    """The definitions a part of the schema refers to, however deep."""
    if isinstance(schema, dict):
        own = {schema["$ref"].removeprefix("#/$defs/")} if "$ref" in schema else set()
        return own.union(*(refs_in(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(refs_in(v) for v in schema))
    return set()


@pytest.mark.parametrize("typed", list(TYPES), ids=lambda t: t.__name__)
def test_each_type_has_the_fields_of_its_schema_definition_and_requires_the_same(typed):
    definition = SCHEMA["$defs"][TYPES[typed]]
    names, required = fields(typed)
    assert names == set(definition["properties"])
    assert required == set(definition.get("required", ()))


@pytest.mark.parametrize("typed", list(TYPES), ids=lambda t: t.__name__)
def test_each_field_names_the_types_its_schema_definition_refers_to(typed):
    """A field holding a typed thing (State's ``agents``: AgentView) refers, in the schema, to
    that type's definition (``agent``); a delta's part of a collection, to the collection's."""
    definition = SCHEMA["$defs"][TYPES[typed]]
    for name, hint in typing.get_type_hints(typed).items():
        named = {TYPES[t] for t in typed_dicts_in(hint) if t in TYPES}
        if Part in typed_dicts_in(hint):
            part = definition["properties"][name]
            assert fields(Part) == (set(part["properties"]), set())
            named |= {TYPES[t] for t in typed_dicts_in(typing.get_args(hint)[0])}
        referred = refs_in(definition["properties"][name]) & set(TYPES.values())
        assert named == referred, f"{typed.__name__}.{name}"


def test_the_schemas_board_health_is_what_boards_may_see():
    health = SCHEMA["$defs"]["health"]
    assert set(health["properties"]) == set(messages.public_health({}))
    assert set(health["required"]) == set(messages.PUBLIC_HEALTH) | {"worker_updated_at"}


def test_frames_of_voicenters_documented_events_are_valid():
    states, deltas = states_and_deltas(doc_examples())
    assert len(deltas) >= 10
    for frame in frames_for(states, deltas):
        assert_valid_frame(wire(frame))


def test_frames_of_a_simulated_call_center_are_valid():
    states, deltas = states_and_deltas(simulated_day())
    assert len(deltas) > 100, "the simulation produced too little traffic"
    kinds = {c["direction"] for s in states for a in s["agents"].values() for c in a["calls"]}
    assert {"Incoming", "Click2Call"} <= kinds  # the call shapes the schema must cover
    for frame in frames_for(states[::20], deltas[::20]) + frames_for(states[-1:], deltas[-1:]):
        assert_valid_frame(wire(frame))
    for seq, delta in enumerate(deltas, start=1):
        assert_valid_frame(wire(messages.delta(EPOCH, seq, delta)))


@settings(max_examples=150, deadline=None)
@given(st.lists(events, min_size=1, max_size=12))
def test_frames_of_any_event_sequence_are_valid(sequence):
    state = empty_state()
    for seq, event in enumerate(sequence, start=1):
        state, delta = reduce(state, event)
        if delta is not None:
            assert_valid_frame(wire(messages.delta(EPOCH, seq, delta)))
    assert_valid_frame(wire(messages.snapshot(EPOCH, 9, state, server_time=1.5, health={})))


def test_frames_before_anything_was_stored_are_valid():
    # no epoch yet: a board connecting before the worker's first rebuild
    assert_valid_frame(wire(messages.snapshot(None, 0, empty_state(), server_time=1.0, health={})))
    assert_valid_frame(wire(messages.heartbeat(None, 0, server_time=1.0, health={})))


@pytest.mark.parametrize("raw", [{"type": "hello"}, {}, [1], "resync", None, {"type": ["x"]}])
def test_error_frames_for_every_refusal_are_valid(raw):
    with pytest.raises(messages.BadMessage) as refused:
        messages.parse_client_message(raw)
    frame = messages.error(EPOCH, 3, refused.value.code, str(refused.value))
    assert_valid_frame(wire(frame))
    assert_valid_frame(wire(messages.error(None, 0, "bad_json", "a message must be JSON text")))


DAY = "2026-11-30"


def valid_frames() -> dict[str, messages.Message]:
    whole: State = {
        "queues": {"7": {"id": "7", "name": "Sales", "waiting": []}},
        "agents": {"SIP1": agent_entity("SIP1")},
        "today": {
            "7": {
                **figures(QueueDay(offered=1), QueueRules()),
                **NOT_SET,
                "day": DAY,
                "waiting_last_hour": [0, 3],
                "answered_by": ["SIP1"],
            }
        },
    }
    return {
        "snapshot": messages.snapshot(EPOCH, 4, whole, server_time=2.5, health=HEALTHS[0]),
        "delta": messages.delta(EPOCH, 5, {"agents": {"set": {"SIP1": agent_entity("SIP1")}}}),
        "heartbeat": messages.heartbeat(EPOCH, 5, server_time=3.0, health=HEALTHS[0]),
        "outage": messages.outage("redis", 2.0, server_time=3.0),
        "error": messages.error(EPOCH, 5, "bad_message", "unknown message type 'x'"),
    }


def _call() -> dict:
    return {
        "call_id": "c1",
        "direction": "Incoming",
        "state": "Ringing",
        "number": "0501234567",
        "name": "",
        "did": "",
        "started_at": 1_600_000_000,
        "answered_at": None,
        "queue_id": None,
        "leg": None,
        "contact": "",
    }


#: name: (frame type, how to break a valid frame of it, what the schema must then say)
BROKEN = {
    "no seq": ("heartbeat", lambda f: f.pop("seq"), "'seq' is a required property"),
    "a negative seq": ("snapshot", lambda f: f.update(seq=-1), "seq: -1 is less than"),
    "seq as text": ("delta", lambda f: f.update(seq="5"), "seq: '5' is not of type 'integer'"),
    "no epoch": ("error", lambda f: f.pop("epoch"), "'epoch' is a required property"),
    "a delta without an epoch": (
        "delta",
        lambda f: f.update(epoch=None),
        "epoch: None is not of type 'string'",
    ),
    "an unknown type": ("heartbeat", lambda f: f.update(type="ping"), "type: 'ping' is not one"),
    "an extra field": ("heartbeat", lambda f: f.update(extra=1), "('extra' was unexpected)"),
    "no server time": (
        "snapshot",
        lambda f: f.pop("server_time"),
        "'server_time' is a required property",
    ),
    "a server name in the health": (
        "heartbeat",
        lambda f: f["voicenter"].update(server="x"),
        "voicenter: Additional properties are not allowed ('server' was unexpected)",
    ),
    "connected as text": (
        "heartbeat",
        lambda f: f["voicenter"].update(connected="yes"),
        "voicenter/connected: 'yes' is not of type 'boolean'",
    ),
    "an unknown error code": ("error", lambda f: f.update(code="oops"), "code: 'oops' is not one"),
    "an unknown collection": (
        "snapshot",
        lambda f: f["state"].update(dialers={}),
        "('dialers' was unexpected)",
    ),
    "a missing collection": (
        "snapshot",
        lambda f: f["state"].pop("queues"),
        "state: 'queues' is a required property",
    ),
    "an empty set": (
        "delta",
        lambda f: f["delta"]["agents"].update(set={}),
        "delta/agents/set: {} should be non-empty",
    ),
    "an empty del": (
        "delta",
        lambda f: f["delta"]["agents"].update(**{"del": []}),
        "delta/agents/del: [] should be non-empty",
    ),
    "a partial agent": (
        "delta",
        lambda f: f["delta"]["agents"]["set"]["SIP1"].pop("status"),
        "delta/agents/set/SIP1: 'status' is a required property",
    ),
    "an agent with an extra field": (
        "snapshot",
        lambda f: f["state"]["agents"]["SIP1"].update(mood="happy"),
        "state/agents/SIP1: Additional properties are not allowed ('mood' was unexpected)",
    ),
    "a queue without its waiting list": (
        "snapshot",
        lambda f: f["state"]["queues"]["7"].pop("waiting"),
        "state/queues/7: 'waiting' is a required property",
    ),
    "a caller name over 200 characters": (
        "snapshot",
        lambda f: f["state"]["queues"]["7"]["waiting"].append(
            {
                "call_id": "c1",
                "caller_number": "1",
                "caller_name": "x" * 201,
                "joined_at": None,
                "contact": "",
                "earlier": 0,
            }
        ),
        "state/queues/7/waiting/0/caller_name: 'xxx",
    ),
    "a third Click2Call leg": (
        "snapshot",
        lambda f: f["state"]["agents"]["SIP1"]["calls"].append({**_call(), "leg": 3}),
        "state/agents/SIP1/calls/0/leg: 3 is not one of [1, 2, None]",
    ),
    "a call without an id": (
        "snapshot",
        lambda f: f["state"]["agents"]["SIP1"]["calls"].append({**_call(), "call_id": ""}),
        "state/agents/SIP1/calls/0/call_id: '' should be non-empty",
    ),
    "a time as text": (
        "snapshot",
        lambda f: f["state"]["agents"]["SIP1"].update(status_since="yesterday"),
        "state/agents/SIP1/status_since: 'yesterday' is not of type 'number', 'null'",
    ),
}


def test_the_unbroken_frames_are_valid():
    for frame in valid_frames().values():
        assert_valid_frame(wire(frame))


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_frame_is_rejected_for_what_is_wrong_with_it(name):
    kind, breaks, expected = BROKEN[name]
    frame = copy.deepcopy(valid_frames()[kind])
    breaks(frame)
    problem = frame_problem(wire(frame))
    assert problem is not None, f"{name} passed the schema"
    assert expected in problem
