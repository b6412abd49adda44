"""What the worker keeps ready for the reports (wallboard/reports/keeper.py), with real Redis
and the real database: the agents' days copied from Redis, the roll-ups folded again after a
change of rules, newest day first, within the pass's budget."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import orjson
import pytest
import redis
from django.conf import settings

from tests.test_reports_history import TZ, push
from wallboard.reports import keeper
from wallboard.reports.history import queue_rules, roll_up
from wallboard.reports.models import AgentDayStats, QueueSettings, ReportHour

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 29)


def agents_in_redis(day: date, **numbers: object) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"{settings.WALLBOARD_REDIS_PREFIX}day:{day.isoformat()}:agents"
    client.hset(key, mapping={ext: orjson.dumps(n) for ext, n in numbers.items()})
    client.close()


def test_the_agents_days_are_copied_from_redis_and_a_second_copy_updates_them(use_prefix):
    agents_in_redis(
        DAY,
        SIP1={"name": "דנה 2", "answered": 3, "talk_s": 95.5, "status_s": {"1": 3600}, "missed": 1},
        SIP2={"name": "Avi", "answered": 0, "talk_s": 0, "status_s": {"2": 60}},  # no "missed"
        SIP3="not an agent's day",
    )
    assert keeper.copy_agent_days([DAY, DAY + timedelta(days=1)]) == 2
    dana = AgentDayStats.objects.get(day=DAY, extension="SIP1")
    assert (dana.name, dana.answered, dana.missed, dana.talk_s) == ("דנה 2", 3, 1, 95.5)
    assert dana.status_s == {"1": 3600.0}
    assert AgentDayStats.objects.get(extension="SIP2").missed == 0
    agents_in_redis(DAY, SIP1={"name": "דנה 2", "answered": 4, "talk_s": 120, "status_s": {}})
    keeper.copy_agent_days([DAY])
    assert AgentDayStats.objects.get(day=DAY, extension="SIP1").answered == 4
    assert AgentDayStats.objects.count() == 2


def test_a_pass_folds_the_days_new_rules_left_out_of_date_newest_first_within_its_budget(
    use_prefix,
):
    now = datetime(2026, 12, 6, 12, 0, tzinfo=TZ).timestamp()
    days = [DAY - timedelta(days=n) for n in range(3)]
    for n, day in enumerate(days):
        push(f"c{n}", 9, wait=25, day=day)
    roll_up(days, queue_rules())
    assert keeper.stale_days(days[-1], DAY, queue_rules()) == []
    QueueSettings.objects.create(queue_id="7", sl_threshold_s=30)  # the rules change
    assert keeper.stale_days(days[-1], DAY, queue_rules()) == days  # newest first
    kept = keeper.keep(now, budget_s=0.0)  # no time for old days: today's and yesterday's only
    assert kept.hours == 48
    assert len(keeper.stale_days(days[-1], DAY, queue_rules())) == 3
    kept = keeper.keep(now)
    assert keeper.stale_days(days[-1], DAY, queue_rules()) == []
    assert kept.hours >= 3 * 24
    fresh = ReportHour.objects.filter(day__in=days).values_list("basis", flat=True).distinct()
    assert len(fresh) == 1


def test_a_pass_copies_todays_and_yesterdays_agents_and_counts_its_work(use_prefix):
    now = datetime(2026, 12, 6, 12, 0, tzinfo=TZ).timestamp()
    agents_in_redis(date(2026, 12, 6), SIP1={"name": "Dana", "answered": 1, "talk_s": 9})
    agents_in_redis(date(2026, 12, 5), SIP1={"name": "Dana", "answered": 2, "talk_s": 9})
    agents_in_redis(date(2026, 12, 4), SIP1={"name": "Dana", "answered": 5, "talk_s": 9})
    assert keeper.keep(now).agent_days == 2
    copied = dict(AgentDayStats.objects.values_list("day", "answered"))
    assert copied == {date(2026, 12, 6): 1, date(2026, 12, 5): 2}
    client = redis.Redis.from_url(settings.REDIS_URL)
    stats = client.hgetall(f"{use_prefix}stats")
    client.close()
    assert stats[b"reports:agent_days"] == b"2"
    assert int(stats[b"reports:hours_folded"]) == 48


@pytest.fixture
def quick_stack(tmp_path, _test_redis):
    from tests.stack import Stack

    running = Stack(
        tmp_path, settings.REDIS_URL, agents=3, queues=1, calls_per_minute=0,
        env={"WALLBOARD_REPORTS_KEEP_S": "1"},
    )  # fmt: skip
    try:
        yield running.start()
    finally:
        running.close()


@pytest.mark.django_db(transaction=True)
def test_the_running_worker_copies_an_answered_call_into_the_agents_days(quick_stack):
    from tests.helpers import until_now

    quick_stack.join("Dana", "0501234567")  # rings an agent, who answers it

    def answered() -> int:
        out = quick_stack.manage_output(
            "shell", "-c",
            "from django.db.models import Sum; from wallboard.reports.models import AgentDayStats;"
            " print(AgentDayStats.objects.aggregate(n=Sum('answered'))['n'] or 0)",
        )  # fmt: skip
        return int(out.strip().splitlines()[-1])

    assert until_now(answered, within_s=60, every_s=1.0) == 1
