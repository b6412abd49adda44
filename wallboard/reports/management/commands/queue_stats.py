"""``python manage.py queue_stats [--date YYYY-MM-DD] [--json]``: a business day's numbers.

Read from what the worker counted (``realtime.daystore``), with each queue's settings
(``QueueSettings``; defaults for a queue without) and the metrics of ``realtime.metrics``.
``--json`` prints::

    {"date": "2026-11-30", "queues": {"<queue id>": {"name", "offered", "answered",
     "abandoned", "short_abandoned", "answered_within_sl", "sl_threshold_s",
     "service_level_pct", "asa_s", "abandon_rate_pct", "longest_wait_s", "formula"}},
     "agents": {"<extension>": {"name", "answered", "missed", "talk_s",
                                "status_s": {"<status>": s}}}}

(``missed`` absent in a day counted before it was.)

percentages 0-100 (null when nothing was counted), times in seconds. Without it, a table.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from realtime.history import queue_order
from realtime.metrics import QueueDay, QueueRules, business_day, figures
from wallboard.core import services
from wallboard.reports.models import FORMULA_WORDS, QueueSettings

FIELDS = (
    "offered", "answered", "abandoned", "short_abandoned", "answered_within_sl",
    "sl_threshold_s", "service_level_pct", "asa_s", "abandon_rate_pct", "longest_wait_s",
    "formula",
)  # fmt: skip


class Command(BaseCommand):
    help = "Print a business day's numbers per queue and per agent (default: today)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="the business day, YYYY-MM-DD (default: today)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: object, **options: Any) -> None:
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    _("--date must be YYYY-MM-DD, not %(date)s") % {"date": repr(options["date"])}
                ) from exc
        else:
            tz, start = services.account_tz(), settings.WALLBOARD_DAY_START_HOUR
            day = business_day(time.time(), tz, start)
        settings_by_queue = {q.queue_id: q for q in QueueSettings.objects.all()}
        counters, agents, names = asyncio.run(_read(day))
        queues: dict[str, dict[str, Any]] = {}
        for queue_id in sorted(counters, key=queue_order):
            own = settings_by_queue.get(queue_id)
            # the rules the day was counted under (stored with it), else the queue's own now
            stored = counters[queue_id].get("rules")
            rules = QueueRules.from_mapping(stored or (own.rules() if own else {}))
            shown: Mapping[str, object] = figures(QueueDay.from_mapping(counters[queue_id]), rules)
            name = (own.display_name if own else "") or names.get(queue_id, "")
            queues[queue_id] = {"name": name, **{k: shown[k] for k in FIELDS}}
        report = {"date": day.isoformat(), "queues": queues, "agents": agents}
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self.stdout.write(_table(report))


async def _read(day: date) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    store = services.state_store()
    try:
        days = services.day_store(store.redis)
        counters = await days.counters(day)
        agents = await days.agents(day)
        return counters, agents, await store.queue_names()
    finally:
        await store.redis.aclose()


def _shown(value: object, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}{suffix}" if not value.is_integer() else f"{int(value)}{suffix}"
    return f"{value}{suffix}"


def _grid(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as aligned text: the first column left, the others right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]


def _table(report: dict[str, Any]) -> str:
    lines = [_("Business day %(date)s") % {"date": report["date"]}, ""]
    queues: list[tuple[str, ...]] = [
        (
            _("queue"), pgettext("calls offered to a queue", "offered"), _("answered"),
            _("abandoned"), _("short abandons"), _("SL"), _("ASA"), _("abandon rate"),
            _("longest"),
        )
    ]  # fmt: skip
    for queue_id, q in report["queues"].items():
        queues.append((
            f"{queue_id} {q['name']}".strip(), _shown(q["offered"]), _shown(q["answered"]),
            _shown(q["abandoned"]), _shown(q["short_abandoned"]),
            _shown(q["service_level_pct"], "%"), _shown(q["asa_s"], " s"),
            _shown(q["abandon_rate_pct"], "%"), _shown(q["longest_wait_s"], " s"),
        ))  # fmt: skip
    if len(queues) == 1:
        lines.append(_("No queue calls counted on this day."))
    else:
        lines += _grid(queues)
        lines.append("")
        for formula in sorted({q["formula"] for q in report["queues"].values()}):
            lines.append(f"SL ({formula}): {FORMULA_WORDS[formula]}")
    agents: list[tuple[str, ...]] = [(_("agent"), _("answered"), _("talk"))]
    for ext, a in sorted(report["agents"].items()):
        agents.append(
            (f"{ext} {a['name']}".strip(), _shown(a["answered"]), _shown(a["talk_s"], " s"))
        )
    if len(agents) > 1:
        lines += ["", *_grid(agents)]
    return "\n".join(lines) + "\n"
