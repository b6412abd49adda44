"""The normaliser never lets an exception escape, whatever arrives; and nothing it lets through
can make the reducer or the JSON encoding (the store's, the boards') raise later."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime.events import Rejected
from realtime.state import empty_state, reduce
from realtime.voicenter.wire import normalise
from tests.examples import doc_examples

pytestmark = pytest.mark.pure

DOC = doc_examples()
NAMES = sorted(
    {name for name, _ in DOC}
    | {"AllExtensionStatus", "keepaliveResponse", "ExtensionsUpdated", "DialerEvent", "x"}
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["", "0", "-1", "1e400", "nan", "inf", "1597941727", "JOIN", "HANGUP"]),
    # numbers past what the JSON encoder (64 bits) or a browser (2^53) holds
    st.sampled_from([2**64, -(2**64), 2**63, 2**53, 10**30, "18446744073709551616", 1e300]),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=12)
            | st.sampled_from(
                [
                    "data",
                    "Calls",
                    "calls",
                    "extenUser",
                    "reason",
                    "QueueID",
                    "currentCall",
                    "servertimeoffset",
                    "representativeUpdated",
                    "summery",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@st.composite
def mutated(draw, value):
    """The doc payload with parts dropped, truncated or swapped for junk, at any depth."""
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            action = draw(st.sampled_from(["keep", "keep", "keep", "drop", "junk", "mutate"]))
            if action == "keep":
                out[key] = child
            elif action == "junk":
                out[key] = draw(json_values)
            elif action == "mutate":
                out[key] = draw(mutated(child))
        return out
    if isinstance(value, list):
        cut = draw(st.integers(0, len(value)))
        return [draw(mutated(v)) for v in value[:cut]]
    if isinstance(value, str):
        return value[: draw(st.integers(0, len(value)))]
    return draw(st.one_of(st.just(value), scalars))


def check(name, payload, offset):
    events = normalise(name, payload, offset_min=offset, tz=ZoneInfo("Asia/Jerusalem"))
    assert isinstance(events, tuple)
    # Bad input is named by the parsers; "unexpected" would mean a parser bug slipped through.
    assert not [e for e in events if isinstance(e, Rejected) and "unexpected" in e.problem]
    state = empty_state()
    for event in events:  # and what comes out is fit for the reducer, and for the store
        if not isinstance(event, Rejected):
            state, delta = reduce(state, event)
            orjson.dumps(delta)  # what the store and the boards encode: never raises
    orjson.dumps(state)


@settings(max_examples=2500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(NAMES), json_values, st.one_of(st.none(), st.integers(-2000, 2000)))
def test_random_payloads_never_raise(name, payload, offset):
    check(name, payload, offset)


@settings(max_examples=2500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(DOC).flatmap(lambda ev: st.tuples(st.just(ev[0]), mutated(ev[1]))))
def test_truncated_and_corrupted_doc_events_never_raise(event):
    check(event[0], event[1], None)


def test_non_string_names_are_rejected_not_raised():
    assert isinstance(normalise(None, {})[0], Rejected)
