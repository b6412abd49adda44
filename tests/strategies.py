"""Hypothesis strategies: typed events over small id pools, so that events collide."""

from __future__ import annotations

from hypothesis import strategies as st

from realtime.events import (
    Agent,
    AgentChanged,
    AgentsSnapshot,
    Call,
    Queue,
    QueueChanged,
    QueuesSnapshot,
    WaitingCall,
)
from realtime.voicenter.wire import status_name

ids = st.sampled_from(["1", "2", "3"])
exts = st.sampled_from(["SIP1", "SIP2", "SIP3", "SIP4"])
call_ids = st.sampled_from(["c1", "c2", "c3"])
times = st.one_of(st.none(), st.integers(1_600_000_000, 1_600_000_100))
texts = st.sampled_from(["", "Dana", "0501234567", "<b>x</b>"])

waiting = st.builds(WaitingCall, call_ids, texts, texts, times)
queues = st.builds(
    Queue, ids, st.sampled_from(["Sales", "Support"]), st.lists(waiting, max_size=3).map(tuple)
)
calls = st.builds(
    Call,
    call_ids,
    st.sampled_from(["Incoming", "Outgoing", "Click2Call"]),
    st.sampled_from(["Ringing", "Dialing", "Talking", "Hold"]),
    texts,
    texts,
    texts,
    times,
    times,
    st.one_of(st.none(), ids),
    st.sampled_from([None, 1, 2]),
)


@st.composite
def agents(draw):
    status = draw(st.sampled_from([None, 1, 2, 3]))
    return Agent(
        extension=draw(exts),
        number="100",
        user_id=draw(st.sampled_from([None, 7])),
        user_name="Clark",
        agent_name=draw(st.sampled_from(["Clark", "Lois"])),
        status=status,
        status_name=status_name(status),
        status_since=draw(times),
        peer_status=draw(st.sampled_from([None, "OK", "UNREACHABLE"])),
        calls=draw(st.one_of(st.none(), st.lists(calls, max_size=2).map(tuple))),
        last_answered_at=draw(times),
        last_hangup_at=draw(times),
    )


events = st.one_of(
    st.builds(
        QueuesSnapshot,
        st.just("queues_snapshot"),
        st.lists(queues, max_size=3, unique_by=lambda q: q.id).map(tuple),
        times,
        st.none(),
    ),
    st.builds(
        AgentsSnapshot,
        st.just("agents_snapshot"),
        st.lists(agents(), max_size=4, unique_by=lambda a: a.extension).map(tuple),
        times,
        st.none(),
    ),
    st.builds(
        QueueChanged,
        st.just("queue_changed"),
        st.sampled_from(["JOIN", "EXIT", "ANSWER", "ABANDONED"]),
        queues,
        call_ids,
        times,
        st.none(),
    ),
    st.builds(
        AgentChanged,
        st.just("agent_changed"),
        st.sampled_from(["NEWCALL", "ANSWER", "HANGUP", "userStatusUpdate"]),
        agents(),
        call_ids,
        texts,
        times,
        st.none(),
    ),
)
