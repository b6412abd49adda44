"""Every Redis key the wallboard uses, built in one place.

Pure: names only, no I/O. Each key is ``WALLBOARD_REDIS_PREFIX`` (default ``wallboard:``) and
a family's name (:data:`FAMILIES`); ``docs/protocol.md`` lists the same families, each with
its type, owner (who writes it) and lifetime (a test holds the two lists equal):

- the board's state: ``meta``, ``queues``, ``agents``, ``today`` (the worker, for good);
  ``stats`` (everyone's counters); ``health`` (the worker, each second); ``frames`` (pub/sub);
- the workers: ``worker:lease`` (the active worker's id, expiring), ``workers`` (each worker's
  presence: ``realtime/lease.py``);
- kept by the web side for the worker: ``contacts``, ``contacts:version`` (the contact
  directory), ``queue_rules``, ``queue_rules:version`` (the queues' settings);
  ``teams:version`` (changes with every change of a team: the boards' views are recomputed);
- the day's numbers: ``day:<D>:queues``, ``:agents``, ``:calls``, ``:answered`` (the worker,
  ``realtime/daystore.py``, kept for days);
- callers who gave up: ``day:<D>:gave_up`` (the worker's list), ``day:<D>:callbacks`` (who
  calls whom back: the web side), ``gave_up:version`` (both: changes with either);
- sign-in: ``signin:failed:address:<address>``, ``:account:<account>``,
  ``:known:<account>:<source>`` (a window), ``signin:known:<account>`` (30 days);
- commands: ``rate:<user>`` (a second), ``status:asked:<user>:<extension>:<status>`` (until
  Voicenter answers), ``click2call:asked:<user>`` (until the call starts);
- call records waiting for the database: ``cdr:spool``, ``cdr:spool:failed``,
  ``cdr:spool:lock``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

DEFAULT_PREFIX = "wallboard:"

#: The families, as docs/protocol.md names them (the test compares the two).
FAMILIES = (
    "meta", "queues", "agents", "today", "stats", "health", "frames", "worker:lease", "workers",
    "contacts",
    "contacts:version", "queue_rules", "queue_rules:version", "teams:version", "day:<D>:queues",
    "day:<D>:agents", "day:<D>:calls", "day:<D>:answered", "day:<D>:gave_up",
    "day:<D>:callbacks", "gave_up:version", "signin:failed:address:<address>",
    "signin:failed:account:<account>", "signin:failed:known:<account>:<source>",
    "signin:known:<account>", "rate:<user>", "status:asked:<user>:<extension>:<status>",
    "click2call:asked:<user>", "cdr:spool", "cdr:spool:failed", "cdr:spool:lock",
)  # fmt: skip

DayPart = Literal["queues", "agents", "calls", "answered", "gave_up", "callbacks"]


class Keys:
    """The keys under one prefix."""

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        p = prefix
        # the board's state and the worker's (realtime/store.py)
        self.meta = p + "meta"
        self.stats = p + "stats"
        self.health = p + "health"
        self.frames = p + "frames"
        # the workers (realtime/lease.py)
        self.worker_lease = p + "worker:lease"
        self.workers = p + "workers"
        # what the web side keeps for the worker
        self.contacts = p + "contacts"
        self.contacts_version = p + "contacts:version"
        self.queue_rules = p + "queue_rules"
        self.queue_rules_version = p + "queue_rules:version"
        self.teams_version = p + "teams:version"
        # callers who gave up: changes with their list and their call-backs
        self.gave_up_version = p + "gave_up:version"
        # Voicenter's call records waiting for the database
        self.cdr_spool = p + "cdr:spool"
        self.cdr_spool_failed = p + "cdr:spool:failed"
        self.cdr_spool_lock = p + "cdr:spool:lock"

    def collection(self, name: str) -> str:
        """One of the state's collections (``realtime.state.COLLECTIONS``)."""
        return self.prefix + name

    def day(self, day: date, part: DayPart) -> str:
        return f"{self.prefix}day:{day.isoformat()}:{part}"

    # --- sign-in (wallboard/core/signin.py) ----------------------------------------------

    def signin_failed_address(self, address: str) -> str:
        return f"{self.prefix}signin:failed:address:{address}"

    def signin_failed_account(self, account: str) -> str:
        return f"{self.prefix}signin:failed:account:{account}"

    def signin_failed_known(self, account: str, source: str) -> str:
        return f"{self.prefix}signin:failed:known:{account}:{source}"

    def signin_known(self, account: str) -> str:
        return f"{self.prefix}signin:known:{account}"

    # --- commands ---------------------------------------------------------------------------

    def rate(self, user: object) -> str:
        return f"{self.prefix}rate:{user}"

    def status_asked(self, user: object, extension: str, status: int) -> str:
        return f"{self.prefix}status:asked:{user}:{extension}:{status}"

    def click2call_asked(self, user: object) -> str:
        return f"{self.prefix}click2call:asked:{user}"
