"""What the worker keeps ready for the reports, every ``WALLBOARD_REPORTS_KEEP_S`` (a minute)
while it holds the lease (``voicenter_worker``), so that no report waits for a fold:

- **the agents' days**: today's and yesterday's numbers as the worker counts them (Redis
  ``day:D:agents``, ``realtime/daystore.py``) copied into the database
  (:class:`~wallboard.reports.models.AgentDayStats`), where they stay once Redis lets a day go
  (45 days); the agents report copies the days it shows the same way first, so today's are to
  the second;
- **the roll-ups** (``wallboard/reports/history.py``): today's and yesterday's hours folded
  again as their records arrive, then the days of the last ``WARM_DAYS`` a change of rules
  (a queue's threshold, formula or short abandons; the time zone; the day start hour) or an
  outage left out of date, newest first, for at most ``KEEP_BUDGET_S`` each pass: the first
  report after a change finds them folded. A report still folds whatever is out of date when it
  runs (the two take turns, the hours locked), so a stopped worker makes reports slower, never
  wrong.

Runs on a thread of its own, never the worker's event loop. Counted (``manage.py dump_state``,
``/metrics``): ``reports:agent_days`` (copied), ``reports:hours_folded``, ``reports:failed``
(passes that failed: logged, and tried again at the next).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import orjson
from django.conf import settings
from django.db import close_old_connections
from django.db.models import F, Q

from realtime.metrics import QueueRules, business_day
from wallboard.core.services import account_tz, keys, shared_sync_client
from wallboard.reports.history import basis_of, queue_rules, roll_up
from wallboard.reports.models import AgentDayStats, ReportHour

log = logging.getLogger("wallboard.reports.keeper")

#: The most seconds of folding older days in one pass (about 2 s a day of a 1,000-agent center).
KEEP_BUDGET_S = 10.0
#: How many days back the roll-ups are kept folded (last month's report at the end of a month).
WARM_DAYS = 62
UPDATED = ("name", "answered", "missed", "talk_s", "status_s", "copied_at")


@dataclass(frozen=True, slots=True)
class Kept:
    agent_days: int  # agents' days copied
    hours: int  # hours folded


def copy_agent_days(days: Iterable[date]) -> int:
    """The worker's numbers of each agent on ``days`` copied from Redis into the database (a
    day Redis no longer holds is left as it was); how many agents' days."""
    client, names = shared_sync_client(), keys()
    copied = 0
    for day in days:
        raw = client.hgetall(names.day(day, "agents"))
        rows = []
        for ext, value in raw.items():
            try:
                numbers = orjson.loads(value)
                rows.append(
                    AgentDayStats(
                        day=day,
                        extension=(ext.decode() if isinstance(ext, bytes) else str(ext))[:64],
                        name=str(numbers.get("name") or "")[:200],
                        answered=max(0, int(numbers.get("answered") or 0)),
                        missed=max(0, int(numbers.get("missed") or 0)),
                        talk_s=max(0.0, float(numbers.get("talk_s") or 0.0)),
                        status_s={
                            str(k): float(v) for k, v in dict(numbers.get("status_s") or {}).items()
                        },
                    )
                )
            except (ValueError, TypeError, AttributeError) as exc:  # not the worker's JSON
                log.warning("agent day %s %r not copied: %s", day, ext, type(exc).__name__)
        AgentDayStats.objects.bulk_create(
            rows,
            batch_size=1_000,
            update_conflicts=True,
            unique_fields=["day", "extension"],
            update_fields=UPDATED,
        )
        copied += len(rows)
    return copied


def keep(now: float | None = None, budget_s: float = KEEP_BUDGET_S) -> Kept:
    """One pass: copy today's and yesterday's agents' days, fold today's and yesterday's hours
    that need it, then older days out of date, newest first, while ``budget_s`` lasts."""
    today = business_day(
        time.time() if now is None else now, account_tz(), settings.WALLBOARD_DAY_START_HOUR
    )
    recent = [today - timedelta(days=1), today]
    copied = copy_agent_days(recent)
    rules = queue_rules()
    folded = len(roll_up(recent, rules))
    began = time.monotonic()
    for day in stale_days(today - timedelta(days=WARM_DAYS), today - timedelta(days=2), rules):
        if time.monotonic() - began >= budget_s:
            break
        folded += len(roll_up([day], rules))
    counted(copied, folded)
    return Kept(copied, folded)


def keep_on_thread() -> Kept:
    """:func:`keep`, on the worker's thread for it: the database connection checked before and
    after, as Django does around a request's work."""
    close_old_connections()
    try:
        return keep()
    finally:
        close_old_connections()


def stale_days(first: date, last: date, rules: dict[str, QueueRules]) -> list[date]:
    """The days ``first``-``last`` with an hour folded before a record or under other rules,
    newest first (a day never folded, from before the worker ran, is left to the report that
    asks for it)."""
    basis = basis_of(rules)
    found = (
        ReportHour.objects.filter(day__gte=first, day__lte=last)
        .filter(~Q(rolled=F("changed")) | ~Q(basis=basis))
        .values_list("day", flat=True)
        .distinct()
    )
    return sorted(set(found), reverse=True)


def counted(copied: int, folded: int) -> None:
    """A pass's work, in the stats (Redis away: not)."""
    try:
        with shared_sync_client().pipeline(transaction=False) as pipe:
            pipe.hincrby(keys().stats, "reports:agent_days", copied)
            pipe.hincrby(keys().stats, "reports:hours_folded", folded)
            pipe.execute()
    except Exception:  # (the next pass counts again)
        log.debug("the reports' keeping not counted", exc_info=True)
