"""Teams: a name, its queues, its agents (extensions) and its supervisors.

A queue or an agent may be in several teams. Queues are kept by Voicenter's queue id and
agents by their extension's SIP user, each with the name it had when it was picked, so a queue
Voicenter stops reporting still shows by name in the admin. What each person and display link
sees follows from these (:mod:`wallboard.teams.visibility`); every change here reaches the open
boards within seconds (:mod:`wallboard.teams.live`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wallboard.agents.models import limits_in_seconds


class Team(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="supervised_teams",
        verbose_name=_("supervisors"),
        help_text=_("They see this team's board and may change its agents' statuses."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        permissions = [("see_all_teams", _("Can see all teams (the whole account)"))]

    def __str__(self) -> str:
        return self.name


class TeamQueue(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="queues")
    queue_id = models.CharField(_("queue id"), max_length=64)
    name = models.CharField(_("queue name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("team queue")
        verbose_name_plural = _("team queues")
        ordering = ["name", "queue_id"]
        constraints = [models.UniqueConstraint(fields=["team", "queue_id"], name="team_queue_once")]

    def __str__(self) -> str:
        return self.name or self.queue_id


class TeamAgent(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="agents")
    extension = models.CharField(_("extension (SIP user)"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("team agent")
        verbose_name_plural = _("team agents")
        ordering = ["name", "extension"]
        constraints = [
            models.UniqueConstraint(fields=["team", "extension"], name="team_agent_once")
        ]

    def __str__(self) -> str:
        return self.name or self.extension


class TeamStatusLimit(models.Model):
    """A team's own limits for a status, in place of the account's (the status options')."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="status_limits")
    status = models.ForeignKey(
        "agents.StatusOption", on_delete=models.CASCADE, verbose_name=_("status")
    )
    limit_min = models.PositiveSmallIntegerField(
        _("time limit (min)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Empty: no limit for this team."),
    )
    call_limit_min = models.PositiveSmallIntegerField(
        _("long-call limit (min)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Empty: no long-call limit for this team."),
    )

    class Meta:
        verbose_name = _("team's status limit")
        verbose_name_plural = _("team's status limits")
        constraints = [
            models.UniqueConstraint(fields=["team", "status"], name="team_status_limit_once")
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.status}"

    def limits(self) -> tuple[int | None, int | None]:
        """As :meth:`wallboard.agents.models.StatusOption.limits`."""
        return limits_in_seconds(self.limit_min, self.call_limit_min)


class BoardChoice(models.Model):
    """The team a person last picked on the board (none: all teams, when they may)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_choice",
        verbose_name=_("user"),
    )  # fmt: skip
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("team")
    )

    class Meta:
        verbose_name = _("board choice")
        verbose_name_plural = _("board choices")

    def __str__(self) -> str:
        return str(self.user)
