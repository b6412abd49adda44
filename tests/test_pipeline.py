"""The pipeline: normalise once, count, hand every usable event to each projection in order;
over Voicenter's own doc examples, into the real Redis through the board's projection."""

from __future__ import annotations

import pytest

from realtime.pipeline import Pipeline, Step
from realtime.projections.board import BoardState
from tests.examples import doc_examples
from tests.helpers import fed

DOC = doc_examples()
H = 3600


def calls(state, ext="SIPSIP1"):
    return state["agents"][ext]["calls"]


async def test_the_stored_state_follows_the_doc_examples_step_by_step(store):
    # (number of doc events fed, check on the stored state)
    steps = [
        (
            3,
            lambda s: (
                s["queues"]["12345678"]["waiting"]
                == [
                    {
                        "call_id": "2020082015645675456434324949c071d",
                        "caller_number": "0501234567",
                        "caller_name": "John Doe",
                        "joined_at": 1597941709 - 3 * H,
                        "contact": "",
                        "earlier": 0,
                    }
                ]
            ),
        ),
        (
            3,
            lambda s: (
                s["agents"]["SIPSIP2"]["status_name"] == "Login"
                and s["agents"]["SIPSIP2"]["status_since"] == 1597944933 - 3 * H
                and s["agents"]["SIPSIP1"]["status_name"] == "Logout"
            ),
        ),
        (
            4,
            lambda s: [c["caller_name"] for c in s["queues"]["1234567"]["waiting"]] == ["John Doe"],
        ),
        (5, lambda s: s["queues"]["1234567"]["waiting"] == []),
        (
            7,
            lambda s: (
                calls(s)
                == [
                    {
                        "call_id": "202012021122010135330b4f77",
                        "direction": "Incoming",
                        "state": "Ringing",
                        "number": "0501234567",
                        "name": "Test Voicenter",
                        "did": "0722776772",
                        "started_at": 1606908123 - 2 * H,
                        "answered_at": None,
                        "queue_id": None,
                        "leg": None,
                        "contact": "",
                    }
                ]
            ),
        ),
        (
            8,
            lambda s: (
                calls(s)[0]["state"] == "Talking"
                and calls(s)[0]["answered_at"] == 1606908134 - 2 * H
            ),
        ),
        (9, lambda s: calls(s) == []),
        (
            10,
            lambda s: (
                [(c["direction"], c["state"], c["leg"]) for c in calls(s)]
                == [("Click2Call", "Dialing", 1)]
            ),
        ),
        (
            13,
            lambda s: (
                [(c["state"], c["leg"], c["answered_at"]) for c in calls(s)]
                == [("Talking", 2, 1606913090 - 2 * H)]
            ),
        ),
        (14, lambda s: calls(s) == []),
        (
            15,
            lambda s: (
                (s["agents"]["SIPSIP1"]["status_name"], s["agents"]["SIPSIP1"]["status_since"])
                == ("Lunch", 1606917164 - 2 * H)
            ),
        ),
    ]
    for count, check in steps:
        await store.reset({"queues": {}, "agents": {}})
        await fed(store, DOC[:count])
        state = (await store.snapshot()).state
        assert check(state), (count, state)


async def test_every_change_is_one_seq_and_no_ops_none(store):
    _, board = await fed(store, DOC)
    snap = await store.snapshot()
    stats = await store.stats()
    assert snap.seq == board.seq == stats["deltas_total"]
    # loginSuccess changes nothing, ABANDONED after EXIT finds the queue already empty
    assert stats["deltas_total"] == len(DOC) - 2
    assert stats["events_total"] == len(DOC)
    assert snap.state == board.state


async def test_bad_events_are_counted_and_leave_the_state_alone(store):
    await fed(store, DOC[:3])
    before = await store.snapshot()
    pipeline = Pipeline([BoardState(store)])
    await pipeline.feed("QueueEvent", {"reason": "JOIN", "data": "garbage"})
    await pipeline.feed("NoSuchEvent", {})
    await store.add_stats(pipeline.take_stats())
    after = await store.snapshot()
    stats = await store.stats()
    assert (after.seq, after.state) == (before.seq, before.state)
    assert stats["rejected_total"] == 2
    assert stats["rejected:QueueEvent"] == 1


async def test_voicenter_error_answers_are_counted(store):
    await fed(store, [("loginStatus", {"errorCode": 5, "errorDesc": "denied"})])
    assert (await store.stats())["voicenter_errors"] == 1


async def test_the_server_offset_is_remembered_for_payloads_without_one(store):
    login = ("loginSuccess", {"errorCode": 0, "servertime": 1606908000, "servertimeoffset": 0})
    queues = (
        "loginStatus",
        {
            "queues": [
                {
                    "QueueID": 1,
                    "QueueName": "Q",
                    "Calls": [{"CallerID": "050", "IvrUniqueID": "a", "JoinTimeStamp": 1606908000}],
                }
            ]
        },
    )
    _, board = await fed(store, [login, queues])
    # offset 0 from loginSuccess, not Jerusalem's +2 h
    assert board.state["queues"]["1"]["waiting"][0]["joined_at"] == 1606908000


class Collector:
    """A projection that keeps what it is given."""

    def __init__(self, stats=None):
        self.events, self.rebuilds, self.stats = [], 0, stats or {}
        self.batches: list[int] = []  # how many events each commit covered
        self._since_commit = 0

    async def load(self):
        pass

    def begin_rebuild(self):
        self.rebuilds += 1

    def abandon_rebuild(self):
        pass

    @property
    def rebuilding(self):
        return False

    async def apply(self, event):
        self.events.append(event)
        self._since_commit += 1

    async def commit(self):
        self.batches.append(self._since_commit)
        self._since_commit = 0

    async def verify(self):
        return False

    def wants_resync(self):
        return False

    def take_stats(self):
        from collections import Counter

        return Counter(self.stats)


@pytest.mark.pure
async def test_every_projection_gets_each_usable_event_in_order():
    first, second = Collector(), Collector()
    pipeline = Pipeline([first, second])
    for name, payload in DOC:
        await pipeline.feed(name, payload)
    await pipeline.feed("QueueEvent", {"reason": "JOIN", "data": "garbage"})
    await pipeline.feed("loginStatus", {"errorCode": 5, "errorDesc": "denied"})
    kinds = [event.kind for event in first.events]
    assert kinds == [event.kind for event in second.events]
    assert len(kinds) == len(DOC)  # one usable event per doc example, none for the bad two
    assert "rejected" not in kinds
    assert "voicenter_error" not in kinds
    pipeline.begin_rebuild()
    assert (first.rebuilds, second.rebuilds) == (1, 1)


@pytest.mark.pure
async def test_a_batch_reaches_each_projection_in_order_and_is_committed_once():
    first, second = Collector(), Collector()
    pipeline = Pipeline([first, second])
    batch = [*DOC, ("QueueEvent", {"reason": "JOIN", "data": "garbage"})]
    typed = await pipeline.feed_many(batch)
    assert [e.kind for e in typed][-1] == "rejected"  # the caller sees every typed event
    assert [e.kind for e in first.events] == [e.kind for e in typed if e.kind != "rejected"]
    assert first.batches == second.batches == [len(DOC)]  # one commit for the whole batch
    await pipeline.feed(*DOC[-1])
    assert first.batches == [len(DOC), 1]  # alone, an event is committed at once


@pytest.mark.pure
async def test_the_counters_add_the_projections_own_and_start_over_once_taken():
    pipeline = Pipeline([Collector({"deltas_total": 3}), Collector({"deltas_total": 4})])
    await pipeline.feed(*DOC[0])
    stats = pipeline.take_stats()
    assert stats["deltas_total"] == 7
    assert stats["events_total"] == 1
    assert stats[f"events:{DOC[0][0]}"] == 1
    assert pipeline.take_stats()["events_total"] == 0


@pytest.mark.pure
async def test_the_steps_run_in_their_order_once_a_batch_is_applied_before_any_commit():
    happened: list[str] = []

    class Noting(Collector):
        def __init__(self, name):
            super().__init__()
            self.name = name

        async def apply(self, event):
            await super().apply(event)
            happened.append(f"{self.name} applies")

        async def commit(self):
            await super().commit()
            happened.append(f"{self.name} commits")

    steps = [
        Step("one", lambda: happened.append("one")),
        Step("two", lambda: happened.append("two")),
    ]
    pipeline = Pipeline([Noting("board"), Noting("day")], steps=steps)
    await pipeline.feed_many(DOC[:2])
    assert happened == [
        *["board applies", "day applies"] * 2,
        "one",
        "two",
        "board commits",
        "day commits",
    ]
    happened.clear()
    await pipeline.verify()  # what a verify changed goes through the same steps
    assert happened == ["one", "two", "board commits", "day commits"]
