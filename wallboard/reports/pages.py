"""``/reports/``: the queues' numbers over a range of days, for supervisors (the numbers:
``realtime/history.py``; read through ``wallboard/reports/history.py``'s roll-ups).

A range is a preset (today, yesterday, this week, last week, this month, last month: business
days in the account's time zone, weeks from Sunday) or two days (custom, at most
``MAX_DAYS``); the queues are a team's, or those picked, or all; the grouping is by hour of the
day, by day or by week. A team supervisor sees only their teams' queues (and their teams in the
picker); whoever sees the whole account (``wallboard.teams.visibility.teams_for_user``: a
superuser, "Can see all teams", or an account without teams) any queue. What cannot be read
(a bad date, a range past the limit, a team or queue not theirs) falls back to the defaults and
says so.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from realtime.history import ALL, GROUPINGS, TOTAL, Grouping, queue_order
from realtime.metrics import business_day
from wallboard.agents.roles import role_of
from wallboard.core.services import account_tz
from wallboard.reports import charts as charts_of
from wallboard.reports import export
from wallboard.reports.history import (
    days_of,
    history,
    out_of_date,
    queue_names,
    queue_rules,
    roll_up,
    within_reach,
)
from wallboard.teams.models import Team
from wallboard.teams.visibility import teams_for_user

log = logging.getLogger("wallboard.reports")

#: The longest custom range, in days.
MAX_DAYS = 400
#: More hours than this to fold before a report (a long range never reported on, or every hour
#: after a change of rules: about 2 s a day of a 1,000-agent center) are folded on a thread of
#: their own (``FOLD_THREAD``), one range at a time, and the page says to come back: no request
#: holds a web thread for a minute.
PAGE_FOLD_HOURS = 72
FOLD_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallboard-reports")
_folding: dict[str, Future[None]] = {}  # the fold in flight, if any ("fold")
_folding_lock = threading.Lock()
PRESETS = {
    "today": gettext_lazy("Today"),
    "yesterday": gettext_lazy("Yesterday"),
    "this_week": gettext_lazy("This week"),
    "last_week": gettext_lazy("Last week"),
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "custom": gettext_lazy("Custom"),
}
GROUPING_WORDS = {
    "hour": gettext_lazy("By hour of day"),
    "day": gettext_lazy("By day"),
    "week": gettext_lazy("By week"),
}


@dataclass(frozen=True, slots=True)
class Span:
    """The business days a report covers, as asked (a preset, or custom days)."""

    preset: str
    first: date
    last: date
    today: date
    problems: list[str]  # what could not be read, said on the page


def span_of(request: HttpRequest) -> Span:
    """The range the request asks for (``range``, ``from``, ``to``; days typed under an
    unchanged preset are a custom range): the defaults, and a problem to say, for what cannot
    be read."""
    today = business_day(time.time(), account_tz(), settings.WALLBOARD_DAY_START_HOUR)
    problems: list[str] = []
    preset = request.GET.get("range", "today")
    if preset not in PRESETS:
        preset = "today"
    if _dates_edited(request, preset):
        preset = "custom"  # new days typed under an unchanged preset: those days
    first, last = preset_range(preset, today)
    if preset == "custom":
        try:
            first = date.fromisoformat(request.GET.get("from", ""))
            last = date.fromisoformat(request.GET.get("to", "") or first.isoformat())
            if last < first:
                first, last = last, first
            if (last - first).days >= MAX_DAYS:
                problems.append(_("A report covers at most %(days)d days.") % {"days": MAX_DAYS})
                first = last - timedelta(days=MAX_DAYS - 1)
            if not within_reach(first, last):
                raise ValueError("no report reaches those days")
        except ValueError:
            problems.append(_("Pick the first and last day of the range."))
            first = last = today
    return Span(preset, first, last, today, problems)


def _dates_edited(request: HttpRequest, preset: str) -> bool:
    """Did the form come back with its range unchanged but other days in From or To? (The
    page sends the range and days it showed along, as ``shown_range``, ``shown_from``,
    ``shown_to``.)"""
    got = request.GET
    if preset == "custom" or got.get("shown_range") != preset:
        return False
    return (got.get("from"), got.get("to")) != (got.get("shown_from"), got.get("shown_to"))


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The business days a preset names, ``today`` being today's."""
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    month = today.replace(day=1)
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "this_week":
        return sunday, today
    if preset == "last_week":
        return sunday - timedelta(days=7), sunday - timedelta(days=1)
    if preset == "this_month":
        return month, today
    if preset == "last_month":
        last = month - timedelta(days=1)
        return last.replace(day=1), last
    return today, today


def team_picked(request: HttpRequest, teams: list[Team], problems: list[str]) -> Team | None:
    """The team the request picks (``team``) among ``teams`` (the person's); one not theirs
    is a problem to say, and none picked."""
    team_id = request.GET.get("team", "")
    chosen = next((t for t in teams if str(t.pk) == team_id), None)
    if team_id and chosen is None:
        problems.append(_("That team is not one of yours."))
    return chosen


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponseBase:
    if not role_of(request.user).supervisor:
        raise PermissionDenied("the reports are for supervisors")
    teams, whole = teams_for_user(request.user)
    span = span_of(request)
    first, last, today, preset, problems = (
        span.first,
        span.last,
        span.today,
        span.preset,
        span.problems,
    )
    asked = request.GET.get("group", "hour")
    grouping: Grouping = next((g for g in GROUPINGS if g == asked), "hour")
    names = queue_names()
    allowed: set[str] | None = (
        None if whole else {q.queue_id for t in teams for q in t.queues.all()}
    )
    for team in teams:
        for q in team.queues.all():
            names.setdefault(q.queue_id, q.name)
    picked = [q.strip()[:64] for q in request.GET.getlist("queue") if q.strip()]
    queues: list[str] | None = None
    chosen_team = team_picked(request, teams, problems)
    if chosen_team is not None:
        queues = [q.queue_id for q in chosen_team.queues.all()]
    elif picked:
        queues = [q for q in picked if allowed is None or q in allowed]
        if len(queues) < len(picked):
            problems.append(_("Some of those queues are not in your teams: left out."))
    elif allowed is not None:
        queues = sorted(allowed)
    preparing = (queues is None or bool(queues)) and _prepare(first, last)
    found: dict[str, Any] = (
        history(first, last, grouping, queues)
        if (queues is None or queues) and not preparing
        else {"rows": [], "totals": []}
    )
    for row in (*found["rows"], *found["totals"]):
        row["name"] = "" if row["queue"] == ALL else names.get(row["queue"], "")
    kind = request.GET.get("format", "")
    if kind in ("csv", "xlsx") and not preparing:  # the table as shown, as a file
        header, table = download_table(grouping, [*found["rows"], *found["totals"]])
        if kind == "csv":
            return export.csv_response("report", first, last, header, table)
        return export.xlsx_response(
            "report", first, last, header, table, title=_("Reports"), rtl=get_language_bidi()
        )
    charts = (
        _charts(found, first, last, grouping, queues) if found["totals"] and not preparing else []
    )
    listed = set(names) | {row["queue"] for row in found["totals"]} if allowed is None else allowed
    shown = sorted(((q, names.get(q, "")) for q in listed - {ALL}), key=lambda o: queue_order(o[0]))
    context = {
        "presets": PRESETS.items(),
        "preset": preset,
        "first": first,
        "last": last,
        "today": today,
        "groupings": GROUPING_WORDS.items(),
        "grouping": grouping,
        "teams": teams,
        "team_id": str(chosen_team.pk) if chosen_team else "",
        "queue_options": shown,
        "picked": set(picked),
        "rows": found["rows"],
        "totals": found["totals"],
        "all_queues": ALL,
        "total": TOTAL,
        "problems": problems,
        "preparing": preparing,
        "charts": charts,
        "day_start_hour": settings.WALLBOARD_DAY_START_HOUR,
        "time_zone": settings.TIME_ZONE,
        "csv": with_format(request, "csv"),
        "xlsx": with_format(request, "xlsx"),
    }
    return render(request, "reports/reports.html", context)


def _charts(
    found: dict[str, Any], first: date, last: date, grouping: Grouping, queues: list[str] | None
) -> list[dict[str, Any]]:
    """The page's charts: offered calls and service level by hour of the day, and by day when
    the range has more than one (from ``found``, the table's report, when it is grouped so)."""
    rtl = get_language_bidi()

    def of(by: Grouping) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (
            found if by == grouping else history(first, last, by, queues, fold=False)
        )["rows"]
        return rows

    charts = [
        {
            "id": "hour",
            "title": _("Offered calls and service level by hour of the day"),
            "chart": charts_of.bar_line(_trimmed(chart_points(of("hour"))), rtl=rtl),
        }
    ]
    if last > first:
        charts.append(
            {
                "id": "day",
                "title": _("Offered calls and service level by day"),
                "chart": charts_of.bar_line(
                    [
                        charts_of.Point(_short_day(p.label), p.offered, p.sl_pct, p.label)
                        for p in chart_points(of("day"))
                    ],
                    rtl=rtl,
                ),
            }
        )
    return charts


def chart_points(rows: list[dict[str, Any]]) -> list[charts_of.Point]:
    """Each group's numbers over all the report's queues (its ``all`` row, else its one
    queue's), in the report's order."""
    by_group: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["queue"] == ALL or row["group"] not in by_group:
            by_group[row["group"]] = row
    return [
        charts_of.Point(group, int(row["offered"]), row["service_level_pct"])
        for group, row in by_group.items()
    ]


def _short_day(iso: str) -> str:
    """A day as a chart labels it: "30 Nov" (the page's language's month)."""
    return date_format(date.fromisoformat(iso), "j M")


def _trimmed(points: list[charts_of.Point]) -> list[charts_of.Point]:
    """The hours from the first with a call offered to the last (every hour when none has)."""
    busy = [n for n, p in enumerate(points) if p.offered or p.sl_pct is not None]
    return points[busy[0] : busy[-1] + 1] if busy else points


def with_format(request: HttpRequest, kind: str) -> str:
    query = request.GET.copy()
    query["format"] = kind
    return query.urlencode()


def download_table(
    grouping: Grouping, rows: list[dict[str, Any]]
) -> tuple[list[export.Column], list[list[export.Cell]]]:
    """The report's table as a download: the page's columns, its rows then its totals, numbers
    as numbers (seconds, percentages), in the active language."""
    first = {"hour": _("Hour"), "day": _("Day"), "week": _("Week of")}[grouping]
    header = [
        export.Column(first, 12),
        export.Column(_("Queue"), 20),
        export.Column(_("Queue id"), 8),
        export.Column(_("Offered"), 8),
        export.Column(_("Answered"), 8),
        export.Column(_("Abandoned"), 8),
        export.Column(_("Short abandons"), 8),
        export.Column(_("Within SL"), 8),
        export.Column(_("Service level (%)"), 8),
        export.Column(_("ASA (s)"), 8),
        export.Column(_("Average talk (s)"), 8),
        export.Column(_("Longest wait (s)"), 8),
        export.Column(_("Abandon rate (%)"), 8),
    ]
    table: list[list[export.Cell]] = []
    for row in rows:
        every = row["queue"] == ALL
        table.append(
            [
                _("Total") if row["group"] == TOTAL else row["group"],
                _("All queues") if every else (row.get("name") or row["queue"]),
                None if every else row["queue"],
                row["offered"],
                row["answered"],
                row["abandoned"],
                row["short_abandoned"],
                row["answered_within_sl"],
                row["service_level_pct"],
                row["asa_s"],
                row["avg_talk_s"],
                row["longest_wait_s"] if row["answered"] or row["abandoned"] else None,
                row["abandon_rate_pct"],
            ]
        )
    return header, table


def _prepare(first: date, last: date) -> bool:
    """Is the range being folded in the background (started now if it has many hours to fold,
    or while another range is)?"""
    stale = out_of_date(days_of(first, last), queue_rules())
    if stale == 0:
        return False
    with _folding_lock:
        running = _folding.get("fold")
        if running is not None and not running.done():
            return True  # (it may be folding these very hours: the report waits for it)
        if stale <= PAGE_FOLD_HOURS:
            return False
        _folding["fold"] = FOLD_THREAD.submit(_fold, first, last)
        return True


def _fold(first: date, last: date) -> None:
    close_old_connections()  # as Django does around a request's work
    try:
        roll_up(days_of(first, last), queue_rules())
    except Exception:  # the database away: the next report tries again
        log.exception("the reports' roll-ups of %s to %s were not folded", first, last)
    finally:
        close_old_connections()
