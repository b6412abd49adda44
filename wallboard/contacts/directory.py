"""The contact directory in Redis, for the worker to name callers on the board
(``realtime.contacts``): hash ``<prefix>contacts`` (E.164 number -> the contact's name) and
``<prefix>contacts:version``, which changes with every change of it (the worker reloads when
it moves, within a second).

Kept up to date by the models' signals: the numbers a transaction touched (a number saved
or deleted, a contact renamed or deleted) are written once it commits, in one round trip.
:func:`publish_all` rewrites it whole: the worker's command runs it at start and again
whenever the directory has gone from Redis (``voicenter_worker``: Redis lost its data), and a
CSV import at its end (:func:`quiet` keeps bulk work from writing row by row). The version is a
random token, new with every write, so a reset Redis can never bring back one the worker
holds. Redis out of reach never stops a contact from being saved: short timeouts, logged, and
the next full publish mends it. A number that belongs to several contacts names the first by
name.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from wallboard.contacts.models import Contact, PhoneNumber
from wallboard.core.services import keys, sync_redis_client

log = logging.getLogger("wallboard.contacts")

_quiet: ContextVar[bool] = ContextVar("contacts_directory_quiet", default=False)
CHUNK = 1000  # numbers per HSET


def _keys() -> tuple[str, str]:
    names = keys()
    return names.contacts, names.contacts_version


def _new_version() -> str:
    return secrets.token_hex(8)


def _names_of(numbers: Iterable[str]) -> dict[str, str]:
    """number -> the name of the first contact (by name) with it."""
    found: dict[str, str] = {}
    rows = PhoneNumber.objects.filter(number__in=list(numbers)).order_by("contact__name", "id")
    for number, name in rows.values_list("number", "contact__name"):
        found.setdefault(number, name)
    return found


def publish_all() -> int:
    """Rewrite the whole directory; returns how many numbers it holds."""
    names: dict[str, str] = {}
    rows = PhoneNumber.objects.order_by("contact__name", "id").values_list(
        "number", "contact__name"
    )
    for number, name in rows.iterator(chunk_size=CHUNK):
        names.setdefault(number, name)
    names_key, version_key = _keys()
    client = sync_redis_client()
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.delete(names_key)
            items = list(names.items())
            for start in range(0, len(items), CHUNK):
                pipe.hset(names_key, mapping=dict(items[start : start + CHUNK]))
            pipe.set(version_key, _new_version())
            pipe.execute()
    finally:
        client.close()
    return len(names)


def lost() -> bool:
    """The directory is gone from Redis (it lost its data): time for :func:`publish_all`."""
    client = sync_redis_client()
    try:
        return not client.exists(_keys()[1])
    finally:
        client.close()


def publish_numbers(numbers: Iterable[str]) -> None:
    """Bring these numbers' entries up to date (set, or removed when no contact has them)."""
    wanted = {n for n in numbers if n}
    if not wanted:
        return
    names = _names_of(wanted)
    names_key, version_key = _keys()
    try:
        client = sync_redis_client()
        try:
            with client.pipeline(transaction=True) as pipe:
                for number in wanted:
                    if number in names:
                        pipe.hset(names_key, number, names[number])
                    else:
                        pipe.hdel(names_key, number)
                pipe.set(version_key, _new_version())
                pipe.execute()
        finally:
            client.close()
    except Exception:  # Redis away, the embedded one not starting...: the save stands
        log.warning("contact directory not updated (Redis out of reach)", exc_info=True)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No per-row publishing inside (call :func:`publish_all` after)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def _later(numbers: Iterable[str]) -> None:
    """Remember ``numbers`` for one write after the transaction commits: the first change of
    a transaction schedules it, the others join it (a rolled-back transaction's write is gone
    with it, and the next change starts afresh)."""
    if _quiet.get():
        return
    connection = transaction.get_connection()
    scheduled = getattr(connection, "_contacts_write", None)
    if (
        scheduled is not None
        and not scheduled.done
        and any(item[1] is scheduled for item in connection.run_on_commit)
    ):
        scheduled.batch.update(numbers)
        return
    write = _Write(set(numbers))
    connection._contacts_write = write
    transaction.on_commit(write, robust=True)


class _Write:
    """The directory write a transaction will make when it commits."""

    def __init__(self, batch: set[str]) -> None:
        self.batch = batch
        self.done = False

    def __call__(self) -> None:
        self.done = True
        publish_numbers(self.batch)


@receiver(pre_save, sender=PhoneNumber)
def _number_changing(sender: object, instance: PhoneNumber, **kwargs: object) -> None:
    if instance.pk:
        old = PhoneNumber.objects.filter(pk=instance.pk).values_list("number", flat=True).first()
        # (a note for the post_save receiver on this very instance: not a model field)
        instance._old_number = old  # type: ignore[attr-defined]


@receiver(post_save, sender=PhoneNumber)
def _number_saved(sender: object, instance: PhoneNumber, **kwargs: object) -> None:
    _later([instance.number, getattr(instance, "_old_number", None) or ""])


@receiver(post_delete, sender=PhoneNumber)
def _number_deleted(sender: object, instance: PhoneNumber, **kwargs: object) -> None:
    _later([instance.number])


@receiver(post_save, sender=Contact)
def _contact_saved(sender: object, instance: Contact, **kwargs: object) -> None:
    _later(instance.numbers.values_list("number", flat=True))
