"""The queues' rules in Redis, for the worker's day counters (``realtime.daystore``): hash
``<prefix>queue_rules`` (queue id -> its rules) and ``<prefix>queue_rules:version``, new with
every write (the worker reloads within a second, and recounts the day under the new rules).

Written whole whenever a queue's settings are saved or deleted, once the transaction commits,
and by the worker's command at start (Redis may have lost them). Redis out of reach never stops
a setting from being saved: logged, and the next write or worker start mends it.
"""

from __future__ import annotations

import logging
import secrets

import orjson
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wallboard.core.services import keys, sync_redis_client
from wallboard.reports.models import QueueSettings

log = logging.getLogger("wallboard.reports")


def publish_all() -> int:
    """Rewrite every queue's rules; returns how many queues have settings."""
    names = keys()
    rules = {q.queue_id: orjson.dumps(q.rules()) for q in QueueSettings.objects.all()}
    client = sync_redis_client()
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.delete(names.queue_rules)
            if rules:
                # (redis-py's stubs type mapping's values narrower than the bytes it accepts)
                pipe.hset(names.queue_rules, mapping=rules)  # type: ignore[arg-type]
            pipe.set(names.queue_rules_version, secrets.token_hex(8))
            pipe.execute()
    finally:
        client.close()
    return len(rules)


def _publish_after_commit() -> None:
    def publish() -> None:
        try:
            publish_all()
        except Exception:  # Redis away: the setting is saved; the worker's start mends Redis
            log.exception("queue rules not published")

    transaction.on_commit(publish)


@receiver(post_save, sender=QueueSettings)
@receiver(post_delete, sender=QueueSettings)
def _changed(**kwargs: object) -> None:
    _publish_after_commit()


def lost() -> bool:
    """The rules are gone from Redis (it lost its data): time for :func:`publish_all`."""
    client = sync_redis_client()
    try:
        return not client.exists(keys().queue_rules_version)
    finally:
        client.close()
