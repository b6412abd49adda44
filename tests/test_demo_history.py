"""The demo's past (wallboard/worker/demo_history.py): two weeks of the simulator's queues and
agents in the call records and the agents' days, rolled up, made once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings

from realtime.metrics import business_day
from realtime.simulator.model import CallCenter
from wallboard.core.services import account_tz
from wallboard.reports.history import history
from wallboard.reports.models import AgentDayStats, CallRecord, ReportHour
from wallboard.worker import demo_history

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_weeks_of_the_simulators_calls_and_agents_made_once(use_prefix):
    made = demo_history.seed(6, 2, "he", 2.0)
    assert made == CallRecord.objects.count() > 0
    today = business_day(time.time(), account_tz(), settings.WALLBOARD_DAY_START_HOUR)
    days = {r.started_at.date() for r in CallRecord.objects.all() if r.started_at is not None}
    assert max(days) < today + timedelta(days=1)
    assert len(days) >= 12  # (a quiet Saturday may have a call or none)
    center = CallCenter(agents=6, queues=2, names="he")
    assert set(CallRecord.objects.values_list("queue_name", flat=True)) == {
        q.name for q in center.queues.values()
    }
    names = dict(AgentDayStats.objects.values_list("extension", "name"))
    assert names == {a.ext: a.name for a in center.agents.values()}
    assert AgentDayStats.objects.filter(day=today).count() == 0  # today is the simulator's
    assert not ReportHour.objects.filter(rolled=-1).exists()  # folded already
    week = history(today - timedelta(days=7), today - timedelta(days=1), "day", fold=False)
    total = next(r for r in week["totals"] if r["queue"] == "all")
    answered = sum(
        a.answered
        for a in AgentDayStats.objects.filter(day__gte=today - timedelta(days=7), day__lt=today)
    )
    assert total["answered"] == answered > 0  # the agents answered the queues' calls
    assert demo_history.seed(6, 2, "he", 2.0) == 0
