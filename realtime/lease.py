"""One active worker, any number on standby: the lease, and every write fenced by it.

Keys (``P`` is the configured prefix):

=====================  ====================================================================
``P worker:lease``     string: the id of the worker that holds the lease (``host:pid:random``),
                       with an expiry of ``LEASE_TTL_S``; set only if absent (``SET NX PX``),
                       renewed by its holder every ``RENEW_EVERY_S``
``P workers``          hash: worker id -> that worker's presence (JSON: ``role`` active or
                       standby, ``host``, ``pid``, ``since`` when it took that role,
                       ``seen_at``), written by each worker for itself every second; rows not
                       seen for ``PRESENCE_STALE_S`` are dropped by whoever reads or writes it
=====================  ====================================================================

The rules:

- Only the holder connects to Voicenter and writes the board's state, the day's numbers, its
  health and its counters. A worker without the lease waits, writing only its own presence row.
- **Every write is fenced**: each store's write (``realtime/store.py``, ``realtime/daystore.py``)
  is one Lua script that first checks that ``P worker:lease`` still names the writer, in the
  same atomic step as the write; a writer that lost its lease (paused past its expiry, cut off
  from Redis while a standby took over) gets :class:`LeaseLost` and nothing is written. The
  worker then steps down (``realtime/worker.py``): it drops its socket and what it held in
  memory, and waits as a standby. A fence with no holder (``""``) writes unconditionally: the
  ``replay`` command and the tests, which hold no lease (the ingest benchmark takes one).
- **Not fenced, and why**: the contact directory and the queues' rules in Redis are the web's
  data, which every web process publishes on a save and the active worker re-publishes when
  Redis lost them (the same content from the database, whoever writes it); the reports
  keeper's writes go to the database, where a Redis lease cannot fence them: it runs only
  while its worker is active, and what it writes are idempotent copies (an agent's day, an
  hour's roll-up), so a late pass by a worker that just lost its lease writes what the next
  active one would.
- **Take-over**: a standby tries every ``STANDBY_POLL_S``, and takes the lease once it has seen
  it absent on two tries in a row (a process's first try takes an absent lease at once; a
  holder whose Redis just came back, retrying every ``RETRY_S``, keeps its lease ahead of the
  standbys); the holder's renewal re-takes the lease
  if it is absent (Redis restarted empty) and nobody else took it. So after ``kill -9`` of the
  holder its lease expires within ``LEASE_TTL_S`` of its last renewal and a standby holds it
  at most ``2 * STANDBY_POLL_S`` later: with its login and snapshots, the boards are live again
  within 15 s, under one new epoch (one resync).
- A stopped holder (SIGTERM) releases the lease (only if still its own): a standby takes over
  within two polls.

This module does I/O (Redis); the decisions it takes are in the scripts below and in
:func:`presence_rows`.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from realtime.keys import Keys

#: The lease expires this long after its last renewal.
LEASE_TTL_S = 8.0
#: The holder renews this often (a renewal that fails is retried every RETRY_S).
RENEW_EVERY_S = 2.0
RETRY_S = 0.25
#: A standby tries to take the lease this often.
STANDBY_POLL_S = 1.0
#: A presence row not written for this long is a worker gone.
PRESENCE_STALE_S = 30.0

Role = Literal["active", "standby"]


class LeaseLost(Exception):
    """The writer no longer holds the lease: nothing was written."""


#: The answer of a fenced script whose writer does not hold the lease.
FENCE_REFUSED = -2

# KEYS[1] the lease; ARGV[1] the id, ARGV[2] the expiry (ms). 1: renewed, 2: re-taken (it was
# absent), 0: someone else holds it.
_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# A batch of writes, fenced. KEYS[1] the lease, KEYS[2..] the keys written. ARGV[1] the writer
# ('': unfenced), then each command: its name, the index of its key in KEYS, n, n arguments.
_FENCED = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -2
end
local i = 2
while i <= #ARGV do
  local name, k, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  i = i + 3
  if n > 0 then
    redis.call(name, KEYS[k], unpack(ARGV, i, i + n - 1))
  else
    redis.call(name, KEYS[k])
  end
  i = i + n
end
return 1
"""

#: Fields per HSET / HDEL of a fenced batch (Lua's unpack() has a bounded stack).
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Fence:
    """Who writes: the lease's key and the writer's id (``""``: unfenced)."""

    key: str
    holder: str = ""


class FencedWrites:
    """Writes collected, then run as one fenced script (:meth:`execute`): all or none, and none
    if the writer lost the lease. The commands the stores need, nothing more."""

    def __init__(self, fence: Fence) -> None:
        self.fence = fence
        self._keys: dict[str, int] = {fence.key: 1}
        self._args: list[str | bytes | int] = [fence.holder]

    def __bool__(self) -> bool:
        return len(self._args) > 1

    def _add(self, name: str, key: str, args: Sequence[str | bytes | int]) -> None:
        index = self._keys.setdefault(key, len(self._keys) + 1)
        self._args += [name, index, len(args), *args]

    def hset(self, key: str, mapping: Mapping[str, str | bytes | int]) -> None:
        items = list(mapping.items())
        for start in range(0, len(items), CHUNK):
            self._add("HSET", key, [x for pair in items[start : start + CHUNK] for x in pair])

    def hdel(self, key: str, fields: Sequence[str]) -> None:
        for start in range(0, len(fields), CHUNK):
            self._add("HDEL", key, fields[start : start + CHUNK])

    def hincrby(self, key: str, field: str, amount: int) -> None:
        self._add("HINCRBY", key, [field, amount])

    def expire(self, key: str, seconds: int) -> None:
        self._add("EXPIRE", key, [seconds])

    def incr(self, key: str) -> None:
        self._add("INCR", key, [])

    def delete(self, key: str) -> None:
        self._add("DEL", key, [])

    async def execute(self, script: AsyncScript) -> None:
        """Run them with :func:`fenced_script`'s script; :class:`LeaseLost` if the writer does
        not hold the lease."""
        if not self:
            return
        answer = await script(keys=list(self._keys), args=self._args)
        if answer == FENCE_REFUSED:
            raise LeaseLost(self.fence.holder)


def fenced_script(client: aioredis.Redis) -> AsyncScript:
    """The script :meth:`FencedWrites.execute` runs, registered once per client."""
    return client.register_script(_FENCED)


def new_worker_id() -> str:
    """Unique per process and start: containers may share a pid (1), not a host name."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Lease:
    """This worker's side of the lease (see the module's rules)."""

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str,
        worker_id: str | None = None,
        *,
        ttl_s: float = LEASE_TTL_S,
    ) -> None:
        """``ttl_s``: the lease's expiry; the holder renews at a quarter of it, a standby tries
        at an eighth (``RENEW_EVERY_S``, ``STANDBY_POLL_S`` for the default)."""
        self.redis = client
        names = Keys(prefix)
        self.key = names.worker_lease
        self.presence_key = names.workers
        self.id = worker_id or new_worker_id()
        self.ttl_ms = int(ttl_s * 1000)
        self.renew_every_s = ttl_s * RENEW_EVERY_S / LEASE_TTL_S
        self.poll_s = ttl_s * STANDBY_POLL_S / LEASE_TTL_S
        self.role: Role = "standby"
        self.since = time.time()  # when it took its role
        self.seen_free = False  # the last try found the lease absent
        self._tried = False  # a first try takes an absent lease at once (nobody to wait for)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    async def try_take(self) -> bool:
        """A standby's try (every ``STANDBY_POLL_S``): True once it holds the lease, taken
        after seeing it absent twice in a row (at once on the process's first try)."""
        first, self._tried = not self._tried, True
        holder = await self.redis.get(self.key)
        if holder is not None:
            self.seen_free = False
            return _text(holder) == self.id and self._became("active")
        if not self.seen_free and not first:
            self.seen_free = True
            return False
        taken = await self.redis.set(self.key, self.id, nx=True, px=self.ttl_ms)
        self.seen_free = False
        return bool(taken) and self._became("active")

    def _became(self, role: Role) -> bool:
        if self.role != role:
            self.role, self.since = role, time.time()
        return True

    async def renew(self) -> bool:
        """The holder's renewal: False if someone else holds the lease now (step down)."""
        answer = await self._renew(keys=[self.key], args=[self.id, self.ttl_ms])
        return bool(answer != 0)

    async def release(self) -> None:
        """Give the lease up (a clean stop), if it is still ours."""
        await self._release(keys=[self.key], args=[self.id])

    def stood_down(self) -> None:
        self.role, self.since = "standby", time.time()

    async def write_presence(self) -> None:
        """This worker's presence row; rows gone stale are dropped on the way (two round
        trips: the rows read, then this one written and the stale ones dropped)."""
        now = time.time()
        row = {"role": self.role, "host": socket.gethostname()[:64], "pid": os.getpid()}
        row |= {"since": round(self.since, 3), "seen_at": round(now, 3)}
        raw = await self.redis.hgetall(self.presence_key)
        stale = [k for k, v in raw.items() if _stale(v, now) and _text(k) != self.id]
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(self.presence_key, self.id, orjson.dumps(row))
            if stale:
                pipe.hdel(self.presence_key, *stale)
            await pipe.execute()

    async def forget_presence(self) -> None:
        await self.redis.hdel(self.presence_key, self.id)


async def lease_status(client: aioredis.Redis, prefix: str) -> dict[str, object]:
    """Who is active and how old its lease is, and who waits (``/readyz``, ``dump_state``):
    ``{"active": id or None, "lease_expires_in_s", "lease_renewed_s_ago", "active_since",
    "workers": [{"id", "role", "host", "pid", "since", "seen_s_ago"}...]}``. One round trip."""
    names = Keys(prefix)
    async with client.pipeline(transaction=True) as pipe:
        pipe.get(names.worker_lease)
        pipe.pttl(names.worker_lease)
        pipe.hgetall(names.workers)
        holder, pttl, raw = await pipe.execute()
    return status_of(_text(holder) if holder is not None else None, int(pttl), raw, time.time())


def status_of(
    holder: str | None,
    pttl_ms: int,
    raw: Mapping[Any, bytes | str],
    now: float,
    ttl_s: float = LEASE_TTL_S,
) -> dict[str, object]:
    """:func:`lease_status` from what Redis answered (pure)."""
    rows = presence_rows(raw, now)
    status: dict[str, object] = {"active": holder, "workers": rows}
    if holder is not None and pttl_ms >= 0:
        left = pttl_ms / 1000
        status["lease_expires_in_s"] = round(left, 1)
        status["lease_renewed_s_ago"] = round(max(0.0, ttl_s - left), 1)
    since = next((r["since"] for r in rows if r["id"] == holder), None)
    if isinstance(since, int | float):
        status["active_since"] = since
        status["active_for_s"] = round(max(0.0, now - since), 1)
    return status


def standby_count(status: Mapping[str, object]) -> int:
    """How many workers of :func:`lease_status` wait: those seen that do not hold the lease (the
    lease, not a row's own word, says who is active: a worker paused past its lease still
    calls itself active until it wakes)."""
    rows = status.get("workers")
    seen = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    return sum(1 for r in seen if r.get("id") != status.get("active"))


def presence_rows(raw: Mapping[Any, bytes | str], now: float) -> list[dict[str, object]]:
    """The workers seen within ``PRESENCE_STALE_S``, active first, then by id (pure)."""
    rows: list[dict[str, object]] = []
    for key, value in raw.items():
        try:
            row = orjson.loads(value)
            seen = float(row["seen_at"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
        if now - seen > PRESENCE_STALE_S:
            continue
        rows.append({"id": _text(key), **row, "seen_s_ago": round(max(0.0, now - seen), 1)})
    rows.sort(key=lambda r: (r.get("role") != "active", str(r["id"])))
    return rows


def _stale(value: bytes | str, now: float) -> bool:
    try:
        return now - float(orjson.loads(value)["seen_at"]) > PRESENCE_STALE_S
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return True


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
