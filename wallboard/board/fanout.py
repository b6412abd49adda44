"""The per-process fan-out: one Redis subscription per web process, each frame to every board.

The worker publishes each committed change once (``realtime/publisher.py``). Each web
process (each event loop) holds one subscription to that channel, reads each message once and
hands the same encoded text to every board of the process that should have it: a thousand
screens cost one Redis message and one decode per process, then one websocket send each.

Coalescing: the loop reads every message already waiting (up to MAX_READ) before it sends,
and after a long round of sends it pauses as long as the round took (PACE).
Consecutive deltas among them become one frame covering ``from_seq``..``seq`` (the newest
version of each entity wins, removals stay removals: :func:`realtime.state.merge_deltas`),
encoded once and sent to every board that is exactly before it; a board partly past it gets
the parts it lacks one by one. When it is quiet a change goes out alone, at once; under load
each board gets fewer, fuller frames, as many as the process can send.

A board takes frames in two phases. While it is getting a snapshot (on connect, on resync) it
is *catching up*: frames wait in its backlog. Once the snapshot is out, the backlog goes
through the same filter as live frames (:func:`realtime.messages.forward_delta`: deltas the
snapshot already holds are dropped), then the board is *live* and frames go straight out. So a
board never sees a change twice and never misses one between its snapshot and the stream.

Snapshots go first. A screen asking for a snapshot (on connect, on resync) waits on a Redis read
that takes a few round trips through the event loop; behind a round of a thousand sends each
of those waits a slice of the round. So while a snapshot is being read (:class:`Urgent`),
the rounds of sends (the fan-out's and the heartbeat's) stop at their next
yield until it is out (GIVE_WAY_MAX_S at most per round): a snapshot costs the stream a few
milliseconds, and a screen asking for one gets it in the time it takes
(``bench/bench_fleet.py``).

A screen that cannot keep up. Boards acknowledge what they have applied (an ``ack`` message,
at most about once every two seconds, :mod:`realtime.messages`). A board with frames sent but not
acknowledged for ``WALLBOARD_SCREEN_BEHIND_S`` (or whose send blocked for SLOW_SEND_S, which
servers that apply backpressure do once its socket buffer is full) is *behind*: it gets no more
frames, heartbeats included, so nothing piles up for it. Once it acknowledges everything it was
sent, its consumer sends a fresh snapshot instead of the backlog it missed, and it is live
again. A board with frames unacknowledged for ``WALLBOARD_SCREEN_DEAD_S`` has stopped reading:
its socket is closed with CLOSE_TOO_SLOW and it reconnects like after any drop. Boards that have
never acknowledged anything (a page loaded before acks existed) are left to the server's
websocket pings, which close a dead socket too.

Scopes (``realtime/scopes.py``): each board sees its scope (a team, or the whole account). A
round cuts each frame once per scope that has boards in the process (:class:`Cut`), encodes
each cut once and hands that text to every board of the scope: a thousand screens over twenty
teams cost twenty cuts and encodings a frame, never one per screen. What is outside a board's
scope is in no frame it gets; a change wholly outside it reaches it as an empty delta at its
``seq``, so positions, gap checks and acknowledgements are the same for every board.

The subscription runs while the process has boards. If Redis fails it retries every second;
boards notice the silence through the heartbeat and resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, cast

import orjson
import redis.asyncio as aioredis
from django.conf import settings

from realtime import messages
from realtime.publisher import Published, channel, encode, unpack, websocket_send
from realtime.scopes import WHOLE_ACCOUNT, Scope, scope_delta, scope_state
from realtime.state import Delta, merge_deltas
from realtime.store import UNAVAILABLE

log = logging.getLogger("wallboard.board.fanout")

#: A board's backlog while it catches up; past this it is simply resynced again.
MAX_BACKLOG = 10_000
#: At most this many waiting messages are read (and coalesced) before the boards are sent to.
MAX_READ = 1_000
RETRY_S = 1.0
#: A send still waiting after this long means the screen's socket buffer is full (servers
#: that apply backpressure, uvicorn's included, wait for it to drain): the send is abandoned
#: and the board held back, so that one screen never stalls the others. Only a send that
#: really waits can time out; one slowed by a busy machine cannot.
SLOW_SEND_S = 0.1
#: At most one unacknowledged-frame mark per board per this many seconds.
MARK_EVERY_S = 1.0
#: A round of sends that took R seconds is followed by a pause of R * PACE (when R is over
#: PACE_FROM_S), so that sending never takes more than half the process: acknowledgements,
#: snapshots and heartbeats get the other half, and the changes that arrive meanwhile go out
#: merged in the next round. Few boards: rounds take microseconds and nothing waits.
PACE = 0.5
PACE_FROM_S = 0.005
#: A round yields to the rest of the process (a snapshot to send, acknowledgements to read)
#: after this many boards, so that nothing waits for a whole round of a thousand sends.
YIELD_EVERY = 10
#: While a screen waits for work that goes first (its snapshot: :class:`Urgent`), a round of
#: sends waits at its yields, for at most this long in all (a hung Redis read, or a storm of
#: screens taking snapshots one after the other, must not stop the stream).
GIVE_WAY_MAX_S = 0.05
#: How often the boards' acknowledgements are checked, traffic or not.
CHECK_EVERY_S = 1.0
#: Close code for "you stopped reading": the board reconnects and starts with a snapshot.
CLOSE_TOO_SLOW = 4008
#: A process whose last screen left this long ago lets go of its idle Redis connections.
LET_GO_AFTER_S = 1.0

clock = time.monotonic


class Screen(Protocol):
    async def base_send(self, message: dict[str, Any]) -> None:
        """Send one ASGI message (``websocket.send``) to this board's socket, as it is."""

    async def close(self, code: int | None = None) -> None:
        """Close this board's socket."""


class Board:
    """One screen's position in the stream, as the fan-out keeps it."""

    def __init__(self, screen: Screen, scope: Scope = WHOLE_ACCOUNT) -> None:
        self.screen = screen
        self.scope = scope  # what it may see: every frame it gets is cut to it
        self.epoch: str | None = None
        self.seq = 0
        self.live = False
        self.backlog: deque[Published] = deque()
        self.acks = False  # this screen acknowledges what it applies
        self.acked: tuple[str | None, int] | None = None  # the position it last acknowledged
        # (seq, clock()) of frames sent and not yet acknowledged, at most one a second: the
        # first is (about) when the oldest unacknowledged frame went
        self.marks: deque[tuple[int, float]] = deque()
        self.behind = False  # sent nothing until it has read what it has

    @property
    def unacked_since(self) -> float | None:
        return self.marks[0][1] if self.marks else None

    def _sent(self) -> None:
        """A frame that moves the board's position (to ``self.seq``) went out."""
        if not self.acks:
            return
        now = clock()
        if not self.marks or now - self.marks[-1][1] >= MARK_EVERY_S:
            self.marks.append((self.seq, now))

    def ack(self, epoch: str | None, seq: int) -> bool:
        """The screen has applied everything up to ``epoch``/``seq``. True when it was behind
        and has now read all it was sent: its fresh snapshot is due."""
        self.acks = True
        self.acked = (epoch, seq)
        if epoch != self.epoch:
            return False  # an acknowledgement from before a new epoch reached it
        while self.marks and self.marks[0][0] <= seq:
            self.marks.popleft()  # a slow reader's clock runs from its oldest unread frame
        if seq >= self.seq:
            self.marks.clear()
            return self.behind
        return False

    async def forward(self, frame: Published) -> None:
        """Send ``frame`` if this board should have it, and keep its position."""
        if self.behind:
            return  # a fresh snapshot replaces whatever it misses meanwhile
        if frame.kind == "delta":
            if not messages.forward_delta(self.epoch, self.seq, frame.epoch or "", frame.seq):
                return  # already in the snapshot this board got
            if frame.epoch == self.epoch:
                self.seq = frame.seq
                self._sent()
        elif frame.kind == "snapshot":
            if frame.epoch == self.epoch and frame.seq <= self.seq:
                return  # a rebuild's snapshot older than the fresh one this board took
            if frame.epoch != self.epoch:
                self.marks.clear()  # the old epoch's seqs mean nothing now
            self.epoch, self.seq = frame.epoch, frame.seq
            self._sent()
        # a heartbeat moves nothing a board would acknowledge: it starts no clock
        await self.screen.base_send(frame.message)

    async def forward_run(self, run: Run | ScopedRun) -> None:
        """Consecutive deltas: merged in one frame if this board is right before them, else the
        ones it lacks, one by one."""
        if self.behind:
            return
        if self.epoch == run.epoch and self.seq == run.first - 1:
            self.seq = run.last
            self._sent()
            await self.screen.base_send(run.message)
            return
        for part in run.parts:
            await self.forward(part)

    def catch_up(self) -> None:
        """A snapshot is on its way: hold frames until :meth:`go_live`."""
        self.live = False

    def took_snapshot(self, epoch: str | None, seq: int) -> None:
        self.epoch, self.seq = epoch, seq
        self.behind = False
        self.marks.clear()
        if self.acked != (epoch, seq):  # a snapshot at the position it has is not acknowledged
            self._sent()

    async def go_live(self) -> None:
        """The snapshot is out: send what came meanwhile (filtered), then frames go straight."""
        while self.backlog:
            await self.forward(self.backlog.popleft())
        self.live = True  # no await since the backlog was found empty: nothing slips between


class Fanout:
    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self.client = client
        self.channel = channel(prefix)
        self.boards: set[Board] = set()
        # (counted per round, never per screen; served at /metrics: wallboard/board/metrics.py)
        self.received = 0  # messages read from Redis
        self.handed = 0  # frames (or merged runs) handed to boards, one per board each
        self.coalesced = 0  # deltas merged into another's frame (a run of n: n - 1)
        self.fell_behind = 0  # boards found behind (then sent a fresh snapshot)
        self.closed_slow = 0  # boards closed for not reading
        self.behind_s = float(settings.WALLBOARD_SCREEN_BEHIND_S)
        self.dead_s = float(settings.WALLBOARD_SCREEN_DEAD_S)
        self._checked = clock()
        self._background: set[asyncio.Task[None]] = set()  # closing screens, letting go of Redis
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def join(self, screen: Screen, scope: Scope = WHOLE_ACCOUNT) -> Board:
        """A new board, catching up; frames published from now on reach it, cut to ``scope``."""
        board = Board(screen, scope)
        self.boards.add(board)
        if not self.running:
            self._subscribed.clear()
            self._task = asyncio.create_task(self._run())
        await self._subscribed.wait()  # so that nothing published after join() is missed
        return board

    async def leave(self, board: Board) -> None:
        self.boards.discard(board)
        if not self.boards and self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if not self.boards and self._task is None:
                self._in_background(self._let_go())

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)  # (kept until done)
        task.add_done_callback(self._background.discard)

    async def _let_go(self) -> None:
        """No screen left: once the reads still under way are done (a storm's snapshots),
        the process holds no idle Redis connection until the next screen comes (after a
        reconnect storm Redis's client count is back where it was). A command that takes one
        of them meanwhile meets a closed connection, and redis-py retries it on a new one."""
        await asyncio.sleep(LET_GO_AFTER_S)
        if self.boards or self._task is not None:
            return  # a screen came meanwhile
        try:
            await self.client.connection_pool.disconnect(inuse_connections=False)
        except Exception:
            log.debug("could not close the idle Redis connections", exc_info=True)

    async def deliver(self, frames: list[Published]) -> None:
        """Frames read together, in order: runs of consecutive deltas merged, to every board."""
        guard = SendGuard()
        items = coalesce(frames)
        self.coalesced += len(frames) - len(items)
        try:
            await self._deliver(items, guard)
        finally:
            guard.close()
        await self.check()

    async def _deliver(self, items: list[Published | Run], guard: SendGuard) -> None:
        sent = 0
        cut = Cut()
        for whole in items:
            for board in list(self.boards):
                sent += 1
                if sent % YIELD_EVERY == 0:  # a board may resync meanwhile: checked below
                    await guard.give_way()
                if board not in self.boards:
                    continue  # left meanwhile
                item = whole if board.scope.whole else cut.of(whole, board.scope)
                if board.live:
                    before = board.seq
                    try:
                        async with guard:
                            if isinstance(item, Run | ScopedRun):
                                await board.forward_run(item)
                            else:
                                await board.forward(item)
                    except TimeoutError:
                        board.seq = before  # it may not have gone: ask for no ack of it
                        # (mypy keeps board.live True across the await; it may have ended)
                        if board.live and not board.behind:  # type: ignore[redundant-expr]
                            self._fell_behind(board, "its socket is full")
                    except Exception:  # that board's socket is going; its disconnect removes it
                        log.debug("could not send to a board", exc_info=True)
                else:
                    parts = item.parts if isinstance(item, Run | ScopedRun) else [item]
                    room = MAX_BACKLOG - len(board.backlog)
                    board.backlog.extend(parts[: max(room, 0)])
        self.handed += sent

    async def check(self) -> None:
        """At most once per CHECK_EVERY_S: boards whose frames stay unacknowledged are behind
        (after ``behind_s``) or closed (after ``dead_s``)."""
        now = clock()
        if now - self._checked < CHECK_EVERY_S:
            return
        self._checked = now
        for board in list(self.boards):
            if board.unacked_since is None or not board.live:
                continue
            waited = now - board.unacked_since
            if waited > self.dead_s:
                self.closed_slow += 1
                log.info("closing a screen that read nothing for %.0f s", waited)
                self.boards.discard(board)
                self._in_background(self._close(board))  # it may wait: not here
            elif waited > self.behind_s and not board.behind:
                self._fell_behind(board, f"nothing acknowledged for {waited:.0f} s")

    async def _close(self, board: Board) -> None:
        try:
            await board.screen.close(code=CLOSE_TOO_SLOW)
        except Exception:
            log.debug("could not close a board", exc_info=True)

    def _fell_behind(self, board: Board, why: str) -> None:
        board.behind = True
        self.fell_behind += 1
        log.info("a screen fell behind (%s): a fresh snapshot once it has read what it has", why)

    async def _run(self) -> None:
        failing_since: float | None = None  # one log line when it fails, one when it is back
        while True:
            try:
                async with self.client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._subscribed.set()
                    if failing_since is not None:
                        log.warning(
                            "the boards' subscription is back after %.0f s",
                            clock() - failing_since,
                        )
                        failing_since = None
                    while True:
                        message = await pubsub.get_message(timeout=CHECK_EVERY_S)
                        if message is None:
                            await self.check()  # quiet: still close screens that stopped
                            continue
                        batch: list[bytes] = []
                        while message is not None:
                            if message.get("type") == "message":
                                batch.append(message["data"])
                            if len(batch) >= MAX_READ:
                                break  # the rest is read next time round: nothing is dropped
                            message = await pubsub.get_message(timeout=0)
                        if batch:
                            began = clock()
                            await self._received(batch)
                            took = clock() - began
                            if took > PACE_FROM_S:
                                await asyncio.sleep(took * PACE)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if failing_since is None:
                    failing_since = clock()
                    if isinstance(exc, UNAVAILABLE):
                        log.error("the boards' subscription failed (%r); retrying", exc)
                    else:
                        log.exception("the boards' subscription failed; retrying")
                self._subscribed.set()  # joiners must not wait on a broken Redis
                await asyncio.sleep(RETRY_S)

    async def _received(self, batch: list[bytes]) -> None:
        self.received += len(batch)
        frames = []
        for data in batch:
            try:
                frames.append(unpack(data))
            except ValueError as exc:
                log.warning("ignored a message on %s: %s", self.channel, exc)
        await self.deliver(frames)


@dataclass(frozen=True)
class Run:
    """Consecutive deltas of one epoch, ``first``..``last``, merged into one frame ``text``."""

    epoch: str
    first: int
    last: int
    text: str
    parts: list[Published]
    delta: Delta  # the merged change, for the cuts to scopes

    @cached_property
    def message(self) -> dict[str, Any]:
        return websocket_send(self.text)


class ScopedRun:
    """A :class:`Run` cut to a scope: the merged change's cut, and its parts' (cut when a
    board needs them one by one)."""

    def __init__(self, run: Run, within: Scope, cut: Cut) -> None:
        self.epoch, self.first, self.last = run.epoch, run.first, run.last
        frame = messages.delta(run.epoch, run.last, scope_delta(run.delta, within), run.first)
        self.text = encode(frame)
        self._run, self._within, self._cut = run, within, cut

    @cached_property
    def message(self) -> dict[str, Any]:
        return websocket_send(self.text)

    @cached_property
    def parts(self) -> list[Published]:
        return [cast(Published, self._cut.of(part, self._within)) for part in self._run.parts]


class Cut:
    """One round's frames cut to the scopes of the boards they go to, each frame once per
    scope (``realtime/scopes.py``): the first board of a scope pays for the cut and its
    encoding, the others get the same text. The whole account's boards get the frame itself."""

    def __init__(self) -> None:
        self._made: dict[tuple[int, str], Published | ScopedRun] = {}
        self._read: dict[int, dict[str, Any]] = {}  # each frame decoded once, for every scope

    def of(self, item: Published | Run, within: Scope) -> Published | Run | ScopedRun:
        if within.whole or (isinstance(item, Published) and item.kind == "heartbeat"):
            return item
        key = (id(item), within.key)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make(item, within)
        return made

    def _make(self, item: Published | Run, within: Scope) -> Published | ScopedRun:
        if isinstance(item, Run):
            return ScopedRun(item, within, self)
        frame = self._read.get(id(item))
        if frame is None:
            frame = self._read[id(item)] = orjson.loads(item.text)
        if item.kind == "snapshot":
            cut = {**frame, "state": scope_state(frame["state"], within)}
        else:
            cut = {**frame, "delta": scope_delta(frame["delta"], within)}
        return Published(item.kind, item.epoch, item.seq, orjson.dumps(cut).decode())


def coalesce(frames: list[Published]) -> list[Published | Run]:
    """``frames`` in order, each run of two or more consecutive deltas of one epoch merged."""
    out: list[Published | Run] = []
    run: list[Published] = []

    def close_run() -> None:
        if len(run) == 1:
            out.append(run[0])
        elif run:
            merged = None
            for part in run:
                merged = merge_deltas(merged, orjson.loads(part.text)["delta"])
            epoch, first, last = run[0].epoch or "", run[0].seq, run[-1].seq
            text = encode(messages.delta(epoch, last, merged or {}, from_seq=first))
            out.append(Run(epoch, first, last, text, list(run), merged or {}))
        run.clear()

    for frame in frames:
        follows = bool(run) and frame.epoch == run[-1].epoch and frame.seq == run[-1].seq + 1
        if frame.kind == "delta" and frame.epoch and (not run or follows):
            run.append(frame)
            continue
        close_run()
        if frame.kind == "delta" and frame.epoch:
            run.append(frame)
        else:
            out.append(frame)
    close_run()
    return out


class SendGuard:
    """A round's sends, each abandoned (``TimeoutError``) once it has waited SLOW_SEND_S, with
    one timer for the whole round: ``async with guard: await send()``; and the round's yields,
    which give way to snapshots for GIVE_WAY_MAX_S at most in all: ``await guard.give_way()``.

    ``asyncio.timeout`` around each send cost a timer per send, a thousand per frame at a
    thousand screens, and what those timers left behind for the garbage collector made it walk
    the whole process every few seconds (100 ms each: bench/bench_fleet.py's snapshot p99). The
    timer here is armed by a send, and when it fires it cancels the send still under way if
    that one began SLOW_SEND_S ago, else waits for the one under way. A send that does not wait
    (nearly all of them) costs a few assignments and no timer. Only the task that made the
    guard may use it."""

    def __init__(self) -> None:
        task = asyncio.current_task()
        assert task is not None, "a SendGuard belongs to a task"
        self._task = task
        self._loop = asyncio.get_running_loop()
        self._count = 0  # sends begun
        self._current = 0  # the send under way (its number), 0 between sends
        self._began = 0.0
        self._fired = 0  # the send the timer cancelled
        self._cancelling = 0  # the task's stop requests when the send under way began
        self._timer: asyncio.TimerHandle | None = None
        self._gave = 0.0  # seconds the round waited for snapshots

    async def give_way(self) -> None:
        """The round's yield (:meth:`Urgent.give_way`), within what is left of its budget."""
        self._gave += await urgent().give_way(GIVE_WAY_MAX_S - self._gave)

    async def __aenter__(self) -> None:
        self._count += 1
        self._current = self._count
        self._cancelling = self._task.cancelling()  # stop requests made before this send
        self._began = self._loop.time()
        if self._timer is None:
            self._timer = self._loop.call_at(self._began + SLOW_SEND_S, self._check)

    async def __aexit__(self, kind: type[BaseException] | None, error: Any, tb: Any) -> None:
        current, self._current = self._current, 0
        if self._fired != current:
            return
        # Ours: take our cancellation back, whatever the send made of it; a TimeoutError unless
        # the task itself is being stopped too (as asyncio.timeout does).
        if self._task.uncancel() <= self._cancelling and kind is asyncio.CancelledError:
            raise TimeoutError(f"a send still waiting after {SLOW_SEND_S} s") from None

    def _check(self) -> None:
        self._timer = None
        if not self._current:
            return  # between sends (the round yielded): the next send arms it again
        due = self._began + SLOW_SEND_S
        if self._loop.time() >= due:
            self._fired = self._current
            self._task.cancel()
        else:
            self._timer = self._loop.call_at(due, self._check)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Urgent:
    """Work a screen is waiting on, which the process's rounds of sends give way to."""

    def __init__(self) -> None:
        self.running = 0
        self._done = asyncio.Event()
        self._done.set()

    @contextlib.asynccontextmanager
    async def first(self) -> AsyncIterator[None]:
        """Run the block before the rounds of sends go on."""
        self.running += 1
        self._done.clear()
        try:
            yield
        finally:
            self.running -= 1
            if not self.running:
                self._done.set()

    async def give_way(self, at_most: float) -> float:
        """A round's yield: let the rest of the process run, and wait (``at_most`` seconds,
        what is left of the round's GIVE_WAY_MAX_S) while urgent work is under way. Returns
        the seconds it waited."""
        await asyncio.sleep(0)
        if not self.running or at_most <= 0:
            return 0.0
        began = clock()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await self._done.wait()
        return clock() - began


_urgent: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Urgent] = weakref.WeakKeyDictionary()


def urgent() -> Urgent:
    """This event loop's (this web process's) urgent work."""
    loop = asyncio.get_running_loop()
    gate = _urgent.get(loop)
    if gate is None:
        gate = _urgent[loop] = Urgent()
    return gate


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout] = weakref.WeakKeyDictionary()


def fanout(client: aioredis.Redis, prefix: str) -> Fanout:
    """This event loop's (this web process's) fan-out."""
    loop = asyncio.get_running_loop()
    hub = _fanouts.get(loop)
    if hub is None:
        hub = _fanouts[loop] = Fanout(client, prefix)
    return hub
