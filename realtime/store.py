"""The Redis store of the wallboard state: atomic writes, epoch + seq.

Keys (``P`` is the configured prefix, ``wallboard:`` by default):

=====================  ====================================================================
``P meta``             hash: ``epoch`` (string, new on every rebuild from scratch), ``seq``
                       (integer, +1 per committed delta, 0 right after a rebuild),
                       ``rebuilt_at`` (UTC epoch seconds)
``P <collection>``     hash per collection of the state (:data:`realtime.state.COLLECTIONS`:
                       ``queues``, ``agents``, ``today``): entity key -> entity (JSON)
``P stats``            hash: counters (``events_total``, ``events:<Name>``, ``rejected_total``,
                       ``voicenter_errors``, ...), see :mod:`realtime.pipeline` and
                       :mod:`realtime.projections.board`
``P health``           hash: the worker's health (JSON values), see
                       :mod:`realtime.worker`
=====================  ====================================================================

Every change is one Lua script that checks the writer's lease (:mod:`realtime.lease`: a worker
that lost it writes nothing and is told :class:`realtime.lease.LeaseLost`) and the epoch, writes
the entities and increments ``seq``, so the state and its ``seq`` always move together; a
rebuild, the health and the counters are fenced likewise. A snapshot is read in one ``MULTI``,
so state, epoch and seq agree. The store publishes nothing itself: its writer
(:mod:`realtime.projections.board`) passes each committed change on once the commit returned.
Adding a collection to :data:`realtime.state.COLLECTIONS` is all the store needs: its keys,
the commit script and the snapshot follow that list.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import orjson
import redis.asyncio as aioredis
import redis.exceptions

from realtime.keys import DEFAULT_PREFIX, Keys
from realtime.lease import FENCE_REFUSED, Fence, FencedWrites, LeaseLost, fenced_script
from realtime.state import COLLECTIONS, CollectionName, Delta, State

#: What Redis being away or refusing writes looks like (stopped, restarting, loading its data,
#: unreachable, too slow, a read-only replica after a failover, out of memory, a full disk:
#: READONLY, OOM and MISCONF answers): the worker keeps its Voicenter connection and retries
#: (``realtime/worker.py``); the web side tells the boards (``wallboard/board/heartbeat.py``).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,  # BusyLoadingError (loading after a restart) included
    redis.exceptions.TimeoutError,
    redis.exceptions.ResponseError,  # READONLY, OOM, MISCONF (and ReadOnlyError)
    OSError,
    TimeoutError,
)

# KEYS: meta, then one hash per collection in COLLECTIONS order, then the lease.  ARGV: epoch,
# the writer ('': unfenced), then for each collection: n_set, n_set pairs (key, JSON), n_del,
# n_del keys. Fields go CHUNK at a time in one HSET / HDEL (unpack() has a bounded stack), so a
# batch is a handful of commands. -2: the writer lost its lease; -1: the epoch is not its own.
_COMMIT = """
if ARGV[2] ~= '' and redis.call('GET', KEYS[#KEYS]) ~= ARGV[2] then
  return -2
end
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then
  return -1
end
local CHUNK = 500
local i = 3
for c = 2, #KEYS - 1 do
  local n = tonumber(ARGV[i]); i = i + 1
  while n > 0 do
    local m = math.min(n, CHUNK)
    redis.call('HSET', KEYS[c], unpack(ARGV, i, i + 2 * m - 1)); i = i + 2 * m; n = n - m
  end
  n = tonumber(ARGV[i]); i = i + 1
  while n > 0 do
    local m = math.min(n, CHUNK)
    redis.call('HDEL', KEYS[c], unpack(ARGV, i, i + m - 1)); i = i + m; n = n - m
  end
end
return redis.call('HINCRBY', KEYS[1], 'seq', 1)
"""


class EpochLost(Exception):
    """The stored epoch is not the writer's (Redis lost its data, or another rebuild ran)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    epoch: str | None  # None: nothing stored yet
    seq: int
    state: State

    def as_json(self) -> dict[str, object]:
        return {"epoch": self.epoch, "seq": self.seq, "state": self.state}


@dataclass(frozen=True, slots=True)
class RawSnapshot:
    """A snapshot as stored: each collection maps key bytes to the entity's JSON bytes."""

    epoch: str | None
    seq: int
    collections: dict[str, dict[bytes, bytes]]
    health: dict[str, object]


def new_epoch() -> str:
    """Unique and increasing in time: milliseconds in hex, then random bits."""
    return f"{time.time_ns() // 1_000_000:x}-{secrets.token_hex(2)}"


class StateStore:
    def __init__(
        self, client: aioredis.Redis, prefix: str = DEFAULT_PREFIX, holder: str = ""
    ) -> None:
        """``holder``: the writer's lease id (the worker's, :class:`realtime.lease.Lease`);
        ``""`` writes unfenced (the web side's counters, ``replay``, the tests)."""
        self.redis = client
        self.prefix = prefix
        self.names = Keys(prefix)
        self.fence = Fence(self.names.worker_lease, holder)
        self.fenced = fenced_script(client)
        self.meta_key = self.names.meta
        self.keys = {name: self.names.collection(name) for name in COLLECTIONS}
        self.stats_key = self.names.stats
        self.health_key = self.names.health
        self.commit_script = client.register_script(_COMMIT)

    async def snapshot(self) -> Snapshot:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(self.meta_key)
            for name in COLLECTIONS:
                pipe.hgetall(self.keys[name])
            meta, *collections = await pipe.execute()
        epoch = meta.get(b"epoch")
        state = {
            name: {k.decode(): orjson.loads(v) for k, v in raw.items()}
            for name, raw in zip(COLLECTIONS, collections, strict=True)
        }
        return Snapshot(
            epoch=epoch.decode() if epoch else None,
            seq=int(meta.get(b"seq", 0)),
            state=cast(State, state),  # (as the commits wrote it)
        )

    async def contact_names(self, known: str | None) -> tuple[str | None, dict[str, str] | None]:
        """The contact directory (``contacts``: E.164 -> name, kept by the web side) if its
        version (``contacts:version``) is not ``known``: (version, names); else (known, None).
        One round trip when nothing changed."""
        version_key, names_key = self.names.contacts_version, self.names.contacts
        current = _maybe_text(await self.redis.get(version_key))
        if current == known:
            return known, None
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(version_key)
            pipe.hgetall(names_key)
            raw, names = await pipe.execute()
        return _maybe_text(raw), {_text(k): _text(v) for k, v in names.items()}

    async def queue_names(self) -> dict[str, str]:
        """Voicenter's name of each queue on the board (one read of the ``queues`` collection;
        an entry that is not the board's JSON is left out)."""
        names: dict[str, str] = {}
        for key, value in (await self.redis.hgetall(self.keys["queues"])).items():
            try:
                names[_text(key)] = str(orjson.loads(value).get("name", ""))
            except (orjson.JSONDecodeError, AttributeError):
                continue
        return names

    async def entity(self, collection: CollectionName, key: str) -> dict[str, Any] | None:
        """One entity of the stored state (e.g. an agent by SIP user), or None."""
        raw = await self.redis.hget(self.keys[collection], key)
        return orjson.loads(raw) if raw is not None else None

    async def reset(self, state: State) -> str:
        """Replace everything with ``state`` under a new epoch (seq 0); returns the epoch.
        :class:`LeaseLost` (nothing written) if the writer lost its lease."""
        epoch = new_epoch()
        writes = FencedWrites(self.fence)
        for name in COLLECTIONS:
            writes.delete(self.keys[name])
            if state.get(name):  # (a collection left out is empty)
                writes.hset(self.keys[name], {k: orjson.dumps(v) for k, v in state[name].items()})
        writes.hset(self.meta_key, {"epoch": epoch, "seq": 0, "rebuilt_at": int(time.time())})
        await writes.execute(self.fenced)
        return epoch

    async def commit(self, epoch: str, delta: Delta) -> int:
        """Write ``delta`` and bump seq atomically; returns the new seq.

        Raises :class:`EpochLost` when the stored epoch is not ``epoch``, and
        :class:`LeaseLost` when the writer lost its lease; then nothing was written.
        """
        keys, args = self.commit_command(epoch, delta)
        seq = await self.commit_script(keys=keys, args=args)
        if seq == FENCE_REFUSED:
            raise LeaseLost(self.fence.holder)
        if seq == -1:
            raise EpochLost(epoch)
        return int(seq)

    def commit_command(self, epoch: str, delta: Delta) -> tuple[list[str], list[str | bytes | int]]:
        """The keys and arguments of the commit script for ``delta`` (one EVALSHA)."""
        args: list[str | bytes | int] = [epoch, self.fence.holder]
        for name in COLLECTIONS:
            part = delta.get(name, {})
            sets = part.get("set", {})
            args.append(len(sets))
            for key, value in sets.items():
                args += [key, orjson.dumps(value)]
            dels = part.get("del", ())
            args.append(len(dels))
            args += dels
        keys = [self.meta_key, *(self.keys[name] for name in COLLECTIONS), self.fence.key]
        return keys, args

    async def add_stats(self, stats: Mapping[str, int]) -> None:
        """Add to the counters in ``P stats`` (one round trip; fenced)."""
        writes = FencedWrites(self.fence)
        for key, amount in stats.items():
            writes.hincrby(self.stats_key, key, amount)
        await writes.execute(self.fenced)

    async def stats(self) -> dict[str, int]:
        raw = await self.redis.hgetall(self.stats_key)
        return {_text(k): int(v) for k, v in raw.items()}

    async def write_health(self, health: Mapping[str, object]) -> None:
        """The worker's health (fenced: a worker that lost its lease no longer speaks for the
        active one)."""
        writes = FencedWrites(self.fence)
        writes.hset(self.health_key, {k: orjson.dumps(v) for k, v in health.items()})
        await writes.execute(self.fenced)

    async def raw_snapshot(self) -> RawSnapshot:
        """What :meth:`snapshot` reads, plus the health, in one round trip, the stored values
        left as the JSON they are (the boards' snapshot is built from them without decoding
        each one: ``realtime/publisher.py``)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(self.meta_key, "epoch", "seq")
            for name in COLLECTIONS:
                pipe.hgetall(self.keys[name])
            pipe.hgetall(self.health_key)
            meta, *collections, health = await pipe.execute()
        epoch, seq = _head(meta)
        entities = dict(zip(COLLECTIONS, collections, strict=True))
        return RawSnapshot(epoch, seq, entities, _health(health))

    async def health(self) -> dict[str, object]:
        raw = await self.redis.hgetall(self.health_key)
        return _health(raw)

    async def head(self) -> tuple[str | None, int]:
        """The stored epoch and seq."""
        return _head(await self.redis.hmget(self.meta_key, "epoch", "seq"))

    async def position(self) -> tuple[str | None, int, dict[str, object]]:
        """The stored epoch, seq and the worker's health, in one round trip (heartbeats)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(self.meta_key, "epoch", "seq")
            pipe.hgetall(self.health_key)
            meta, health = await pipe.execute()
        return (*_head(meta), _health(health))


# The client answers bytes (decode_responses off); its type also allows str.
def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _head(meta: list[bytes | str | None]) -> tuple[str | None, int]:
    epoch, seq = meta
    return (_text(epoch) if epoch else None), int(seq or 0)


def _health(raw: Mapping[bytes | str, bytes | str]) -> dict[str, object]:
    return {_text(k): orjson.loads(v) for k, v in raw.items()}


def _maybe_text(raw: bytes | str | None) -> str | None:
    return None if raw is None else _text(raw)
