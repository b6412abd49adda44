"""The demo's past: two weeks of call records and agents' days, so that ``make demo``'s reports
(``/reports/``, ``/reports/agents/``) have last week to show, not only today.

Made once, on a database with no record before today, for the simulator's own queues and agents
(``realtime.simulator.model.CallCenter``, built with the demo's numbers and seed, so the names are
the board's): each past business day's queue calls (most between 08:00 and 20:00, Friday short,
Saturday quiet; about 85 % answered, by an agent of the queue), stored as Voicenter's pushed
records are, and each agent's day (answered, missed, talk, a shift's time in Login, Lunch,
Training and Logout), as the worker's keeper would have copied it; then the days are rolled up.
Today stays the simulator's: its records come as its calls end.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings

from realtime.metrics import business_day, day_start
from realtime.simulator.model import CallCenter
from wallboard.core.services import account_tz
from wallboard.reports.history import queue_rules, roll_up
from wallboard.reports.models import AgentDayStats, CallRecord

#: The share of a day's calls in each hour of the wall clock.
HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 1, 3, 8, 10, 10, 10, 9, 9, 10, 10, 9, 8, 6, 4, 2, 1, 1, 0]
#: A weekday's calls against a Sunday's (Monday is 0): Friday short, Saturday quiet.
WEEKDAY_SHARE = {4: 0.4, 5: 0.1}
ANSWERED_P = 0.85
WAIT_MEAN_S = 14.0
ABANDON_WAIT_MEAN_S = 60.0
TALK_MEAN_S = 180.0
#: The most calls a demo day gets, whatever the simulator's rate.
MOST_A_DAY = 3_000


def seed(
    agents: int,
    queues: int,
    names: str,
    calls_per_minute: float,
    *,
    days: int = 14,
    rng_seed: int = 1,
) -> int:
    """The demo's past ``days`` business days, unless the database has a record before today;
    how many call records were made."""
    tz, start_hour = account_tz(), settings.WALLBOARD_DAY_START_HOUR
    today = business_day(datetime.now(UTC).timestamp(), tz, start_hour)
    since = datetime.fromtimestamp(day_start(today, tz, start_hour), UTC)
    if CallRecord.objects.filter(started_at__lt=since).exists():
        return 0
    center = CallCenter(agents=agents, queues=queues, names=names, seed=rng_seed)
    members: dict[int, list[tuple[str, str]]] = {
        q: [(a.ext, a.name) for a in center.agents.values() if q in a.queues] for q in center.queues
    }
    rng = random.Random(f"demo-history:{rng_seed}")
    per_day = min(MOST_A_DAY, round(calls_per_minute * 60 * 10))
    records: list[CallRecord] = []
    worked: dict[tuple[date, str], dict[str, Any]] = defaultdict(
        lambda: {"answered": 0, "talk_s": 0.0, "missed": 0}
    )
    past = [today - timedelta(days=n) for n in range(days, 0, -1)]
    for day in past:
        begins = day_start(day, tz, start_hour)
        count = round(per_day * WEEKDAY_SHARE.get(day.weekday(), 1.0) * rng.uniform(0.85, 1.15))
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
        for n, hour in enumerate(sorted(hours)):
            at = int(begins + ((hour - start_hour) % 24) * 3600 + rng.random() * 3600)
            queue = rng.choice(list(center.queues))
            answered = rng.random() < ANSWERED_P and bool(members[queue])
            wait = int(rng.expovariate(1 / (WAIT_MEAN_S if answered else ABANDON_WAIT_MEAN_S)))
            talk = max(10, int(rng.expovariate(1 / TALK_MEAN_S))) if answered else 0
            ext, agent = rng.choice(members[queue]) if answered else ("", "")
            call_id = f"{at}{n:05d}demo"
            if answered:
                numbers = worked[(day, ext)]
                numbers["answered"] += 1
                numbers["talk_s"] += talk
                numbers["missed"] += rng.random() < 0.08
            started = datetime.fromtimestamp(at, UTC)
            records.append(
                CallRecord(
                    key=f"{call_id}|Queue|{queue}|{ext}|{at}", call_id=call_id, type="Queue",
                    status="ANSWER" if answered else "ABANDONE", queue_id=str(queue),
                    queue_name=center.queues[queue].name, caller=f"05{rng.randrange(10**8):08d}",
                    target=ext and str(center.agents[ext].number), target_extension=ext,
                    did="0722776772", started_at=started, talk_s=talk,
                    ring_s=rng.randint(2, 12) if answered else None, queue_wait_s=wait,
                    agent_name=agent, raw={}, source="push",
                )
            )  # fmt: skip
    CallRecord.objects.bulk_create(records, batch_size=5_000)
    AgentDayStats.objects.bulk_create(
        [
            _agent_day(day, a.ext, a.name, worked, rng)
            for day in past
            for a in center.agents.values()
        ],
        batch_size=5_000,
        ignore_conflicts=True,
    )
    roll_up([past[0] - timedelta(days=1), *past], queue_rules())
    return len(records)


def _agent_day(
    day: date,
    ext: str,
    name: str,
    worked: dict[tuple[date, str], dict[str, Any]],
    rng: random.Random,
) -> AgentDayStats:
    """An agent's day: a shift (none on Saturday, half on Friday) with lunch and, some days,
    training; the rest of the day logged out."""
    numbers = worked.get((day, ext), {"answered": 0, "talk_s": 0.0, "missed": 0})
    shift = {5: 0, 4: 4 * 3600}.get(day.weekday(), 8 * 3600) if numbers["answered"] else 0
    shift += rng.randint(-40, 40) * 60 if shift else 0  # (in early, out late...)
    lunch = rng.randint(25, 45) * 60 if shift > 5 * 3600 else 0
    training = 3600 if shift > 5 * 3600 and rng.random() < 0.2 else 0
    status_s = {"2": float(86_400 - shift)}
    if shift:
        status_s |= {"1": float(shift - lunch - training)}
    if lunch:
        status_s["3"] = float(lunch)
    if training:
        status_s["11"] = float(training)
    return AgentDayStats(
        day=day, extension=ext, name=name, answered=numbers["answered"],
        missed=numbers["missed"], talk_s=numbers["talk_s"], status_s=status_s,
    )  # fmt: skip
