"""A queue's settings for its numbers: the service-level threshold and formula, short abandons
(their definitions: ``realtime/metrics.py``), its display name, and the alert thresholds the
board colours a tile by."""

from __future__ import annotations

from datetime import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from realtime.metrics import DEFAULT_SL_TARGET_PCT, DEFAULT_SL_THRESHOLD_S, FORMULAS, RecordedCall
from realtime.voicenter.cdr import ANSWERED

#: The service-level formulas (``realtime.metrics.FORMULAS``), as a person reads them: the
#: admin's choices, the board's tooltip (``wallboard/board/views.py``), ``queue_stats``.
FORMULA_WORDS: dict[str, Promise] = {
    "strict": _("answered within T / (answered + abandoned)"),
    "answered": _("answered within T / answered"),
    "both": _("(answered within T + abandoned within T) / (answered + abandoned)"),
    "no_short": _("answered within T / (answered + abandoned - short abandons)"),
}
FORMULA_CHOICES = [(name, format_lazy("{}: {}", name, FORMULA_WORDS[name])) for name in FORMULAS]
DAY_S = 86_400


class QueueSettings(models.Model):
    queue_id = models.CharField(
        _("Voicenter queue id"),
        max_length=64,
        unique=True,
        help_text=_("QueueID, as the board shows"),
    )
    display_name = models.CharField(
        _("display name"),
        max_length=100,
        blank=True,
        help_text=_("shown on the board instead of Voicenter's name"),
    )
    sl_threshold_s = models.PositiveIntegerField(
        _("service-level threshold (s)"),
        default=DEFAULT_SL_THRESHOLD_S,
        validators=[MinValueValidator(1), MaxValueValidator(DAY_S)],
        help_text=_("a call answered within this many seconds counts as served in time"),
    )
    sl_formula = models.CharField(
        _("service-level formula"), max_length=16, choices=FORMULA_CHOICES, default="strict"
    )
    short_abandon_s = models.PositiveIntegerField(
        _("short abandon (s)"),
        default=0,
        validators=[MaxValueValidator(DAY_S)],
        help_text=_("callers hanging up within this many seconds are short abandons (0: none)"),
    )
    alert_waiting = models.PositiveIntegerField(
        _("alert: callers waiting"),
        null=True,
        blank=True,
        help_text=_("at or above: the tile alerts"),
    )
    alert_longest_wait_s = models.PositiveIntegerField(
        _("alert: longest wait (s)"),
        null=True,
        blank=True,
        help_text=_("at or above: the tile alerts"),
    )
    alert_sl_pct = models.PositiveIntegerField(
        _("service-level target (%)"),
        null=True,
        blank=True,
        default=DEFAULT_SL_TARGET_PCT,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "today's service level below this: the tile says so (80 % within 20 s is the "
            "industry's common default; empty: no target)"
        ),
    )

    class Meta:
        verbose_name = _("queue settings")
        verbose_name_plural = _("queue settings")
        ordering = ["queue_id"]

    def __str__(self) -> str:
        return self.display_name or gettext("queue %(id)s") % {"id": self.queue_id}

    def rules(self) -> dict[str, object]:
        """What the worker counts by (``realtime.metrics.QueueRules``' stored form), and what
        the board shows the queue by (``realtime.projections.day``: its name and alerts)."""
        return {
            "sl_threshold_s": self.sl_threshold_s,
            "formula": self.sl_formula,
            "short_abandon_s": self.short_abandon_s,
            "display_name": self.display_name,
            "alert_waiting": self.alert_waiting,
            "alert_longest_wait_s": self.alert_longest_wait_s,
            "alert_sl_pct": self.alert_sl_pct,
        }


class CallRecord(models.Model):
    """One of Voicenter's call records (CDR), pushed by its notification system
    (``/reports/cdr/<secret>/``). The fields are ``realtime.voicenter.cdr.CallRecord``'s;
    ``raw`` keeps every field as it came."""

    SOURCES = [("push", _("notification")), ("backfill", _("call log API"))]

    key = models.CharField(
        _("key"),
        max_length=255,
        unique=True,
        help_text=_("what tells this record from every other one"),
    )
    call_id = models.CharField(_("call id (ivruniqueid)"), max_length=200, db_index=True)
    type = models.CharField(_("type"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=200, blank=True, db_index=True)
    queue_id = models.CharField(_("queue id"), max_length=200, blank=True, db_index=True)
    queue_name = models.CharField(_("queue name"), max_length=200, blank=True)
    caller = models.CharField(_("caller"), max_length=200, blank=True, db_index=True)
    target = models.CharField(_("target"), max_length=200, blank=True, db_index=True)
    caller_extension = models.CharField(_("caller extension"), max_length=200, blank=True)
    target_extension = models.CharField(
        _("target extension"), max_length=200, blank=True, db_index=True
    )
    did = models.CharField(_("DID (the number dialled)"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, db_index=True)
    talk_s = models.PositiveIntegerField(_("talk (s)"), default=0)
    ring_s = models.PositiveIntegerField(_("ringing (s)"), null=True, blank=True)
    queue_wait_s = models.PositiveIntegerField(_("wait in queue (s)"), null=True, blank=True)
    agent_name = models.CharField(_("agent name"), max_length=200, blank=True)
    agent_code = models.CharField(_("agent code"), max_length=200, blank=True)
    record_url = models.URLField(_("recording URL"), max_length=1000, blank=True)
    original_call_id = models.CharField(_("original call id"), max_length=200, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_records",
        verbose_name=_("contact"),
        help_text=_("the contact a call from the wallboard was placed to"),
    )
    raw = models.JSONField(_("raw"), default=dict)
    source = models.CharField(_("source"), max_length=16, choices=SOURCES, default="push")
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.type} {self.status}"


class ReportHour(models.Model):
    """Whether an hour's roll-ups (:class:`QueueHour`) are up to date
    (``wallboard/reports/history.py``): a record stored of a call that began in the hour (a
    business day and an hour of the wall clock) moves ``changed``; a fold of the hour's records
    sets ``rolled`` to the ``changed`` it read before them, and ``basis`` to what it folded
    under (time zone, day start hour, queues' rules)."""

    day = models.DateField(_("business day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    changed = models.BigIntegerField(_("changed"), default=0)
    rolled = models.BigIntegerField(_("rolled up at"), default=-1)
    basis = models.CharField(_("folded under"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("report hour")
        verbose_name_plural = _("report hours")
        constraints = [models.UniqueConstraint(fields=["day", "hour"], name="report_hour_once")]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.hour:02d}:00"


class QueueHour(models.Model):
    """The roll-up: one queue's counters (``realtime.metrics.QueueDay``) in one hour of the
    wall clock (``day``, ``hour``), from the calls that began in the hour ``source_day``,
    ``source_hour``, folded under the queue's rules (``realtime.history``)."""

    source_day = models.DateField(_("calls of the day"))
    source_hour = models.PositiveSmallIntegerField(_("calls of the hour"))
    queue_id = models.CharField(_("queue id"), max_length=200)
    day = models.DateField(_("business day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    offered = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    short_abandoned = models.PositiveIntegerField(default=0)
    answered_within_sl = models.PositiveIntegerField(default=0)
    abandoned_within_sl = models.PositiveIntegerField(default=0)
    answered_timed = models.PositiveIntegerField(default=0)
    wait_answered_s = models.FloatField(default=0.0)
    longest_wait_s = models.FloatField(default=0.0)
    talk_s = models.FloatField(default=0.0)
    talk_counted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("queue hour")
        verbose_name_plural = _("queue hours")
        constraints = [
            models.UniqueConstraint(
                fields=["source_day", "source_hour", "queue_id", "day", "hour"],
                name="queue_hour_once",
            )
        ]
        indexes = [models.Index(fields=["day", "queue_id"], name="queue_hour_day")]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.day} {self.hour:02d}:00"


class AgentDayStats(models.Model):
    """One agent's (extension's) numbers of one business day, as the worker counted them
    (``realtime.projections.day.agents.AgentDay``), copied from Redis for the agents report
    (``wallboard/reports/keeper.py``): Redis keeps a day 45 days, this for good."""

    day = models.DateField(_("business day"))
    extension = models.CharField(_("extension (SIP user)"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    answered = models.PositiveIntegerField(_("answered"), default=0)
    missed = models.PositiveIntegerField(_("missed"), default=0)
    talk_s = models.FloatField(_("talk (s)"), default=0.0)
    status_s = models.JSONField(_("seconds in each status"), default=dict)
    copied_at = models.DateTimeField(_("copied at"), auto_now=True)

    class Meta:
        verbose_name = _("agent day")
        verbose_name_plural = _("agent days")
        constraints = [models.UniqueConstraint(fields=["day", "extension"], name="agent_day_once")]

    def __str__(self) -> str:
        return f"{self.extension} {self.day}"


def recorded_call(
    call_id: str,
    queue_id: str,
    queue_name: str,
    status: str,
    started: datetime,
    wait: float | None,
    *,
    caller: str = "",
    talk: float | None = None,
) -> RecordedCall:
    """A stored queue call record's row (answered or abandoned) as the fold reads it
    (``realtime.metrics.RecordedCall``): the worker's settling (``records.py``) and the reports'
    roll-ups (``history.py``) both."""
    answered = status == ANSWERED
    return RecordedCall(
        call_id=call_id,
        queue_id=queue_id or None,
        queue_name=queue_name,
        outcome="answered" if answered else "abandoned",
        started_at=started.timestamp(),
        wait_s=None if wait is None else float(wait),
        caller_number=caller.strip(),
        talk_s=float(talk) if answered and talk is not None else None,
    )
