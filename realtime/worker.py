"""The worker: holds Voicenter's realtime socket and feeds its events through the pipeline.

Protocol (what Voicenter's official SDKs do, except the backoff of step 6, which is our own;
``docs/voicenter.md#socket`` and ``docs/voicenter.md#reconnect`` give the sources and the
differences):

1. Log in over HTTP (token, account or user), read ``Data.Socket``.
2. Open ``URLList[i]`` with ``?token=``: Engine.IO 3, websocket only, python-socketio 4.x
   ``AsyncClient`` with its own reconnection off (adapted: :mod:`realtime.voicenter.socket`),
   connect wrapped in a 10 s timeout. No login emit on the socket. Exactly one socket at a
   time: the old one is torn down before the next.
3. Every event goes on one in-process queue (:class:`realtime.voicenter.socket.Inbox`) and is
   applied, in arrival order, by one loop, in batches of at most ``MAX_BATCH``; the socket is
   not read while that queue holds ``INBOX_HIGH_WATER`` events (back-pressure).
4. Each (re)connect rebuilds the state from scratch: the fresh ``loginStatus`` and
   ``AllExtensionsStatus`` (and what arrives with them) replace the stored state at once under a
   new epoch; until then the old state stands. Late snapshots, and any ``*Updated`` event, are
   answered with ``resync`` ``{"cache": false}``.
5. Keep-alive: ``keepalive`` with the token after ``keepalive_s`` without events; no event for
   ``dead_after_s`` means the connection is dead. A ``keepaliveResponse`` with a non-zero
   ``errorCode`` means reconnect (with a fresh login).
6. Reconnect with exponential backoff (:func:`backoff_delay`: ``reconnect_min_s`` doubling to
   ``reconnect_max_s``, jitter above, never below the minimum), counted from the first failed
   attempt after one that got its snapshots, moving to the next ``URLList`` entry on each
   failure and back to the primary after ``primary_retry_s`` on a secondary. Refresh the token
   shortly before ``TokenExpiry``; log in again when the socket or the refresh is refused.
   How a session ended (:data:`SessionOutcome`) decides which of these comes next.

Redis is not Voicenter. The worker waits for Redis before it first connects to Voicenter; once
connected, Redis going away (stopped, restarting, unreachable: ``realtime.store.UNAVAILABLE``)
does not end the Voicenter connection: events keep being applied in memory, and every
``FLUSH_EVERY_S`` the worker tries Redis again (its commits and health). Once Redis answers,
what was applied meanwhile is committed (under a new epoch if Redis lost its data) and the
worker asks Voicenter for fresh snapshots (``resync``), so nothing missed stays wrong.

Events for extensions Voicenter did not list (``realtime.projections.board``) that keep
coming make the worker ask for fresh snapshots too, at most once per
``UNMONITORED_RESYNC_EVERY_S``.

About once a second (and at once when the link changes) the worker flushes
(:meth:`VoicenterWorker._flush_health_and_stats`): it writes its health to ``P health`` in
Redis, adds the pipeline's counters to ``P stats``, asks the pipeline to verify its stored
data, and, when the link (running / connected / syncing) changed, tells the boards through
``on_link``.

One worker is active, any number wait on standby (:class:`Standby`, the lease and its rules:
:mod:`realtime.lease`). Only the holder of the lease runs a :class:`VoicenterWorker`; it renews
the lease every ``RENEW_EVERY_S`` and every one of its writes is fenced by it. A worker that
finds its lease gone to another (a renewal answered so, or a write refused with
:class:`realtime.lease.LeaseLost`: it was paused, or cut off from Redis, past the lease's
expiry) steps down at once: it closes its socket, drops what it held in memory, writes nothing
more, and waits as a standby again. Redis merely away is not a lost lease: the holder keeps its
socket and retries, as above, and re-takes its lease first when Redis comes back empty.

Health (JSON values): ``running``, ``connected``, ``syncing`` (connected, snapshots not yet
in), ``server``, ``connected_since``, ``last_event_at`` (UTC epoch seconds), ``events_per_s``
(last 10 s), ``reconnects``, ``login_errors``, ``last_error``, ``pid``, ``worker_id`` (the
lease's holder), ``updated_at``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

import httpx
import socketio

from realtime.events import ConfigChanged, Event, KeepaliveAnswer
from realtime.fallback import DOWN_BEFORE_POLL_S, POLL_EVERY_S, agent_events, queue_events
from realtime.lease import RETRY_S, Lease, LeaseLost
from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.store import UNAVAILABLE, StateStore
from realtime.telemetry import REDIS_RTT
from realtime.voicenter.client import VoicenterClient
from realtime.voicenter.login import LoginRefused, SocketGrant
from realtime.voicenter.rest import ActiveRefused
from realtime.voicenter.socket import (
    CatchAll,
    Disconnected,
    Inbox,
    PacketJson,
    SocketClient,
    close,
    http_status,
)
from realtime.voicenter.wire import server_clock

log = logging.getLogger("realtime.worker")


#: Refresh this long before TokenExpiry (the SDKs use 5 s).
REFRESH_AHEAD_S = 5.0
#: Seconds between two flushes (health, counters, verify): boards judge the
#: worker's liveness from ``updated_at``, so this bounds how stale that can look.
FLUSH_EVERY_S = 1.0
#: At most this many waiting events are committed as one batch (one Redis round trip, one
#: publish); under load a batch is a few milliseconds of Voicenter's traffic.
MAX_BATCH = 500
RATE_WINDOW_S = 10.0
#: At most one resync a projection asks for (events for unlisted extensions) per this long.
UNMONITORED_RESYNC_EVERY_S = 300.0
#: Before the first connection, Redis is tried this often until it answers.
STORE_RETRY_S = 1.0
#: A Redis round trip (a commit, a flush) still unanswered after this long counts as Redis
#: being away (a hung server must not stall the worker: its socket, keep-alives, events).
REDIS_TIMEOUT_S = 5.0
#: The socket stops being read while this many events wait to be applied (4 batches:
#: realtime.voicenter.socket.Inbox).
INBOX_HIGH_WATER = 4 * MAX_BATCH

#: How one attempt at a session with Voicenter ended (:meth:`VoicenterWorker._attempt`); it says
#: what the outer loop (:meth:`VoicenterWorker.run`) does next.
#:
#: - after the backoff, on the next server of the list: ``failed`` (the login refused or out of
#:   reach, a keep-alive refused, an error of ours), ``unreachable`` (the socket did not open),
#:   ``lost`` (Voicenter closed the socket), ``dead`` (no event for ``dead_after_s``);
#: - after the backoff, with a fresh login: ``refused`` (the socket refused the token, HTTP 401
#:   or 403, or no server of the list opened; :meth:`VoicenterWorker._attempt` reports it as
#:   ``failed``, having dropped the token);
#: - at once: ``refresh`` (the token is about to expire: refreshed first), ``primary``
#:   (``primary_retry_s`` on a secondary server: back to the first);
#: - ``stopped``: the worker was stopped.
SessionOutcome = Literal[
    "failed", "unreachable", "lost", "dead", "refused", "refresh", "primary", "stopped"
]


@dataclass(frozen=True)
class WorkerConfig:
    login_type: str
    credentials: Mapping[str, str]
    login_url: str
    refresh_url: str
    keepalive_s: float = 60.0  # the SDKs' keep-alive period
    dead_after_s: float = 120.0  # the SDKs treat 2 minutes of silence as a dead connection
    reconnect_min_s: float = 5.0
    reconnect_max_s: float = 120.0
    primary_retry_s: float = 360.0  # the .NET SDK returns to the primary after ~6 minutes
    connect_timeout_s: float = 10.0  # the SDKs' connect timeout
    snapshot_timeout_s: float = 10.0
    http_timeout_s: float = 15.0
    # the Active calls API while the socket is down (realtime/fallback.py); the worker's
    # client must have the API code and the Comet host for it
    fallback_after_s: float = DOWN_BEFORE_POLL_S
    fallback_every_s: float = POLL_EVERY_S


@dataclass
class Health:
    running: bool = False  # the worker is running (false once it has stopped cleanly)
    connected: bool = False
    syncing: bool = False
    server: str = ""
    connected_since: float | None = None
    last_event_at: float | None = None
    reconnects: int = 0
    login_errors: int = 0
    last_error: str = ""
    worker_id: str = ""
    # where the board's data come from while the socket is down (realtime/fallback.py)
    source: str = ""  # "socket", "api" (the Active calls API answers), "" (neither)
    api_at: float | None = None  # the last time both Active calls APIs answered
    api_failing: bool = False  # the last poll got no usable answer
    _arrivals: deque[tuple[float, int]] = field(default_factory=deque)  # (when, how many)

    def on_events(self, now: float, count: int) -> None:
        self.last_event_at = now
        self._arrivals.append((now, count))

    def events_per_s(self, now: float) -> float:
        while self._arrivals and self._arrivals[0][0] < now - RATE_WINDOW_S:
            self._arrivals.popleft()
        return round(sum(count for _, count in self._arrivals) / RATE_WINDOW_S, 2)

    def as_mapping(self, now: float) -> dict[str, object]:
        return {
            "running": self.running,
            "connected": self.connected,
            "syncing": self.syncing,
            "server": self.server,
            "connected_since": self.connected_since,
            "last_event_at": self.last_event_at,
            "events_per_s": self.events_per_s(now),
            "reconnects": self.reconnects,
            "login_errors": self.login_errors,
            "last_error": self.last_error,
            "pid": os.getpid(),
            "worker_id": self.worker_id,
            "source": "socket" if self.connected else self.source,
            "api_at": self.api_at,
            "api_failing": self.api_failing,
            "updated_at": now,
        }


def backoff_delay(attempt: int, low: float, high: float, rng: random.Random) -> float:
    """The wait before reconnect attempt ``attempt`` (0: the first after a failure): ``low``
    doubling each attempt up to ``high``, with up to half of it again as jitter, never below
    that base and never above ``high`` (as Voicenter's SDK: jitter above, not below)."""
    base = min(high, low * (2 ** min(attempt, 30)))
    return rng.uniform(base, min(high, base * 1.5)) if base < high else high


#: Told the worker's health when its link to Voicenter changes (the boards' publisher).
LinkListener = Callable[[Mapping[str, object]], Awaitable[None]]


class VoicenterWorker:
    def __init__(
        self,
        config: WorkerConfig,
        pipeline: Pipeline,
        store: StateStore,
        *,
        client: VoicenterClient | None = None,
        on_link: LinkListener | None = None,
        rng: random.Random | None = None,
        lease: Lease | None = None,
        rest: VoicenterClient | None = None,
    ) -> None:
        """``lease``: the lease this worker holds (:class:`Standby` gives it); without one it
        renews nothing and writes unfenced (tests, benchmarks). ``rest``: a client with the API
        code and the Comet host, for the live calls while the socket is down
        (``realtime/fallback.py``; ``client``, if it has them, else none)."""
        self.config = config
        self.pipeline = pipeline
        self.store = store
        self.client = client or VoicenterClient(
            login_url=config.login_url,
            refresh_url=config.refresh_url,
            timeout_s=config.http_timeout_s,
        )
        self.rest = rest or self.client
        self.on_link = on_link
        self.rng = rng or random.Random()
        self.health = Health(worker_id=lease.id if lease else "")
        self.lease = lease
        self.lease_lost = False  # stepped down: another worker holds the lease
        self.grant: SocketGrant | None = None
        self.url_index = 0
        self.sessions = 0  # sockets opened (tests watch this)
        self.delays: deque[float] = deque(maxlen=50)  # the last reconnect delays (likewise)
        self.last_synced = False  # did the last socket get its snapshots?
        self._socket_failures = 0  # sockets that failed to open since the last one that did
        self._stop = asyncio.Event()
        self._last_flush = 0.0
        self._last_link: tuple[bool, ...] | None = None  # (running, connected, syncing) told
        self._unsent_stats: Counter[str] = Counter()
        self.store_down_since: float | None = None  # monotonic; None while Redis answers
        self._store_recovered = False  # Redis came back: commit, then ask for fresh snapshots
        self._last_wished_resync = -UNMONITORED_RESYNC_EVERY_S
        # monotonic; None while a socket is up, its snapshots in (the Active calls API is asked
        # once none has been for fallback_after_s: realtime/fallback.py). A socket that opens
        # and closes before its snapshots does not count as up.
        self.socket_down_since: float | None = time.monotonic()
        self.polls = 0  # times the Active calls API was asked (tests watch this)

    def stop(self) -> None:
        self._stop.set()

    def _step_down(self, why: str) -> None:
        """The lease is another's: stop at once, writing nothing more."""
        if not self.lease_lost:
            log.warning("stepping down: %s", why)
        self.lease_lost = True
        self._stop.set()

    async def _keep_lease(self, lease: Lease) -> None:
        """Renew the lease every ``renew_every_s`` (RENEW_EVERY_S; RETRY_S while Redis does not
        answer), with this worker's presence row; step down the moment it is another's."""
        while not self._stop.is_set():
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_S):
                    began = time.perf_counter()
                    held = await lease.renew()  # (one round trip: realtime/telemetry.py)
                    self.pipeline.telemetry.observe(REDIS_RTT, time.perf_counter() - began)
                    await lease.write_presence()
            except UNAVAILABLE:
                await asyncio.sleep(RETRY_S)
                continue
            except Exception:  # a bug: logged; the fenced writes still guard the data
                log.exception("the lease's renewal failed")
                held = True
            if not held:
                self._step_down("another worker took the lease")
                return
            await asyncio.sleep(lease.renew_every_s)

    def _unreadable(self, problem: str) -> None:
        log.warning("an unreadable message from Voicenter (%s); skipped", problem)
        self._unsent_stats.update(("rejected_total", "rejected:unreadable"))

    # --- the outer loop -----------------------------------------------------------------

    async def run(self) -> None:
        attempt = 0
        self.health.running = True
        # health every second whatever the worker is doing (logging in, backing off): boards
        # take a worker that has not written it for WORKER_SILENT_S as not running
        beating = asyncio.create_task(self._write_health_every_second())
        renewing = asyncio.create_task(self._keep_lease(self.lease)) if self.lease else None
        polling = (
            asyncio.create_task(self._poll_while_down()) if self.rest.asks_active_calls else None
        )
        try:
            if not await self._wait_for_store():
                return
            try:  # named callers from the first snapshot on
                await self._refresh_contacts()
            except Exception:  # Redis away: the flushes retry it
                log.warning("contact directory not loaded yet", exc_info=True)
            while not self._stop.is_set():
                self.last_synced = False
                outcome: SessionOutcome
                try:
                    outcome = await self._attempt()
                except LeaseLost:
                    self._step_down("a write was refused: another worker holds the lease")
                    break
                except Exception as exc:  # e.g. Redis unreachable: log, back off, go on
                    log.exception("the realtime connection failed")
                    self.health.last_error = f"internal error: {exc!r}"
                    outcome = "failed"
                if self._stop.is_set():
                    break
                if self.last_synced:
                    attempt = 0  # this connection worked: back off from the start again
                if outcome in ("refresh", "primary"):
                    continue  # planned: straight back, no backoff
                delay = backoff_delay(
                    attempt, self.config.reconnect_min_s, self.config.reconnect_max_s, self.rng
                )
                attempt += 1
                self.delays.append(delay)
                self.health.reconnects += 1
                log.info("reconnecting in %.1f s", delay)
                await self._flush_health_and_stats(force=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)
        finally:
            beating.cancel()
            for task in (renewing, polling):
                if task is not None:
                    task.cancel()
            self.health.running = self.health.connected = self.health.syncing = False
            if not self.lease_lost:  # (a stepped-down worker's writes are refused anyway)
                with contextlib.suppress(Exception):
                    await self._flush_health_and_stats(force=True)

    async def _write_health_every_second(self) -> None:
        """The health, when no flush has written it in the last second (a held socket
        flushes every second: then this writes nothing)."""
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            if time.time() - self._last_flush < FLUSH_EVERY_S:
                continue
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_S):
                    await self.store.write_health(self.health.as_mapping(time.time()))
            except LeaseLost:
                self._step_down("its health was refused: another worker holds the lease")
            except Exception:  # Redis away: noted by the flushes, which retry it too
                log.debug("cannot write the health", exc_info=True)

    async def _wait_for_store(self) -> bool:
        """Load the pipeline from Redis, retrying every STORE_RETRY_S while Redis is away
        (no point holding Voicenter's socket with nowhere to put its events). False if
        stopped first."""
        while not self._stop.is_set():
            try:
                await self.pipeline.load()
            except LeaseLost:
                self._step_down("its first write was refused: another worker holds the lease")
                return False
            except UNAVAILABLE as exc:
                self._store_failed(exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), STORE_RETRY_S)
                continue
            self._store_answered()
            return True
        return False

    def _store_failed(self, exc: BaseException) -> None:
        if self.store_down_since is None:
            self.store_down_since = time.monotonic()
            log.error("Redis is unavailable (%s); retrying every %.0f s", exc, FLUSH_EVERY_S)
        self.health.last_error = f"Redis is unavailable: {exc!r}"

    def _store_answered(self) -> None:
        if self.store_down_since is not None:
            log.warning("Redis is back after %.0f s", time.monotonic() - self.store_down_since)
            self.store_down_since = None
            self._store_recovered = True

    async def _attempt(self) -> SessionOutcome:
        """Log in if needed, hold one socket until it ends; say how it ended."""
        try:
            if self.grant is None or self._token_expired():
                self.grant = await self._login()
        except LoginRefused as exc:
            self.health.login_errors += 1
            self._error(f"Voicenter refused the login: {exc}")
            return "failed"
        except httpx.HTTPError as exc:
            self._error(f"cannot reach Voicenter's login server: {exc!r}")
            return "failed"
        grant = self.grant
        url = grant.urls[self.url_index % len(grant.urls)]
        outcome = await self._session(grant, url)
        if outcome == "unreachable":
            self._socket_failures += 1
            if self._socket_failures >= len(grant.urls):
                outcome = "refused"  # no server took the token: perhaps it is the token
        if outcome == "refused":
            self.grant = None  # the socket refused the token: log in again
            self._socket_failures = 0
            outcome = "failed"
        if outcome in ("failed", "unreachable", "dead", "lost"):
            self.url_index = (self.url_index + 1) % len(grant.urls)
        elif outcome == "primary":
            self.url_index = 0
        elif outcome == "refresh":
            await self._refresh()
        return outcome

    def _error(self, message: str) -> None:
        log.error(message)
        self.health.last_error = message

    def _token_expired(self) -> bool:
        expiry = self.grant.token_expiry if self.grant else None
        return expiry is not None and time.time() >= expiry - REFRESH_AHEAD_S

    # --- HTTP login and refresh ---------------------------------------------------------

    async def _login(self) -> SocketGrant:
        grant = await self.client.login(self.config.login_type, self.config.credentials)
        log.info(
            "logged in to Voicenter (%s); monitor servers: %s",
            self.config.login_type,
            ", ".join(grant.urls),
        )
        self.url_index = 0
        return grant

    async def _refresh(self) -> None:
        grant = self.grant
        if grant is None or not grant.refresh_token:
            self.grant = None
            return
        try:
            self.grant = await self.client.refresh(grant.refresh_token)
            log.info("refreshed the Voicenter token")
        except (LoginRefused, httpx.HTTPError) as exc:
            log.warning("token refresh failed (%s); logging in again", exc)
            self.grant = None

    # --- one socket ---------------------------------------------------------------------

    async def _session(self, grant: SocketGrant, url: str) -> SessionOutcome:
        queue = Inbox(INBOX_HIGH_WATER)
        client = SocketClient(self._unreadable, reconnection=False, json=PacketJson)
        client.register_namespace(CatchAll(queue))
        sep = "&" if urlsplit(url).query else "?"
        self.sessions += 1
        try:
            await asyncio.wait_for(
                client.connect(f"{url}{sep}token={grant.token}", transports=["websocket"]),
                self.config.connect_timeout_s,
            )
        except (TimeoutError, socketio.exceptions.ConnectionError, OSError) as exc:
            await close(client)
            self._error(f"cannot open the socket at {url}: {exc or type(exc).__name__}")
            return "refused" if http_status(exc) in (401, 403) else "unreachable"
        log.info("connected to %s", url)
        self._socket_failures = 0
        self.health.connected, self.health.syncing = True, True
        self.health.server = urlsplit(url).netloc
        self.health.connected_since = time.time()
        self._store_recovered = False  # a fresh connection brings fresh snapshots anyway
        self.pipeline.begin_rebuild()
        self.last_synced = False
        try:
            return await self._consume(client, queue, grant)
        finally:
            # First: a reader waiting for room reads on and sees the socket closing (cancelling
            # it would not do: python-engineio swallows a handler's cancellation)
            queue.close()
            await close(client)
            if self.pipeline.rebuilding:  # closed before its snapshots: the stored state stands
                self.pipeline.abandon_rebuild()
            if self.socket_down_since is None:  # it was up: down from now, no live data yet
                self.socket_down_since = time.monotonic()
                self.health.source = ""
            # (else down since it last was: the API's answers, if any, stay the data's source)
            self.health.connected = self.health.syncing = False
            await self._flush_health_and_stats(force=True)

    async def _consume(
        self, client: socketio.AsyncClient, queue: Inbox, grant: SocketGrant
    ) -> SessionOutcome:
        cfg = self.config
        opened = last_event = last_resync = time.monotonic()
        keepalive_sent = synced = False
        while not self._stop.is_set():
            try:
                item = await asyncio.wait_for(queue.get(), FLUSH_EVERY_S)
            except TimeoutError:
                item = None
            now = time.monotonic()
            batch, closed = _take_batch(item, queue)
            if batch:
                last_event, keepalive_sent = now, False
                self.health.on_events(time.time(), len(batch))
                typed = await self.pipeline.apply_many(batch)
                if self.store_down_since is None:  # else the flush below tries Redis
                    began = time.perf_counter()
                    await self._commit()
                    if self.store_down_since is None:  # committed (realtime/telemetry.py)
                        took = time.perf_counter() - began
                        self.pipeline.telemetry.batch(len(batch), typed, took, time.time())
                for event in typed:
                    if isinstance(event, ConfigChanged):
                        await client.emit("resync", {"cache": False})
                    elif isinstance(event, KeepaliveAnswer) and not event.ok:
                        self._error(f"keep-alive refused ({event.error_code} {event.error_desc})")
                        self.grant = None
                        return "failed"
            if closed:
                self._error("Voicenter closed the socket")
                return "lost"
            if (
                now - self._last_wished_resync > UNMONITORED_RESYNC_EVERY_S
                and self.pipeline.wants_resync()
            ):
                log.warning("events for extensions Voicenter did not list; asking for a resync")
                await client.emit("resync", {"cache": False})
                self._last_wished_resync = now
            if self.pipeline.rebuilding:
                if now - last_resync > cfg.snapshot_timeout_s:
                    log.warning("snapshots are late; asking for a resync")
                    await client.emit("resync", {"cache": False})
                    last_resync = now
            elif not synced:
                synced, self.health.syncing = True, False
                self.socket_down_since = None  # (any poll under way is dropped: snapshots win)
                self._last_flush = 0.0  # publish (and tell the boards) right away
                self.last_synced = True
                log.info("state rebuilt from fresh snapshots")
            if now - last_event > cfg.dead_after_s:
                self._error(f"no event for {cfg.dead_after_s:.0f} s: the connection is dead")
                return "dead"
            if now - last_event > cfg.keepalive_s and not keepalive_sent:
                await client.emit("keepalive", grant.token)
                keepalive_sent = True
            if self._token_expired():
                return "refresh"
            if self.url_index != 0 and now - opened > cfg.primary_retry_s:
                log.info("back to the primary monitor server")
                return "primary"
            await self._flush_health_and_stats()
            if self._store_recovered:
                self._store_recovered = False
                log.info("asking Voicenter for fresh snapshots after the Redis outage")
                await client.emit("resync", {"cache": False})
        return "stopped"

    # --- the Active calls API while the socket is down (realtime/fallback.py) ---------------

    async def _poll_while_down(self) -> None:
        """Ask the Active calls API every ``fallback_every_s`` once the socket has been down for
        ``fallback_after_s``; never while it is open."""
        cfg = self.config
        last = -cfg.fallback_every_s
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), min(1.0, cfg.fallback_every_s))
            down, now = self.socket_down_since, time.monotonic()
            if self._stop.is_set() or down is None or now - down < cfg.fallback_after_s:
                continue
            if now - last < cfg.fallback_every_s or self.store_down_since is not None:
                continue
            if self.pipeline.rebuilding:
                continue  # a socket is open and its snapshots are coming: they will win

            last = now
            try:
                await self._poll_once(down)
            except LeaseLost:
                self._step_down("a write was refused: another worker holds the lease")
            except Exception:  # a bug: logged; the next interval tries again
                log.exception("the live calls from the Active calls API failed")

    async def _poll_once(self, down: float) -> None:
        """Both APIs at once (one request each); their answers to the board, unless a socket
        opened meanwhile."""
        self.polls += 1
        queues, extensions = await asyncio.gather(
            self.rest.queues_callers(), self.rest.extensions_calls()
        )
        board = next((p for p in self.pipeline.projections if isinstance(p, BoardState)), None)
        if self.socket_down_since != down or self._stop.is_set():
            return  # the socket is back: its fresh snapshots win
        if board is None or board.rebuilding or board.epoch is None:
            return  # (a socket opened meanwhile and its snapshots are coming)
        at = time.time()
        refused = [a for a in (queues, extensions) if isinstance(a, ActiveRefused)]
        for answer in refused:
            log.warning("the Active calls API gave no usable answer: %s", answer.code)
            self._unsent_stats[f"polled_refused:{answer.code}"] += 1
        to_utc = server_clock(self.pipeline.offset_min, self.pipeline.tz)
        events: list[Event] = []
        if not isinstance(queues, ActiveRefused):
            events += queue_events(queues, board.state["queues"], to_utc, at)
        if not isinstance(extensions, ActiveRefused):
            events += agent_events(extensions, board.state["agents"], to_utc, at)
        if events:
            await self.pipeline.apply_polled("active_calls", events)
            await self._commit()
        health = self.health
        health.api_failing = bool(refused)
        health.source = "" if refused else "api"  # (a failed answer: no live calls now)
        if not refused:
            health.api_at = at
        self._last_flush = 0.0  # the boards hear of it at the next flush

    async def _commit(self) -> None:
        """Commit what the pipeline applied; Redis away is noted, not raised: the events stay
        applied in memory and pending, for the next commit."""
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_S):
                await self.pipeline.commit()
        except LeaseLost:
            self._step_down("a commit was refused: another worker holds the lease")
        except UNAVAILABLE as exc:
            self._store_failed(exc)

    async def _refresh_contacts(self) -> None:
        """Our contacts' names (``realtime.contacts``), reloaded when the web side changed them."""
        contacts = self.pipeline.contacts
        version, names = await self.store.contact_names(contacts.version)
        if names is not None:
            contacts.load(names, version)
            log.info("contact directory loaded: %d numbers", len(names))

    async def _flush_health_and_stats(self, force: bool = False) -> None:
        """Health and counters to Redis, what is pending committed, the stored data verified,
        the boards told of a link change; at most once per ``FLUSH_EVERY_S`` unless ``force``.
        With Redis away this is the retry: it notes the failure and returns."""
        now = time.time()
        if not force and now - self._last_flush < FLUSH_EVERY_S:
            return
        self._last_flush = now
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_S):
                await self._flush(now)
        except LeaseLost:
            self._step_down("a flush was refused: another worker holds the lease")
        except UNAVAILABLE as exc:
            self._store_failed(exc)
        except Exception:  # not Redis being away: a bug; logged, and the worker goes on
            log.exception("the flush of health, counters and state failed")
        else:
            self._store_answered()

    async def _flush(self, now: float) -> None:
        health = self.health.as_mapping(now)
        await self.store.write_health(health)
        if self.store_down_since is not None:
            await self.pipeline.commit()  # what was applied while Redis was away
        self._unsent_stats.update(self.pipeline.take_stats())
        await self.store.add_stats(self._unsent_stats)
        self._unsent_stats.clear()  # (kept while Redis is away, added once it is back)
        await self.pipeline.verify()
        await self._refresh_contacts()
        link = (self.health.running, self.health.connected, self.health.syncing)
        if link != self._last_link:
            self._last_link = link
            if self.on_link is not None:
                try:
                    await self.on_link(health)
                except Exception:  # boards notice by their own heartbeat within seconds
                    log.exception("could not tell the boards of the link change")


#: Makes the active worker, its writes fenced by the lease it is given (the command's wiring).
WorkerFactory = Callable[[Lease], Awaitable[VoicenterWorker]]
#: Called with a worker that has stopped, to close what it holds (its Redis and HTTP clients).
WorkerCloser = Callable[[VoicenterWorker], Awaitable[None]]


class Standby:
    """One worker process: waits on standby until it takes the lease, then runs the active
    worker until it stops (SIGTERM: the lease is released) or steps down (the lease is
    another's: back to waiting, with a fresh worker the next time). The rules:
    :mod:`realtime.lease`."""

    def __init__(self, lease: Lease, make: WorkerFactory, close: WorkerCloser) -> None:
        self.lease = lease
        self.make = make
        self.close = close
        self.worker: VoicenterWorker | None = None
        self.terms = 0  # times this process became the active worker (tests watch it)
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()
        if self.worker is not None:
            self.worker.stop()

    async def run(self) -> None:
        try:
            while not self._stop.is_set():
                if not await self._wait_for_lease():
                    break
                self.terms += 1
                log.warning("worker %s is now the active worker", self.lease.id)
                worker = self.worker = await self.make(self.lease)
                if self._stop.is_set():
                    worker.stop()
                try:
                    await worker.run()
                finally:
                    self.worker = None
                    await self.close(worker)
                if not worker.lease_lost:
                    break  # stopped
                self.lease.stood_down()
                log.warning("worker %s is on standby again", self.lease.id)
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(REDIS_TIMEOUT_S):
                    if self.lease.role == "active":
                        await self.lease.release()
                    await self.lease.forget_presence()

    async def _wait_for_lease(self) -> bool:
        """Try every ``poll_s`` (STANDBY_POLL_S), writing this worker's presence; False if
        stopped first."""
        announced = redis_down = False
        while not self._stop.is_set():
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_S):
                    if await self.lease.try_take():
                        return True
                    await self.lease.write_presence()
                redis_down = False
                if not announced and not self.lease.seen_free:
                    log.warning("worker %s is on standby: another holds the lease", self.lease.id)
                    announced = True
            except UNAVAILABLE as exc:
                if not redis_down:
                    log.error(
                        "Redis is unavailable (%s); retrying every %.0f s", exc, self.lease.poll_s
                    )
                redis_down = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.lease.poll_s)
        return False


def _take_batch(
    first: tuple[str, object] | Disconnected | None, queue: Inbox
) -> tuple[list[tuple[str, object]], bool]:
    """``first`` and every event already waiting behind it, up to MAX_BATCH: the events to feed
    as one batch, and whether the socket closed after them. Nothing waits for more to come, so
    a lone event goes through at once."""
    batch: list[tuple[str, object]] = []
    item = first
    while item is not None:
        if isinstance(item, Disconnected):
            return batch, True
        batch.append(item)
        if len(batch) >= MAX_BATCH or queue.empty():
            break
        item = queue.get_nowait()
    return batch, False
