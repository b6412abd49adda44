"""The call log (``/reports/calls/``): which call records a supervisor sees, filtered, paged and
exported.

- **Who sees what.** Supervisors only. An account with no team: every record. Otherwise a
  person sees the records of their teams (``wallboard.teams.visibility.teams_of``: those they
  supervise and their extension's); superusers and people with "Can see all teams" see every
  record and may pick any team. A team's records are those of its queues (``queue_id``) and of
  its agents (the extension that answered, ``target_extension``, or that called,
  ``caller_extension``). ``team`` picks one of the person's teams; a team they may not see is
  refused with a message (logged, counted ``call_log:bad_input``) and their own teams shown.
  Someone in no team sees no record, and the page says why. The same cut holds for the pages
  and for the downloads.
- **The range.** Business days (``WALLBOARD_DAY_START_HOUR``, the account's time zone) from
  ``from`` to ``to``, both included, today by default; ``date`` is one day (older links). A
  value that is not a date, or one no clock reaches, is refused with a message and today taken
  in its place; ``from`` after ``to``: the two are swapped.
- **Filters.** ``queue`` (an id, or a name without case), ``agent`` (a name's part, or an
  extension that answered or called), ``status`` (Voicenter's code, any case), ``number`` (the
  caller's or the target's last nine digits), ``contact`` (a contact's id: the records of the
  calls placed to it from the wallboard, ``wallboard.reports.records.contact_of``; the
  contacts page links to it); each at most 100 characters, a ``contact`` that is not a number
  refused with a message.
- **Pages.** Newest first (``started_at``, then ``id``), :data:`PAGE_SIZE` rows a page,
  keyset-paged: ``at=o<microseconds>.<id>`` is the page of the records older than that row,
  ``at=n<microseconds>.<id>`` the one of those newer, so that a page of a month's calls reads
  :data:`PAGE_SIZE` + 1 rows from the ``started_at`` index, however deep, and every record
  shows on exactly one page while the range is read. The total is counted up to
  :data:`COUNT_CAP` ("more than 100,000" past it), so that the count stays fast.
- **Downloads** (``format=csv`` or ``xlsx``): the whole filtered range, oldest first, streamed
  (``wallboard.reports.export``); the columns: :func:`columns`. Recording links stay on the
  page (they open the recording to whoever holds them).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from realtime.metrics import day_bounds
from realtime.voicenter.cdr import agent_extension_of
from wallboard.core.errors import count
from wallboard.reports.export import Cell, Column
from wallboard.reports.models import CallRecord
from wallboard.reports.words import Words
from wallboard.teams.models import Team
from wallboard.teams.visibility import sees_all, teams_of

log = logging.getLogger("wallboard.reports")

#: Rows per page of the call log.
PAGE_SIZE = 100
#: Records counted at most for the total.
COUNT_CAP = 100_000
#: Records read from the database at a time by a download.
EXPORT_CHUNK = 2_000
FILTERS = ("queue", "agent", "status", "number", "contact")
CURSOR = re.compile(r"([on])(-?\d{1,20})\.(\d{1,20})")


@dataclass(frozen=True)
class Seen:
    """The records a person may see: ``queues`` and ``agents`` (None: every record); the teams
    they may pick (``options``: (id, name)), the one picked ("": all they see), whether they
    see every team (``everything``), and whether the account has teams at all."""

    queues: frozenset[str] | None
    agents: frozenset[str]
    options: tuple[tuple[str, str], ...] = ()
    chosen: str = ""
    everything: bool = True
    teams: bool = False


def seen_by(user: User, pick: str, problems: list[str]) -> Seen:
    """What ``user`` sees of the call log, ``pick`` a team id ("" none); a refused pick adds
    its message to ``problems``."""
    if not Team.objects.exists():
        return Seen(None, frozenset())
    everything = sees_all(user)
    mine = (
        list(Team.objects.order_by("name").prefetch_related("queues", "agents"))
        if everything
        else teams_of(user)
    )
    options = tuple((str(team.pk), team.name) for team in mine)
    if pick and pick not in {value for value, _name in options}:
        refused(problems, _("That team is not one of yours: showing your teams."), "team", pick)
        pick = ""
    shown = [team for team in mine if str(team.pk) == pick] if pick else mine
    if everything and not pick:
        return Seen(None, frozenset(), options, "", True, True)
    return Seen(
        frozenset(q.queue_id for team in shown for q in team.queues.all()),
        frozenset(a.extension for team in shown for a in team.agents.all()),
        options,
        pick,
        everything,
        True,
    )


def refused(problems: list[str], message: str, name: str, value: str) -> None:
    """A bad value in the request: its message shown, a log line, a count."""
    problems.append(message)
    log.info("call log: refused %s=%r", name, value[:40])
    count("call_log:bad_input")


@dataclass(frozen=True)
class Asked:
    """What the request asks for: the days, the filters, the team."""

    first: date
    last: date
    wanted: Mapping[str, str]
    team: str
    problems: list[str] = field(default_factory=list)


def asked(query: Mapping[str, str], today: date, tz: tzinfo) -> Asked:
    """The request's range and filters (module doc), its refusals in ``problems``."""
    problems: list[str] = []
    days: dict[str, date] = {}
    names = ("date",) if query.get("date") and not (query.get("from") or query.get("to")) else ()
    for name in names or ("from", "to"):
        text = query.get(name, "").strip()
        if not text:
            continue
        try:
            day = date.fromisoformat(text)
            bounds(day, tz)
        except (ValueError, OverflowError, OSError):  # not a date, or one no clock reaches
            refused(
                problems,
                _("“%(value)s” is not a date: today is shown instead.") % {"value": text[:40]},
                name,
                text,
            )
            continue
        days[name] = day
    if "date" in days:
        first = last = days["date"]
    else:
        first, last = days.get("from", today), days.get("to", today)
        if "from" in days and "to" not in days:
            last = max(first, today)
        if "to" in days and "from" not in days:
            first = min(last, today)
    if first > last:
        first, last = last, first
    wanted = {name: query.get(name, "").strip()[:100] for name in FILTERS}
    if wanted["contact"] and not (wanted["contact"].isascii() and wanted["contact"].isdigit()):
        refused(problems, _("That is not a contact: calls to anyone are shown."), "contact",
                wanted["contact"])  # fmt: skip
        wanted["contact"] = ""
    return Asked(first, last, wanted, query.get("team", "").strip()[:20], problems)


def bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Business day ``day`` as the UTC datetimes [since, until)."""
    start, end = day_bounds(day, tz, settings.WALLBOARD_DAY_START_HOUR)
    return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)


def records(request: Asked, seen: Seen, tz: tzinfo) -> QuerySet[CallRecord]:
    """The records ``request`` asks for that ``seen`` allows, unordered."""
    since, _until = bounds(request.first, tz)
    _since, until = bounds(request.last, tz)
    rows = CallRecord.objects.filter(started_at__gte=since, started_at__lt=until)
    if seen.queues is not None:
        if not seen.queues and not seen.agents:
            return rows.none()
        rows = rows.filter(
            Q(queue_id__in=seen.queues)
            | Q(target_extension__in=seen.agents)
            | Q(caller_extension__in=seen.agents)
        )
    wanted = request.wanted
    if wanted["queue"]:
        rows = rows.filter(Q(queue_id=wanted["queue"]) | Q(queue_name__iexact=wanted["queue"]))
    if wanted["agent"]:
        rows = rows.filter(  # the extension answered, or called (an outgoing record)
            Q(agent_name__icontains=wanted["agent"])
            | Q(target_extension=wanted["agent"])
            | Q(caller_extension=wanted["agent"])
        )
    if wanted["status"]:
        rows = rows.filter(status=wanted["status"].upper())
    if wanted["contact"]:
        rows = rows.filter(contact_id=int(wanted["contact"]))
    if wanted["number"]:
        digits = "".join(c for c in wanted["number"] if c.isdigit())[-9:] or wanted["number"]
        rows = rows.filter(Q(caller__contains=digits) | Q(target__contains=digits))
    return rows


@dataclass(frozen=True)
class Page:
    """One page: its records, newest first, and the cursors of the pages around it (None: no
    such page)."""

    rows: list[CallRecord]
    newer: str | None
    older: str | None


def cursor(direction: str, record: CallRecord) -> str:
    assert record.started_at is not None  # the range's filter leaves out records without
    moment = record.started_at - datetime(1970, 1, 1, tzinfo=UTC)
    micro = (moment.days * 86_400 + moment.seconds) * 1_000_000 + moment.microseconds
    return f"{direction}{micro}.{record.pk}"


def page(rows: QuerySet[CallRecord], at: str, problems: list[str]) -> Page:
    """The page ``at`` names (module doc; "" or a bad one: the newest)."""
    found = CURSOR.fullmatch(at) if at else None
    if at and found is None:
        refused(problems, _("That page is not one of this list: the newest are shown."), "at", at)
    if found is None:
        got = list(rows.order_by("-started_at", "-id")[: PAGE_SIZE + 1])
        more, got = len(got) > PAGE_SIZE, got[:PAGE_SIZE]
        return Page(got, None, cursor("o", got[-1]) if more else None)
    direction, micro, pk = found.group(1), int(found.group(2)), int(found.group(3))
    try:
        moment = datetime.fromtimestamp(micro // 1_000_000, UTC).replace(
            microsecond=micro % 1_000_000
        )
    except (OverflowError, OSError, ValueError):
        refused(problems, _("That page is not one of this list: the newest are shown."), "at", at)
        return page(rows, "", problems)
    if direction == "o":
        older = rows.filter(Q(started_at__lt=moment) | Q(started_at=moment, id__lt=pk))
        got = list(older.order_by("-started_at", "-id")[: PAGE_SIZE + 1])
        more, got = len(got) > PAGE_SIZE, got[:PAGE_SIZE]
        return Page(
            got,
            cursor("n", got[0]) if got else None,
            cursor("o", got[-1]) if more else None,
        )
    newer = rows.filter(Q(started_at__gt=moment) | Q(started_at=moment, id__gt=pk))
    got = list(newer.order_by("started_at", "id")[: PAGE_SIZE + 1])
    more, got = len(got) > PAGE_SIZE, got[:PAGE_SIZE][::-1]
    return Page(
        got,
        cursor("n", got[0]) if more else None,
        cursor("o", got[-1]) if got else None,
    )


def total(rows: QuerySet[CallRecord]) -> int:
    """How many records ``rows`` holds, counted up to :data:`COUNT_CAP` + 1."""
    return rows[: COUNT_CAP + 1].count()


def columns() -> list[Column]:
    """A download's columns, in the active language."""
    return [
        Column(_("Started"), 20),
        Column(_("Type"), 16),
        Column(_("Status"), 20),
        Column(_("Status code"), 10),
        Column(_("Queue"), 18),
        Column(_("Queue id"), 8),
        Column(_("Caller"), 16),
        Column(_("Target"), 16),
        Column(_("Contact"), 20),
        Column(_("Agent"), 20),
        Column(_("Extension"), 12),
        Column(_("Wait (s)"), 8),
        Column(_("Talk (s)"), 8),
        Column(_("Call id"), 24),
    ]


def row_maker(tz: tzinfo) -> Callable[[CallRecord], list[Cell]]:
    """The function that makes a record's row (:func:`columns`), its words in the active
    language now (the rows are made later, while the file is sent)."""
    words = Words.now()

    def row(record: CallRecord) -> list[Cell]:
        started = record.started_at
        extension = agent_extension(record)
        return [
            started.astimezone(tz).replace(tzinfo=None) if started is not None else None,
            words.type(record.type),
            words.status(record.status),
            record.status,
            record.queue_name,
            record.queue_id,
            record.caller,
            record.target,
            record.contact.name if record.contact is not None else "",
            record.agent_name or extension,
            extension,
            record.queue_wait_s,
            record.talk_s,
            record.call_id,
        ]

    return row


def agent_extension(record: CallRecord) -> str:
    """The record's agent's extension: the caller's on an outgoing record
    (``realtime.voicenter.cdr.agent_extension_of``)."""
    return agent_extension_of(record.type, record.caller_extension, record.target_extension)


def export_rows(rows: QuerySet[CallRecord], tz: tzinfo) -> Iterator[list[Cell]]:
    """A download's rows, oldest first, read :data:`EXPORT_CHUNK` at a time as they are
    sent; their words in the language active now (not when they are read)."""
    row = row_maker(tz)
    ordered = rows.select_related("contact").order_by("started_at", "id")
    return (row(record) for record in ordered.iterator(chunk_size=EXPORT_CHUNK))
