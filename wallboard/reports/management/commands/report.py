"""``python manage.py report --from YYYY-MM-DD --to YYYY-MM-DD --group hour|day|week
[--queues 1,2 | --team NAME] --format csv|json``: the queues' numbers over a range of business
days, from the call records (``realtime/history.py`` defines them; the same fold as the board's
today and ``queue_stats``).

``--format json`` (the default) prints::

    {"from": "2026-11-01", "to": "2026-11-30", "group": "hour", "time_zone": "Asia/Jerusalem",
     "day_start_hour": 0,
     "rows": [{"group": "08:00", "queue": "7", "name": "Sales", "offered", "answered",
               "abandoned", "short_abandoned", "answered_within_sl", "sl_threshold_s",
               "service_level_pct", "asa_s", "avg_talk_s", "longest_wait_s",
               "abandon_rate_pct", "formula"}, ...],
     "totals": [{"group": "total", "queue": "7", ...}, {"group": "total", "queue": "all", ...}]}

the field names ``queue_stats --json`` uses; a row of queue ``all`` is all the queues of its
group. ``--format csv``: the same rows then the totals, one a line under a header row of those
names, UTF-8 with a BOM (so that a spreadsheet reads Hebrew names right); a cell that starts
with ``=``, ``+``, ``-``, ``@`` (or a tab, a carriage return) gets a leading apostrophe, so that
no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from realtime.history import ALL, FIELDS, GROUPINGS, Grouping
from wallboard.reports.export import BOM, csv_cell
from wallboard.reports.history import history, queue_names, within_reach
from wallboard.teams.models import Team

#: The longest range a report covers, in days.
MAX_DAYS = 400


class Command(BaseCommand):
    help = "Print the queues' numbers over a range of days, by hour, day or week (CSV or JSON)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: --from)")
        parser.add_argument("--group", choices=GROUPINGS, default="day", help="hour, day or week")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--queues", help="queue ids, comma-separated (default: every queue)")
        which.add_argument("--team", help="a team's name: its queues")
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def handle(self, *args: object, **options: Any) -> None:
        first = _day(options["first"], "--from")
        last = _day(options["last"], "--to") if options["last"] else first
        if last < first:
            raise CommandError(_("--to must not be before --from"))
        if not within_reach(first, last):
            raise CommandError(_("A report covers days from 2000 to a year from now."))
        if (last - first).days >= MAX_DAYS:
            raise CommandError(_("A report covers at most %(days)d days.") % {"days": MAX_DAYS})
        queues = _queues(options["queues"], options["team"])
        grouping: Grouping = options["group"]
        found = history(first, last, grouping, queues)
        names = queue_names()

        def named(row: dict[str, Any]) -> dict[str, Any]:
            queue = row["queue"]
            name = "" if queue == ALL else names.get(queue, "")
            return {"group": row["group"], "queue": queue, "name": name} | {
                k: row[k] for k in FIELDS
            }

        found["rows"] = [named(row) for row in found["rows"]]
        found["totals"] = [named(row) for row in found["totals"]]
        if options["format"] == "json":
            self.stdout.write(json.dumps(found, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(to_csv([*found["rows"], *found["totals"]]), ending="")


def _day(raw: str, option: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(
            _("%(option)s must be YYYY-MM-DD, not %(value)s")
            % {"option": option, "value": repr(raw)}
        ) from exc


def _queues(raw: str | None, team: str | None) -> list[str] | None:
    if raw is not None:
        queues = [q.strip() for q in raw.split(",") if q.strip()]
        if not queues:
            raise CommandError(_("--queues needs at least one queue id"))
        return queues
    if team is None:
        return None
    found = Team.objects.filter(name__iexact=team.strip()).first()
    if found is None:
        known = ", ".join(Team.objects.values_list("name", flat=True)) or "—"
        raise CommandError(
            _("No team is called %(name)s (teams: %(known)s)")
            % {"name": repr(team), "known": known}
        )
    return list(found.queues.values_list("queue_id", flat=True))


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows under a header row of their field names, with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ["group", "queue", "name", *FIELDS]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return BOM + out.getvalue()
