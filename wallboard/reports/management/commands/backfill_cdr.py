"""``python manage.py backfill_cdr [--date YYYY-MM-DD]``: a business day's call records from
Voicenter's Call log API (format: ``realtime.voicenter.cdr``), stored with the pushed ones.

A fresh install, or records the notifications never delivered (the server was down), are
filled this way; the worker then folds them into the day's numbers within seconds (the records
win: ``realtime.metrics``), which rebuilds the numbers of a day Redis lost.

The day is asked for an hour at a time (a span with more than the API's limit is halved until
it fits), over a span wider than the day by the account's offset from UTC on both sides
(Voicenter does not say in which zone it reads ``fromdate``); records outside the day, or
without a start, are dropped. A record stored already (pushed, or fetched before) is not stored
again. "Request limit exceeded" waits and tries again, a timeout is asked again once; any other
refusal stops the command with Voicenter's reason (never the API code). The worker counts the
records of today and yesterday (the days it holds); older days' records are stored for the
call log page, their numbers unchanged.
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from realtime.metrics import business_day, day_bounds
from realtime.voicenter.cdr import ERR_RATE_LIMIT, ERR_TOO_MANY, CallLogRefused, CallRecord
from realtime.voicenter.client import VoicenterClient
from wallboard.core import services
from wallboard.core.answers import call_log_refusal
from wallboard.reports.records import store

#: One request asks this long a span (shorter when Voicenter says it holds too many records).
CHUNK = timedelta(hours=1)
#: "Request limit exceeded": wait this long, this many times, before giving up.
RATE_LIMIT_WAIT_S = 10.0
RATE_LIMIT_TRIES = 6
#: A request that times out is asked again this many times in all.
TIMEOUT_TRIES = 2


class Command(BaseCommand):
    help = "Fetch a business day's call records from Voicenter's Call log API (default: today)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="the business day, YYYY-MM-DD (default: today)")

    def handle(self, *args: object, **options: Any) -> None:
        tz, start_hour = services.account_tz(), settings.WALLBOARD_DAY_START_HOUR
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
                start, end = day_bounds(day, tz, start_hour)
            except (ValueError, OverflowError, OSError) as exc:
                raise CommandError(
                    _("--date must be YYYY-MM-DD, not %(date)s") % {"date": repr(options["date"])}
                ) from exc
        else:
            day = business_day(time.time(), tz, start_hour)
            start, end = day_bounds(day, tz, start_hour)
        records, skipped = asyncio.run(self._fetch(start, end))
        try:
            new = sum(store(r, "backfill") for r in records)
        except DatabaseError as exc:
            raise CommandError(_("cannot store the records: %(why)s") % {"why": exc}) from exc
        values = {
            "day": day.isoformat(), "records": len(records), "new": new,
            "stored": len(records) - new, "skipped": skipped,
        }  # fmt: skip
        if skipped:
            done = _(
                "%(day)s: %(records)s call records from Voicenter's call log, %(new)s new,"
                " %(stored)s stored already; %(skipped)s unreadable rows skipped"
            )
        else:
            done = _(
                "%(day)s: %(records)s call records from Voicenter's call log, %(new)s new,"
                " %(stored)s stored already"
            )
        self.stdout.write(done % values)

    async def _fetch(self, start: float, end: float) -> tuple[list[CallRecord], int]:
        client = services.voicenter_client()
        try:
            return await self._fetch_with(client, start, end)
        finally:
            await client.aclose()

    async def _fetch_with(
        self, client: VoicenterClient, start: float, end: float
    ) -> tuple[list[CallRecord], int]:
        tz = services.account_tz()
        offsets = [tz.utcoffset(datetime.fromtimestamp(t, UTC).replace(tzinfo=None)) for t in
                   (start, end)]  # fmt: skip
        pad = max(abs(o.total_seconds()) if o is not None else 0.0 for o in offsets)
        pad = math.ceil(pad / 3600) * 3600
        since = datetime.fromtimestamp(start - pad, UTC).replace(tzinfo=None, second=0)
        until = datetime.fromtimestamp(end + pad, UTC).replace(tzinfo=None)
        found: dict[str, CallRecord] = {}
        skipped = 0
        pending = [(since, min(since + CHUNK, until))]
        while pending:
            chunk_start, chunk_end = pending.pop(0)
            if chunk_end < until and chunk_end == chunk_start + CHUNK:
                pending.append((chunk_end, min(chunk_end + CHUNK, until)))
            try:
                rows, bad = await self._ask(client, chunk_start, chunk_end)
            except _TooMany:
                half = chunk_start + (chunk_end - chunk_start) / 2
                half -= timedelta(seconds=half.second, microseconds=half.microsecond)
                if half <= chunk_start:  # (the API's spans are whole minutes)
                    raise CommandError(
                        _("Voicenter holds too many records for %(when)s even a minute at a time")
                        % {"when": f"{chunk_start:%Y-%m-%d %H:%M}"}
                    ) from None
                pending[:0] = [(chunk_start, half), (half, chunk_end)]
                continue
            skipped += bad
            for record in rows:
                if record.started_at is None:
                    skipped += 1  # no start we can read: which day it is of is unknown
                elif start <= record.started_at < end:
                    found.setdefault(record.key, record)
        return list(found.values()), skipped

    async def _ask(
        self, client: VoicenterClient, since: datetime, until: datetime
    ) -> tuple[list[CallRecord], int]:
        limited = timed_out = 0
        while True:
            try:
                return await client.call_log(since, until, services.account_tz())
            except CallLogRefused as refused:
                if refused.err == ERR_TOO_MANY:
                    raise _TooMany from None
                limited += 1
                if refused.err != ERR_RATE_LIMIT or limited == RATE_LIMIT_TRIES:
                    raise CommandError(call_log_refusal(refused)) from None
                self.stderr.write(
                    _("%(why)s: waiting %(seconds)s s")
                    % {"why": call_log_refusal(refused), "seconds": f"{RATE_LIMIT_WAIT_S:g}"}
                )
                await asyncio.sleep(RATE_LIMIT_WAIT_S)
            except httpx.TimeoutException:
                timed_out += 1
                if timed_out == TIMEOUT_TRIES:
                    raise CommandError(_("Voicenter's call log did not answer in time")) from None
                self.stderr.write(_("Voicenter's call log did not answer in time: asking again"))
            except httpx.HTTPError as exc:  # its text could name the URL: ours only
                raise CommandError(
                    _("cannot reach Voicenter's call log (%(error)s)")
                    % {"error": type(exc).__name__}
                ) from None


class _TooMany(Exception):
    """The span holds more records than the API gives at once."""
