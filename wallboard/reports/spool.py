"""Voicenter's call records while the database is away: kept in Redis, stored when it answers.

Voicenter posts each record once (``realtime/voicenter/cdr.py``) and does not send it again
whatever we answer, so a record is answered ``err 0`` as soon as it is safe: stored in the
database, or, the database unreachable, at the end of the Redis list ``<prefix>cdr:spool``
(its body as it came). Order is kept: while the spool holds records, a new one joins its end
instead of overtaking them.

:func:`drain` stores the spool's records from its head, one after the other; each leaves the
list only once stored, and storing is idempotent (``wallboard.reports.records.store`` knows a
record by its key), so each record is stored exactly once whichever process dies when. One
drainer at a time (a Redis lock, ``cdr:spool:lock``): a thread of the web process that has just
spooled a record behind others (:func:`drain_soon`: never the request's own thread, which
answers Voicenter at once), and the worker at every look at the records
(``StoredRecords.since``, every few seconds), so a spool an outage left empties when the
database returns even if no call ends; the worker then folds the records into the day's
numbers as ever. A record the database refuses while it answers a plain ``SELECT 1`` (not an
outage, but the record) moves to ``cdr:spool:failed`` with an ERROR log line, rather than
holding up the rest for ever. Counted: ``cdr_spooled``, ``cdr_spool_stored``,
``cdr_spool_failed`` (``manage.py dump_state``).
"""

from __future__ import annotations

import logging
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import tzinfo

import redis
from django.db import close_old_connections, connection

from realtime.voicenter.cdr import CdrRefused, parse
from wallboard.core.errors import DATABASE_DOWN
from wallboard.core.services import keys, shared_sync_client
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


def client() -> redis.Redis:
    return shared_sync_client()


def waiting(conn: redis.Redis) -> int:
    return int(conn.llen(keys().cdr_spool))


def keep(conn: redis.Redis, raw: bytes) -> None:
    """``raw`` at the spool's end (raises a Redis error if Redis is away too)."""
    conn.rpush(keys().cdr_spool, raw)
    conn.hincrby(keys().stats, "cdr_spooled")


def drain(conn: redis.Redis, tz: tzinfo | None) -> int:
    """Store the spool's records in order while the database takes them; how many were new.
    0 at once when another process is draining or the spool is empty."""
    if not waiting(conn):
        return 0
    lock, token = keys().cdr_spool_lock, secrets.token_hex(8)
    if not conn.set(lock, token, nx=True, px=LOCK_MS):
        return 0
    stored = failed = 0
    try:
        while (raw := conn.lindex(keys().cdr_spool, 0)) is not None:
            assert isinstance(raw, bytes)
            try:
                record, _ = parse(raw, tz)
                created = store(record, "push")  # (False: stored already, e.g. sent twice)
            except DATABASE_DOWN as exc:
                if not _database_answers():
                    log.info("%d call records wait for the database (%s)", waiting(conn), exc)
                    break
                log.error("a spooled call record is refused: %s; moved to cdr:spool:failed", exc)
                conn.rpush(keys().cdr_spool_failed, raw)
                failed += 1
            except (CdrRefused, Exception):  # refused for good: set aside, not retried for ever
                log.exception("a spooled call record cannot be stored; moved to cdr:spool:failed")
                conn.rpush(keys().cdr_spool_failed, raw)
                failed += 1
            else:
                stored += created
            conn.eval(_POP_IF_HEAD, 1, keys().cdr_spool, raw)
            conn.pexpire(lock, LOCK_MS)
    finally:
        conn.eval(_UNLOCK, 1, lock, token)
        counts = {"cdr_spool_stored": stored, "cdr_spool_failed": failed}
        for name, count in counts.items():
            if count:
                conn.hincrby(keys().stats, name, count)
    if stored:
        log.info("stored %d call records the database could not take before", stored)
    return stored


def _database_answers() -> bool:
    """Whether the database answers a plain query (on a fresh connection)."""
    try:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_DOWN:
        return False
    return True


#: The web process's drainer: one thread, one drain at a time (see the module's docstring).
DRAIN_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallboard-spool")
_draining: Future[int] | None = None
_draining_lock = threading.Lock()


def drain_soon(tz: tzinfo | None) -> Future[int]:
    """A drain of the spool on :data:`DRAIN_THREAD`, after the one under way there if any (a
    drain that began before this record was kept may have ended without it); at most one
    waits. The drain's future (how many records it stored)."""
    global _draining
    with _draining_lock:
        if _draining is None or _draining.running() or _draining.done():
            _draining = DRAIN_THREAD.submit(_drain_in_thread, tz)
        return _draining


def _drain_in_thread(tz: tzinfo | None) -> int:
    close_old_connections()  # as Django does around a request's work
    try:
        return drain(client(), tz)
    except redis.RedisError as exc:  # the worker's next look tries again
        log.warning("the call records' spool was not drained: %s", exc)
        return 0
    finally:
        close_old_connections()
