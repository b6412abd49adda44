"""Voicenter's call records while the database is away: kept in Redis, stored when it answers.

Voicenter posts each record once (``realtime/voicenter/cdr.py``) and does not send it again
whatever we answer, so a record is answered ``err 0`` as soon as it is safe: stored in the
database, or, the database unreachable, at the end of the Redis list ``<prefix>cdr:spool``
(its body as it came). Order is kept: while the spool holds records, a new one joins its end
instead of overtaking them.

:func:`drain` stores the spool's records from its head, one after the other; each leaves the
list only once stored, and storing is idempotent (``wallboard.reports.records.store`` knows a
record by its key), so each record is stored exactly once whichever process dies when. One
drainer at a time (a Redis lock, ``cdr:spool:lock``): the web process that has just spooled or
found a spool, and the worker at every look at the records (``StoredRecords.since``, every few
seconds), so a spool an outage left empties when the database returns even if no call ends;
the worker then folds the records into the day's numbers as ever. A record the database
refuses for good (not an outage) moves to ``cdr:spool:failed`` with an ERROR log line, rather
than holding up the rest for ever. Counted: ``cdr_spooled``, ``cdr_spool_stored``,
``cdr_spool_failed`` (``manage.py dump_state``).
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import tzinfo

import redis
from django.conf import settings

from realtime.voicenter.cdr import CdrRefused, parse
from wallboard.board.errors import DATABASE_DOWN
from wallboard.board.services import sync_redis_client
from wallboard.reports.records import store

log = logging.getLogger("wallboard.reports.spool")

#: How long a drainer holds the lock without storing a record (a drainer that died lets go).
LOCK_MS = 30_000
# Pops the head of the list only if it is still the record just stored.
_POP_IF_HEAD = """
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then return redis.call('LPOP', KEYS[1]) end
return false
"""
# Lets go of the lock only if it is still this drainer's.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _key(name: str) -> str:
    return f"{settings.WALLBOARD_REDIS_PREFIX}cdr:{name}"


_local = threading.local()


def client() -> redis.Redis:
    """This thread's Redis client (the CDR endpoint's one thread, the worker's look)."""
    found: redis.Redis | None = getattr(_local, "client", None)
    if found is None:
        found = _local.client = sync_redis_client()
    return found


def waiting(conn: redis.Redis) -> int:
    return int(conn.llen(_key("spool")))


def keep(conn: redis.Redis, raw: bytes) -> None:
    """``raw`` at the spool's end (raises a Redis error if Redis is away too)."""
    conn.rpush(_key("spool"), raw)
    conn.hincrby(settings.WALLBOARD_REDIS_PREFIX + "stats", "cdr_spooled")


def drain(conn: redis.Redis, tz: tzinfo | None) -> int:
    """Store the spool's records in order while the database takes them; how many were new.
    0 at once when another process is draining or the spool is empty."""
    if not waiting(conn):
        return 0
    lock, token = _key("spool:lock"), secrets.token_hex(8)
    if not conn.set(lock, token, nx=True, px=LOCK_MS):
        return 0
    stored = failed = 0
    try:
        while (raw := conn.lindex(_key("spool"), 0)) is not None:
            assert isinstance(raw, bytes)
            try:
                record, _ = parse(raw, tz)
                created = store(record, "push")  # (False: stored already, e.g. sent twice)
            except DATABASE_DOWN as exc:
                log.info("%d call records wait for the database (%s)", waiting(conn), exc)
                break
            except (CdrRefused, Exception):  # refused for good: set aside, not retried for ever
                log.exception("a spooled call record cannot be stored; moved to cdr:spool:failed")
                conn.rpush(_key("spool:failed"), raw)
                failed += 1
            else:
                stored += created
            conn.eval(_POP_IF_HEAD, 1, _key("spool"), raw)
            conn.pexpire(lock, LOCK_MS)
    finally:
        conn.eval(_UNLOCK, 1, lock, token)
        counts = {"cdr_spool_stored": stored, "cdr_spool_failed": failed}
        for name, count in counts.items():
            if count:
                conn.hincrby(settings.WALLBOARD_REDIS_PREFIX + "stats", name, count)
    if stored:
        log.info("stored %d call records the database could not take before", stored)
    return stored
