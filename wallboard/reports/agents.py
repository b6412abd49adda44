"""``/reports/agents/``: each agent's numbers over a range of days, for supervisors (the sums:
``realtime.history.agent_rows``; the days: :class:`~wallboard.reports.models.AgentDayStats`,
kept by ``wallboard/reports/keeper.py``).

The range is the reports page's (``pages.span_of``); the agents are a team's, or those of the
supervisor's teams, or all of them for whoever sees the whole account. Today's and yesterday's
numbers are copied from the worker's (Redis) as the page is asked for, so today's are the
board's; a Redis away leaves the last copy (at most a minute old while the worker runs) and the
page says so. Times in each status are Voicenter's statuses, by the account's names
(:class:`~wallboard.agents.models.StatusOption`, in the page's language). The table downloads as
CSV or XLSX (``export.py``), times in seconds.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import redis
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from realtime.history import ALL, agent_rows
from realtime.voicenter.rest import STATUS_CODES
from wallboard.agents.models import StatusOption
from wallboard.agents.roles import role_of
from wallboard.reports import export
from wallboard.reports.keeper import copy_agent_days
from wallboard.reports.models import AgentDayStats
from wallboard.reports.pages import PRESETS, span_of, team_picked, with_format
from wallboard.teams.visibility import teams_for_user

log = logging.getLogger("wallboard.reports")


@login_required
@require_GET
def agents_report(request: HttpRequest) -> HttpResponseBase:
    if not role_of(request.user).supervisor:
        raise PermissionDenied("the reports are for supervisors")
    teams, whole = teams_for_user(request.user)
    span = span_of(request)
    first, last, problems = span.first, span.last, list(span.problems)
    chosen = team_picked(request, teams, problems)
    extensions: set[str] | None = None  # None: every agent
    if chosen is not None:
        extensions = {a.extension for a in chosen.agents.all()}
    elif not whole:
        extensions = {a.extension for t in teams for a in t.agents.all()}
    recent = [d for d in (span.today - timedelta(days=1), span.today) if first <= d <= last]
    try:
        copy_agent_days(recent)
    except redis.RedisError as exc:
        log.warning("the agents' days were not copied from Redis: %s", type(exc).__name__)
        problems.append(_("Today's numbers are as the worker last kept them (Redis is away)."))
    rows = agent_rows(_days(first, last, extensions)) if extensions != set() else []
    statuses = _status_names(rows)
    kind = request.GET.get("format", "")
    if kind in ("csv", "xlsx") and rows:
        header, table = download_table(rows, statuses)
        if kind == "csv":
            return export.csv_response("agents", first, last, header, table)
        return export.xlsx_response(
            "agents", first, last, header, table, title=_("Agents"), rtl=get_language_bidi()
        )
    for row in rows:
        row["statuses"] = [clock(row["status_s"].get(code)) for code, _name in statuses]
        row["talk"], row["aht"], row["login"] = (
            clock(row["talk_s"]),
            clock(row["aht_s"]),
            clock(row["login_s"]),
        )
    context = {
        "presets": PRESETS.items(),
        "preset": span.preset,
        "first": first,
        "last": last,
        "teams": teams,
        "team_id": str(chosen.pk) if chosen else "",
        "rows": rows[:-1],
        "everyone": rows[-1] if rows else None,
        "statuses": statuses,
        "problems": problems,
        "csv": with_format(request, "csv"),
        "xlsx": with_format(request, "xlsx"),
    }
    return render(request, "reports/agents.html", context)


def clock(seconds: float | None) -> str:
    """Seconds as the page shows a time: ``h:mm:ss`` (``m:ss`` under an hour); "" for none."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _days(first: date, last: date, extensions: set[str] | None) -> Any:
    rows = AgentDayStats.objects.filter(day__gte=first, day__lte=last)
    if extensions is not None:
        rows = rows.filter(extension__in=sorted(extensions))
    for day, ext, name, answered, missed, talk, status_s in rows.values_list(
        "day", "extension", "name", "answered", "missed", "talk_s", "status_s"
    ).iterator(5_000):
        yield day, ext, {
            "name": name, "answered": answered, "missed": missed, "talk_s": talk,
            "status_s": status_s if isinstance(status_s, dict) else {},
        }  # fmt: skip


def _status_names(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The statuses the agents spent time in, by code, with the account's names for them."""
    codes = sorted({code for row in rows for code in row["status_s"]}, key=_code_order)
    language = get_language()
    named = {str(o.code): o.name_for(language) for o in StatusOption.objects.all()}
    return [(code, named.get(code) or _fallback_name(code)) for code in codes]


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (1 << 30, code)


def _fallback_name(code: str) -> str:
    name = STATUS_CODES.get(int(code)) if code.isdigit() else None
    return name or _("Status %(code)s") % {"code": code}


def download_table(
    rows: list[dict[str, Any]], statuses: list[tuple[str, str]]
) -> tuple[list[export.Column], list[list[export.Cell]]]:
    """The agents table as a download: a row per agent then all of them, times in seconds."""
    header = [
        export.Column(_("Extension"), 10),
        export.Column(_("Agent"), 22),
        export.Column(_("Answered"), 9),
        export.Column(_("Missed"), 9),
        export.Column(_("Talk time (s)"), 10),
        export.Column(_("Average handle time (s)"), 10),
        export.Column(_("Login time (s)"), 10),
        *(export.Column(_("%(status)s (s)") % {"status": name}, 10) for _code, name in statuses),
    ]
    table: list[list[export.Cell]] = []
    for row in rows:
        every = row["extension"] == ALL
        table.append(
            [
                None if every else row["extension"],
                _("All agents") if every else row["name"],
                row["answered"],
                row["missed"],
                row["talk_s"],
                row["aht_s"],
                row["login_s"],
                *(row["status_s"].get(code, 0.0) for code, _name in statuses),
            ]
        )
    return header, table
