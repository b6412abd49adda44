"""Today's callers who gave up, as a person sees them, and who calls each one back.

The worker keeps the list (:mod:`realtime.callbacks` is its spec; ``day:<D>:gave_up`` in
Redis); this module reads it for one person:

- **who sees which rows**: the agents and supervisors (and superusers), the rows of the queues
  of their teams (those they supervise and their extension's; with no teams, or "Can see all
  teams", every queue's: ``wallboard.teams.visibility``);
- **each row** in a person's terms: the number as they read it, our contact's name and page,
  the queue's name (its display name from the queue settings, else Voicenter's), when the
  caller gave up and how long they waited, on the account's clock, how many times they called
  today; and its **call-back**, if someone took it: who, when, whether it is the person's own,
  and the call's outcome once Voicenter's record of it is in (``wallboard.reports``);
- **a call-back claimed once** (:func:`claim`): ``day:<D>:callbacks`` holds one entry per
  abandon (``<number>|<call key>``), set if absent, so two people clicking the same row make one
  call; the other is told who took it. A call that surely did not start gives its claim back
  (:func:`release`). Every change moves ``gave_up:version``, which the page watches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from realtime.callbacks import GaveUp
from realtime.keys import Keys
from realtime.metrics import business_day
from realtime.phones import is_star, key_of, shown
from realtime.store import StateStore
from wallboard.contacts.models import PhoneNumber
from wallboard.core.services import account_tz
from wallboard.reports.models import CallRecord, QueueSettings
from wallboard.reports.words import status_words
from wallboard.teams.visibility import teams_for_user

#: How long a call-back's entry is kept (the day and the next, as the list's).
KEEP_S = 3 * 86_400


def today() -> date:
    return business_day(time.time(), account_tz(), settings.WALLBOARD_DAY_START_HOUR)


def queues_seen(user: User) -> frozenset[str] | None:
    """The queue ids whose rows ``user`` sees; None: every queue."""
    teams, whole = teams_for_user(user)
    if whole:
        return None
    return frozenset(str(q.queue_id) for team in teams for q in team.queues.all())


@dataclass(frozen=True)
class Claim:
    """Who calls a caller back after one abandon."""

    by: int  # their user id
    name: str
    at: float
    extension: str
    call_id: str = ""  # Voicenter's CALLID, once Click2Call answered

    def as_json(self) -> bytes:
        return orjson.dumps(self.__dict__)

    @classmethod
    def from_json(cls, raw: bytes | str) -> Claim | None:
        try:
            data = orjson.loads(raw)
            return cls(int(data["by"]), str(data["name"]), float(data["at"]),
                       str(data["extension"]), str(data.get("call_id", "")))  # fmt: skip
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None


def claim_field(number: str, key: str) -> str:
    return f"{number}|{key}"


def person_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


class Lists:
    """The lists and their call-backs in Redis, for the web side."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.redis = store.redis
        self.names = Keys(store.prefix)

    async def version(self) -> str:
        raw = await self.redis.get(self.names.gave_up_version)
        return raw.decode() if isinstance(raw, bytes) else str(raw or "0")

    async def row(self, day: date, number: str) -> GaveUp | None:
        raw = await self.redis.hget(self.names.day(day, "gave_up"), number)
        return None if raw is None else orjson.loads(raw)

    async def rows(self, day: date) -> list[GaveUp]:
        raw = await self.redis.hgetall(self.names.day(day, "gave_up"))
        return [orjson.loads(v) for v in raw.values()]

    async def claims(self, day: date) -> dict[str, Claim]:
        raw = await self.redis.hgetall(self.names.day(day, "callbacks"))
        found = {_text(k): Claim.from_json(v) for k, v in raw.items()}
        return {k: c for k, c in found.items() if c is not None}

    async def claim(self, day: date, field: str, claim: Claim) -> Claim | None:
        """Take the call-back ``field``; None if taken now, else who holds it."""
        key = self.names.day(day, "callbacks")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, field, claim.as_json())
            pipe.hget(key, field)
            pipe.expire(key, KEEP_S)
            taken, held, _ = await pipe.execute()
        if taken:
            await self.redis.incr(self.names.gave_up_version)
            return None
        return Claim.from_json(held) or claim

    async def settle(self, day: date, field: str, claim: Claim, started: bool) -> None:
        """After Voicenter answered: the claim with its call id, or given back when no call
        started (someone may try again)."""
        key = self.names.day(day, "callbacks")
        if started:
            await self.redis.hset(key, field, claim.as_json())
        else:
            await self.redis.hdel(key, field)
        await self.redis.incr(self.names.gave_up_version)

    async def queue_names(self) -> dict[str, str]:
        """Voicenter's queue names, from the board's state."""
        return await self.store.queue_names()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def clock_time(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, UTC).astimezone(account_tz()).strftime("%H:%M")


def _span(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def shown_number(number: str) -> str:
    """A caller's number as a person reads it (as it came, if it is no phone number)."""
    region = settings.CONTACTS_DEFAULT_REGION
    key = key_of(number, region)
    if key is None:
        return number
    return key if is_star(key) else shown(key, region)


def _people(rows: list[GaveUp], claims: dict[str, Claim], names: dict[str, str]) -> dict[str, Any]:
    """What the database adds to the rows: contacts, queues' display names, outcomes."""
    region = settings.CONTACTS_DEFAULT_REGION
    keys = {row["n"]: key_of(row["n"], region) for row in rows}
    numbers = (
        PhoneNumber.objects.filter(number__in={k for k in keys.values() if k})
        .select_related("contact")
        .order_by("pk")
    )
    contacts: dict[str, tuple[str, str]] = {}
    for found in numbers:
        page = reverse("contact", args=[found.contact_id])
        contacts.setdefault(found.number, (found.contact.name, page))
    settings_names = dict(
        QueueSettings.objects.exclude(display_name="").values_list("queue_id", "display_name")
    )
    queue_names = {**names, **{str(q): n for q, n in settings_names.items()}}
    call_ids = {c.call_id for c in claims.values() if c.call_id}
    outcomes: dict[str, str] = {}
    for record in CallRecord.objects.filter(call_id__in=call_ids).order_by("-id"):
        # the called party's leg tells the outcome best; else any of the call's records
        leg2 = "leg2" in "".join(record.type.lower().split())
        if record.call_id not in outcomes or leg2:
            outcomes[record.call_id] = status_words(record.status)
    return {"keys": keys, "contacts": contacts, "queues": queue_names, "outcomes": outcomes}


async def for_person(user: User, lists: Lists, day: date) -> list[dict[str, object]]:
    """Day ``day``'s rows that ``user`` sees, newest first, with their call-backs."""
    seen = await sync_to_async(queues_seen)(user)
    rows = [r for r in await lists.rows(day) if seen is None or r["q"] in seen]
    claims = await lists.claims(day)
    names = await lists.queue_names()
    more = await sync_to_async(_people)(rows, claims, names)
    rows.sort(key=lambda r: (r["a"] or 0.0, r["n"]), reverse=True)
    shown_rows: list[dict[str, object]] = []
    for row in rows:
        contact = more["contacts"].get(more["keys"].get(row["n"]))
        claim = claims.get(claim_field(row["n"], row["k"]))
        shown_rows.append({
            "number": row["n"],
            "shown": shown_number(row["n"]),
            "key": row["k"],
            "queue_id": row["q"],
            "queue": more["queues"].get(row["q"], "") or row["q"],
            "at": row["a"],
            "when": clock_time(row["a"]),
            "waited": _span(row["w"]),
            "calls": row["c"],
            "contact": contact[0] if contact else "",
            "contact_url": contact[1] if contact else "",
            "callback": None if claim is None else {
                "name": claim.name,
                "when": clock_time(claim.at),
                "mine": claim.by == user.pk,
                "outcome": more["outcomes"].get(claim.call_id, "") if claim.call_id else "",
            },
        })  # fmt: skip
    return shown_rows
