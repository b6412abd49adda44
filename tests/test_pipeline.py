"""normalise -> reduce -> store -> publish, over Voicenter's own doc examples (real Redis)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from realtime.pipeline import Pipeline
from tests.conftest import doc_examples

DOC = doc_examples()
H = 3600


async def fed(store, events):
    pipeline = Pipeline(store, tz=ZoneInfo("Asia/Jerusalem"))
    for name, payload in events:
        await pipeline.feed(name, payload)
    await pipeline.flush_stats()
    return pipeline


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
    pipeline = await fed(store, DOC)
    snap = await store.snapshot()
    stats = await store.stats()
    assert snap.seq == pipeline.seq == stats["deltas_total"]
    # loginSuccess changes nothing, ABANDONED after EXIT finds the queue already empty
    assert stats["deltas_total"] == len(DOC) - 2
    assert stats["events_total"] == len(DOC)
    assert snap.state == pipeline.state


async def test_bad_events_are_counted_and_leave_the_state_alone(store):
    pipeline = await fed(store, DOC[:3])
    before = await store.snapshot()
    await pipeline.feed("QueueEvent", {"reason": "JOIN", "data": "garbage"})
    await pipeline.feed("NoSuchEvent", {})
    await pipeline.flush_stats()
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
    pipeline = await fed(store, [login, queues])
    # offset 0 from loginSuccess, not Jerusalem's +2 h
    assert pipeline.state["queues"]["1"]["waiting"][0]["joined_at"] == 1606908000


async def test_lost_redis_data_means_a_rebuild_under_a_new_epoch(store, aredis):
    pipeline = await fed(store, DOC[:3])
    old_epoch = pipeline.epoch
    await aredis.flushdb()  # Redis restarted without its data
    await pipeline.feed(*DOC[3])
    snap = await store.snapshot()
    assert snap.epoch not in (None, old_epoch)
    assert snap.state == pipeline.state
    assert set(snap.state["queues"]) == {"12345678", "12345679", "1234567"}


async def test_a_new_pipeline_continues_the_stored_epoch(store):
    first = await fed(store, DOC[:3])
    second = Pipeline(store)
    await second.load()
    assert (second.epoch, second.seq, second.state) == (first.epoch, first.seq, first.state)


async def test_a_seq_gone_backwards_under_the_same_epoch_means_a_rebuild(store, aredis):
    pipeline = await fed(store, DOC[:6])
    old_epoch, old_seq = pipeline.epoch, pipeline.seq
    assert old_seq >= 2
    await aredis.hset(store.meta_key, "seq", old_seq - 2)  # Redis lost its last writes
    await pipeline.feed(*DOC[6])
    snap = await store.snapshot()
    assert snap.epoch not in (None, old_epoch)  # boards take a fresh snapshot
    assert snap.state == pipeline.state


class Recorder:
    def __init__(self):
        self.calls = []

    async def on_commit(self, epoch, seq, delta):
        self.calls.append(("commit", epoch, seq))

    async def on_reset(self, epoch, state):
        self.calls.append(("reset", epoch, 0))

    async def on_health(self, epoch, seq, health):
        self.calls.append(("health", epoch, seq))


async def test_verify_writes_our_state_back_when_redis_lost_it(store, aredis):
    pipeline = await fed(store, DOC[:3])
    pipeline.listener = Recorder()
    assert await pipeline.verify() is False  # all is well: nothing happens
    assert pipeline.listener.calls == []
    for key in (store.meta_key, *store.keys.values()):
        await aredis.delete(key)  # Redis restarted empty, on a quiet night
    assert await pipeline.verify() is True
    snap = await store.snapshot()
    assert snap.state == pipeline.state and snap.epoch == pipeline.epoch
    assert pipeline.listener.calls == [("reset", pipeline.epoch, 0)]  # boards get it at once


async def test_the_listener_hears_each_commit_after_it_is_stored(store):
    recorder = Recorder()
    pipeline = Pipeline(store, listener=recorder)
    for name, payload in DOC[:6]:
        await pipeline.feed(name, payload)
    commits = [c for c in recorder.calls if c[0] == "commit"]
    assert [c[2] for c in commits] == list(range(1, len(commits) + 1))
    assert (await store.snapshot()).seq == commits[-1][2]


async def test_a_failing_listener_is_counted_and_the_state_still_moves_on(store):
    class Broken(Recorder):
        async def on_commit(self, epoch, seq, delta):
            raise ConnectionError("channel layer down")

    pipeline = Pipeline(store, listener=Broken())
    for name, payload in DOC[:6]:
        await pipeline.feed(name, payload)
    await pipeline.flush_stats()
    assert (await store.stats())["broadcast_errors"] >= 1
    assert (await store.snapshot()).state == pipeline.state
