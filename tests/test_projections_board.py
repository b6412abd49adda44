"""The board's projection: reducer -> Redis (state + seq) -> publisher, epochs and rebuilds
(real Redis)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.state import empty_state, merge_deltas, reduce
from tests.examples import doc_examples
from tests.helpers import fed
from tests.strategies import events

DOC = doc_examples()


async def test_lost_redis_data_means_a_rebuild_under_a_new_epoch(store, aredis):
    pipeline, board = await fed(store, DOC[:3])
    old_epoch = board.epoch
    await aredis.flushdb()  # Redis restarted without its data
    await pipeline.feed(*DOC[3])
    snap = await store.snapshot()
    assert snap.epoch not in (None, old_epoch)
    assert snap.state == board.state
    assert set(snap.state["queues"]) == {"12345678", "12345679", "1234567"}


async def test_a_new_projection_continues_the_stored_epoch(store):
    _, first = await fed(store, DOC[:3])
    second = BoardState(store)
    await second.load()
    assert (second.epoch, second.seq, second.state) == (first.epoch, first.seq, first.state)


async def test_a_seq_gone_backwards_under_the_same_epoch_means_a_rebuild(store, aredis):
    pipeline, board = await fed(store, DOC[:6])
    old_epoch, old_seq = board.epoch, board.seq
    assert old_seq >= 2
    await aredis.hset(store.meta_key, "seq", old_seq - 2)  # Redis lost its last writes
    await pipeline.feed(*DOC[6])
    snap = await store.snapshot()
    assert snap.epoch not in (None, old_epoch)  # boards take a fresh snapshot
    assert snap.state == board.state


class Recorder:
    """A publisher that notes what it hears, and what the store held when it heard it."""

    def __init__(self, store=None):
        self.store, self.calls, self.stored_seqs = store, [], []

    async def on_commit(self, epoch, seq, delta):
        self.calls.append(("commit", epoch, seq))
        if self.store is not None:
            self.stored_seqs.append(await self.store.head())

    async def on_reset(self, epoch, state):
        self.calls.append(("reset", epoch, 0))


async def test_verify_writes_our_state_back_when_redis_lost_it(store, aredis):
    _, board = await fed(store, DOC[:3])
    board.publisher = recorder = Recorder()
    assert await board.verify() is False  # all is well: nothing happens
    assert recorder.calls == []
    for key in (store.meta_key, *store.keys.values()):
        await aredis.delete(key)  # Redis restarted empty, on a quiet night
    assert await board.verify() is True
    snap = await store.snapshot()
    assert snap.state == board.state
    assert snap.epoch == board.epoch
    assert recorder.calls == [("reset", board.epoch, 0)]  # boards get it at once


async def test_the_publisher_hears_each_commit_after_it_is_stored(store):
    recorder = Recorder(store)
    pipeline = Pipeline([BoardState(store, recorder)])
    for name, payload in DOC[:6]:
        await pipeline.feed(name, payload)
    commits = [(epoch, seq) for kind, epoch, seq in recorder.calls if kind == "commit"]
    assert [seq for _, seq in commits] == list(range(1, len(commits) + 1))
    assert recorder.stored_seqs == commits  # Redis held each seq when the publisher heard of it


async def test_a_failing_publisher_is_counted_and_the_state_still_moves_on(store):
    class Broken(Recorder):
        async def on_commit(self, epoch, seq, delta):
            raise ConnectionError("channel layer down")

    board = BoardState(store, Broken())
    pipeline = Pipeline([board])
    for name, payload in DOC[:6]:
        await pipeline.feed(name, payload)
    assert pipeline.take_stats()["broadcast_errors"] >= 1
    assert (await store.snapshot()).state == board.state


async def test_while_rebuilding_the_stored_state_stands_until_both_snapshots_are_in(store):
    pipeline, board = await fed(store, DOC[:6])
    before = await store.snapshot()
    pipeline.begin_rebuild()
    queues = next(e for e in DOC if e[0] == "loginStatus")
    agents = next(e for e in DOC if e[0] == "AllExtensionsStatus")
    await pipeline.feed(*queues)
    assert pipeline.rebuilding
    assert await store.snapshot() == before  # boards still see the old state, same epoch
    await pipeline.feed(*agents)
    assert not pipeline.rebuilding
    after = await store.snapshot()
    assert after.epoch != before.epoch
    assert after.seq == 0
    assert set(after.state["agents"]) == {"SIPSIP1", "SIPSIP2"}
    assert after.state == board.state


async def test_apply_before_load_is_a_loud_error(store):
    import pytest

    board = BoardState(store)
    with pytest.raises(RuntimeError, match="load"):
        await board.apply(next(iter(_usable(DOC))))


def _usable(events):
    from realtime.voicenter.wire import normalise

    for name, payload in events:
        yield from (e for e in normalise(name, payload) if e.kind != "rejected")


async def test_a_batch_is_one_commit_one_seq_and_one_publish_with_the_same_end_state(store):
    await fed(store, DOC)  # the reference: each event committed alone
    expected = (await store.snapshot()).state
    recorder = Recorder(store)
    board = BoardState(store, recorder)
    pipeline = Pipeline([board])
    await pipeline.feed_many(DOC[:3])  # the snapshots
    seq = board.seq
    recorder.calls.clear()
    await pipeline.feed_many(DOC[3:])  # the live events, as one batch
    snap = await store.snapshot()
    assert snap.seq == board.seq == seq + 1  # one delta for the batch
    assert [kind for kind, *_ in recorder.calls] == ["commit"]  # published once
    assert snap.state == board.state == expected  # the same state as one by one


async def test_a_commit_redis_refused_is_kept_for_the_next_one(store, monkeypatch):
    pipeline, board = await fed(store, DOC[:3])

    async def down(epoch, delta):
        raise ConnectionError("Redis went away")

    with monkeypatch.context() as patch:
        patch.setattr(store, "commit", down)
        with pytest.raises(ConnectionError):  # the caller hears of it (the worker retries)
            await pipeline.feed(*DOC[3])
    await pipeline.feed(*DOC[4])  # Redis is back: this commit carries both events
    snap = await store.snapshot()
    assert snap.state == board.state
    assert snap.seq == board.seq


def normalised(delta):
    """A delta with its removals as a set (their order carries no meaning)."""
    return {
        name: {**part, "del": set(part["del"])} if "del" in part else part
        for name, part in (delta or {}).items()
    }


@pytest.mark.pure
@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=12))
def test_a_batchs_commit_is_the_merge_of_its_events_deltas(batch):
    board = BoardState(None)  # type: ignore[arg-type]  # no store: apply() and its delta only
    board.epoch = "E"
    state, merged = empty_state(), None
    for event in batch:
        state, delta = reduce(state, event)
        merged = merge_deltas(merged, delta)
        asyncio.run(board.apply(event))
    assert board.state == state
    assert normalised(board._take_pending()) == normalised(merged)
    assert board._take_pending() is None  # taken once


async def test_a_rebuild_redis_refused_keeps_the_snapshots_and_the_events_behind_them(
    store, monkeypatch
):
    pipeline, board = await fed(store, DOC[:3])
    before = await store.snapshot()
    pipeline.begin_rebuild()
    snapshots = [e for e in DOC if e[0] in ("loginStatus", "AllExtensionsStatus")]
    live = [e for e in DOC[3:] if e[0] == "ExtensionEvent"][:1]

    async def down(state):
        raise ConnectionError("Redis went away")

    with monkeypatch.context() as patch:
        patch.setattr(store, "reset", down)
        await pipeline.apply_many([*snapshots, *live])  # no I/O: Redis away cannot lose them
        with pytest.raises(ConnectionError):
            await pipeline.commit()
        assert await store.snapshot() == before
    await pipeline.commit()  # Redis is back: the rebuilt state, live event included
    after = await store.snapshot()
    assert after.epoch != before.epoch
    assert after.state == board.state
    assert board.state != empty_state()


def _extension_event(ext, reason="HANGUP"):
    return ("ExtensionEvent", {"reason": reason, "ivruniqueid": "c1",
                               "data": {"extenUser": ext, "calls": []}})  # fmt: skip


async def test_events_for_unlisted_extensions_are_counted_and_ask_for_a_resync_when_repeated(
    store,
):
    pipeline, board = await fed(store, DOC[:3])
    seq = board.seq
    await pipeline.feed(*_extension_event("GHOST1"))
    await pipeline.feed(*_extension_event("GHOST2"))
    assert not pipeline.wants_resync()  # once or twice: perhaps a race with a snapshot
    await pipeline.feed(*_extension_event("GHOST1"))
    assert pipeline.wants_resync()  # it keeps happening: the list may have changed
    assert not pipeline.wants_resync()  # asked once
    assert board.seq == seq
    assert not {"GHOST1", "GHOST2"} & set(board.state["agents"])
    assert pipeline.take_stats()["unmonitored_events"] == 3


async def test_a_fresh_extension_list_starts_the_unlisted_count_over(store):
    pipeline, _ = await fed(store, DOC[:3])
    agents = next(e for e in DOC if e[0] == "AllExtensionsStatus")
    await pipeline.feed(*_extension_event("GHOST"))
    await pipeline.feed(*_extension_event("GHOST"))
    await pipeline.feed(*agents)
    await pipeline.feed(*_extension_event("GHOST"))
    assert not pipeline.wants_resync()


async def test_an_extension_a_resync_was_asked_for_asks_no_second_one(store):
    pipeline, _ = await fed(store, DOC[:3])
    agents = next(e for e in DOC if e[0] == "AllExtensionsStatus")
    for _ in range(3):
        await pipeline.feed(*_extension_event("GHOST"))
    assert pipeline.wants_resync()
    await pipeline.feed(*agents)  # the fresh list still leaves it out: Voicenter means it
    for _ in range(5):
        await pipeline.feed(*_extension_event("GHOST"))
    assert not pipeline.wants_resync()
    await pipeline.feed(*_extension_event("OTHER"))  # a new one still counts
    for _ in range(2):
        await pipeline.feed(*_extension_event("OTHER"))
    assert pipeline.wants_resync()
