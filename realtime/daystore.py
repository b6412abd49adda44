"""The Redis store of the day's counters (:mod:`realtime.projections.day`) and the queues' rules.

Keys (``P`` is the store's prefix, ``wallboard:`` by default; ``D`` a business day,
``YYYY-MM-DD``):

===========================  =================================================================
``P day:D:queues``           hash: queue id -> that queue's counters for day D (JSON,
                             :class:`realtime.metrics.QueueDay`, with ``rules``: the
                             :class:`realtime.metrics.QueueRules` they were counted under);
                             kept ``KEEP_DAYS_S``
``P day:D:calls``            hash: ``<queue id>:<call id>`` -> the call's record (JSON,
                             :class:`realtime.metrics.CountedCall`: ``q`` queue, ``d`` the
                             day offered, ``j`` joined at, ``o`` outcome, "" while it waits,
                             ``w`` its wait, ``c`` the day it closed); the calls offered on
                             day D, kept ``KEEP_CALLS_S``: what makes every call count once,
                             across restarts, and lets the counters be recounted under new
                             rules (:func:`realtime.metrics.fold`)
``P day:D:answered``         hash: ``a:<extension>:<call id>`` -> a call an agent answered on
                             day D (JSON, :class:`realtime.projections.day.agents.AnsweredCall`:
                             ``d`` the day, ``a`` answered at, ``e`` ended at); kept
                             ``KEEP_CALLS_S``
``P day:D:agents``           hash: extension -> that agent's numbers for day D (JSON,
                             :class:`realtime.projections.day.agents.AgentDay`: ``name``,
                             ``answered``, ``talk_s``, ``status_s``: status code -> seconds);
                             kept ``KEEP_DAYS_S``
``P day:D:gave_up``          hash: caller number -> that caller's row on day D's list of callers
                             who gave up (JSON, :class:`realtime.callbacks.GaveUp`); kept
                             ``KEEP_CALLS_S``
``P day:D:callbacks``        hash: ``<number>|<call key>`` -> who calls that caller back after
                             that abandon (JSON: ``by`` user id, ``name``, ``at`` epoch,
                             ``extension``, ``request`` the Click2Call log's id); set if absent
                             by the web side (``wallboard/callbacks``): one call-back per
                             abandon; kept ``KEEP_CALLS_S``
``P gave_up:version``        a counter, moved with every change of a list or of a call-back: a
                             page showing the list reads it to know whether to read the list
``P queue_rules``            hash: queue id -> its rules (JSON, :class:`realtime.metrics.
                             QueueRules`), kept by the web side (``wallboard/reports``)
``P queue_rules:version``    changes whenever the rules do (the worker reloads them)
===========================  =================================================================

A commit writes the changed records and counters in one script, fenced by the writer's lease
(:mod:`realtime.lease`): the counters never move without the records that say why, and a
worker that lost its lease writes none of them. Redis keeps them on disk (AOF in
docker-compose); after a data loss the worker writes back what it holds in memory (today and
yesterday).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson
import redis.asyncio as aioredis

from realtime.callbacks import GaveUp
from realtime.keys import Keys
from realtime.lease import Fence, FencedWrites, fenced_script
from realtime.metrics import CountedCall

if TYPE_CHECKING:  # (the projection's own types; it imports this module)
    from realtime.projections.day.agents import AgentDay, AnsweredCall

#: The day's counters are kept this long (``queue_stats --date`` reads them).
KEEP_DAYS_S = 45 * 86_400
#: The calls' records are needed for the day and the next (a call may close after midnight).
KEEP_CALLS_S = 3 * 86_400


class DayStore:
    def __init__(self, client: aioredis.Redis, prefix: str, holder: str = "") -> None:
        """``holder``: the writer's lease id (``""``: unfenced), as for
        :class:`realtime.store.StateStore`."""
        self.redis = client
        self.prefix = prefix
        self.names = Keys(prefix)
        self.fence = Fence(self.names.worker_lease, holder)
        self.fenced = fenced_script(client)
        self.rules_key = self.names.queue_rules
        self.rules_version_key = self.names.queue_rules_version

    def queues_key(self, day: date) -> str:
        return self.names.day(day, "queues")

    def calls_key(self, day: date) -> str:
        return self.names.day(day, "calls")

    async def counters(self, day: date) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(self.queues_key(day))
        return {_text(k): orjson.loads(v) for k, v in raw.items()}

    async def calls(self, day: date) -> dict[str, CountedCall]:
        raw = await self.redis.hgetall(self.calls_key(day))
        return {_text(k): orjson.loads(v) for k, v in raw.items()}

    def answered_key(self, day: date) -> str:
        return self.names.day(day, "answered")

    async def answered(self, day: date) -> dict[str, AnsweredCall]:
        raw = await self.redis.hgetall(self.answered_key(day))
        return {_text(k): orjson.loads(v) for k, v in raw.items()}

    def agents_key(self, day: date) -> str:
        return self.names.day(day, "agents")

    async def agents(self, day: date) -> dict[str, AgentDay]:
        raw = await self.redis.hgetall(self.agents_key(day))
        return {_text(k): orjson.loads(v) for k, v in raw.items()}

    def gave_up_key(self, day: date) -> str:
        return self.names.day(day, "gave_up")

    async def gave_up(self, day: date) -> dict[str, GaveUp]:
        raw = await self.redis.hgetall(self.gave_up_key(day))
        return {_text(k): orjson.loads(v) for k, v in raw.items()}

    async def has_day(self, day: date) -> bool:
        return bool(await self.redis.exists(self.queues_key(day)))

    async def write(
        self,
        counters: Mapping[date, Mapping[str, Mapping[str, Any]]],
        calls: Mapping[date, Mapping[str, CountedCall]],
        agents: Mapping[date, Mapping[str, AgentDay]] | None = None,
        answered: Mapping[date, Mapping[str, AnsweredCall]] | None = None,
        gave_up: Mapping[date, Mapping[str, GaveUp | None]] | None = None,
    ) -> None:
        """The changed counters, call records, agents' numbers and rows of the lists of callers
        who gave up (None: the number left the list), in one fenced script
        (:class:`realtime.lease.LeaseLost` if the writer lost its lease: nothing written)."""
        writes = FencedWrites(self.fence)
        for when, rows in (gave_up or {}).items():
            listed = self.gave_up_key(when)
            on_list = {n: row for n, row in rows.items() if row is not None}
            gone = [n for n, row in rows.items() if row is None]
            if on_list:
                writes.hset(listed, {n: orjson.dumps(r) for n, r in on_list.items()})
                writes.expire(listed, KEEP_CALLS_S)
            if gone:
                writes.hdel(listed, gone)
        if gave_up:
            writes.incr(self.names.gave_up_version)
        for key_of, kept in ((self.calls_key, calls), (self.answered_key, answered or {})):
            for day, records in kept.items():
                if records:
                    key = key_of(day)
                    writes.hset(key, {k: orjson.dumps(v) for k, v in records.items()})
                    writes.expire(key, KEEP_CALLS_S)
        for day, queues in counters.items():
            if queues:
                key = self.queues_key(day)
                writes.hset(key, {k: orjson.dumps(v) for k, v in queues.items()})
                writes.expire(key, KEEP_DAYS_S)
        for day, numbers in (agents or {}).items():
            if numbers:
                key = self.agents_key(day)
                writes.hset(key, {k: orjson.dumps(v) for k, v in numbers.items()})
                writes.expire(key, KEEP_DAYS_S)
        await writes.execute(self.fenced)

    async def rules(self, known: str | None) -> tuple[str | None, dict[str, Any] | None]:
        """The queues' rules if their version is not ``known``: (version, rules by queue id);
        else (known, None). One round trip when nothing changed."""
        current = await self.redis.get(self.rules_version_key)
        version = None if current is None else _text(current)
        if version == known:
            return known, None
        raw = await self.redis.hgetall(self.rules_key)
        return version, {_text(k): orjson.loads(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
