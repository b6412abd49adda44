"""Our contacts' names on the board: the worker's directory sets ``contact`` on waiting callers
and calls, whatever the number's spelling, before the projections (realtime/contacts.py)."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest

from realtime.contacts import ContactNames
from realtime.events import AgentChanged, AgentsSnapshot, QueueChanged
from realtime.phones import key_of
from realtime.state import empty_state, reduce
from realtime.voicenter.wire import normalise
from tests.examples import doc_examples

pytestmark = pytest.mark.pure

NAMES = ContactNames({"+972507234567": "Dana Cohen"})


def typed(name: str, payload: dict) -> list:
    return [e for e in normalise(name, payload, offset_min=180) if e.kind != "rejected"]


def queue_event(number: str) -> dict:
    return {
        "eventName": "queue", "reason": "JOIN", "ivruniqueid": "c1", "servertime": 1_600_000_000,
        "servertimeoffset": 180,
        "data": {"QueueID": 7, "QueueName": "Sales", "Calls": [
            {"CallerID": number, "CallerName": "from the network", "ivruniqueid": "c1",
             "JoinTimeStamp": 1_600_000_000}]},
    }  # fmt: skip


@pytest.mark.parametrize("number", ["0507234567", "972507234567", "+972-50-723-4567"])
def test_a_waiting_callers_number_names_our_contact_whatever_its_spelling(number):
    [event] = typed("QueueEvent", queue_event(number))
    named = NAMES.enrich(event)
    assert isinstance(named, QueueChanged)
    [caller] = named.queue.waiting or ()
    assert caller.contact == "Dana Cohen"
    assert caller.caller_name == "from the network"
    state, _ = reduce(empty_state(), named)
    assert state["queues"]["7"]["waiting"][0]["contact"] == "Dana Cohen"


def test_a_stranger_keeps_an_empty_contact():
    [event] = typed("QueueEvent", queue_event("0529999999"))
    named = NAMES.enrich(event)
    assert isinstance(named, QueueChanged)
    [caller] = named.queue.waiting or ()
    assert caller.contact == ""


def test_an_agents_call_names_our_contact():
    events = [e for name, payload in doc_examples() for e in typed(name, payload)]
    agent_event = next(e for e in events if isinstance(e, AgentChanged) and e.agent.calls)
    assert agent_event.agent.calls is not None
    number = agent_event.agent.calls[0].number
    key = key_of(number)
    assert key is not None, f"Voicenter's example number {number!r} reads as a phone number"
    named = ContactNames({key: "Lois Lane's client"}).enrich(agent_event)
    assert isinstance(named, AgentChanged)
    assert named.agent.calls is not None
    assert named.agent.calls[0].contact == "Lois Lane's client"
    listed = AgentsSnapshot("agents_snapshot", (replace(named.agent, calls=()),), None, None)
    state, _ = reduce(reduce(empty_state(), listed)[0], named)
    [call] = state["agents"][named.agent.extension]["calls"]
    assert call["contact"] == "Lois Lane's client"


def test_without_a_directory_events_pass_unchanged():
    [event] = typed("QueueEvent", queue_event("0501234567"))
    assert ContactNames().enrich(event) is event


def test_what_is_not_a_phone_number_names_nobody():
    assert NAMES.name_of("anonymous") == ""
    assert NAMES.name_of("") == ""


def _without_contacts(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_contacts(v) for k, v in value.items() if k != "contact"}
    if isinstance(value, list | tuple):
        return [_without_contacts(v) for v in value]
    return value


def test_naming_changes_nothing_but_the_contact_fields():
    events = [e for name, payload in doc_examples() for e in typed(name, payload)]
    numbers = {
        c.caller_number
        for e in events
        if isinstance(e, QueueChanged)
        for c in e.queue.waiting or ()
    } | {c.number for e in events if isinstance(e, AgentChanged) for c in e.agent.calls or ()}
    keys = [k for k in map(key_of, numbers) if k]
    assert keys, "the examples have numbers to name"
    names = ContactNames({k: f"Contact {i}" for i, k in enumerate(keys)})
    named_any = False
    for event in events:
        named = names.enrich(event)
        assert type(named) is type(event)
        assert _without_contacts(asdict(named)) == _without_contacts(asdict(event))
        named_any = named_any or named != event
    assert named_any
