"""Agent profiles, the extension directory, the status names the board offers, and the audit
log of status changes.

Roles are Django groups (``wallboard.agents.roles``): ``supervisor`` and ``agent``, created by a
migration. An :class:`AgentProfile` ties a user to what Voicenter knows them by: the Voicenter
user id (``UserId`` of the Login/Logout API, ``userID`` of the realtime events) and the SIP user
of their extension (``ExtensionUser``; the board's agents are keyed by it).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

digits = RegexValidator(r"^[0-9]+$", _("Voicenter user ids are digits."))


class AgentProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent_profile",
        verbose_name=_("user"),
    )
    voicenter_user_id = models.CharField(
        _("Voicenter user id"), max_length=20, blank=True, validators=[digits]
    )
    extension = models.CharField(
        _("extension (SIP user)"),
        max_length=64,
        blank=True,
        help_text=_(
            "The SIP user of the agent's extension, as the board shows it. A supervisor needs none."
        ),
    )

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["extension"], condition=~Q(extension=""), name="one_profile_per_extension"
            )
        ]

    def __str__(self) -> str:
        extension = self.extension or gettext("no extension")
        return f"{self.user.get_username()} ({extension})"


class Extension(models.Model):
    """Voicenter's organisational extension list (``GetExtensions``), as last imported."""

    sip = models.CharField(_("SIP user"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    speed_dial = models.CharField(_("speed dial"), max_length=32, blank=True)
    account_id = models.BigIntegerField(_("account id"), null=True, blank=True)
    account_name = models.CharField(_("account name"), max_length=200, blank=True)
    user_name = models.CharField(_("user name"), max_length=200, blank=True)
    user_email = models.CharField(_("user email"), max_length=200, blank=True)
    voicenter_user_id = models.CharField(
        _("Voicenter user id"), max_length=20, blank=True, help_text=_("From the realtime events.")
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["sip"]

    def __str__(self) -> str:
        return f"{self.sip} ({self.name or self.user_name or gettext('unnamed')})"


def limits_in_seconds(
    limit_min: int | None, call_limit_min: int | None
) -> tuple[int | None, int | None]:
    """A status' limits in minutes (None or 0: none) as the board judges them: seconds."""
    return (limit_min * 60 if limit_min else None, call_limit_min * 60 if call_limit_min else None)


class StatusOption(models.Model):
    """A Voicenter status as this account names it, and whether the board offers it."""

    code = models.PositiveSmallIntegerField(
        _("code"),
        unique=True,
        help_text=_("Voicenter's status number (1 Login, 2 Logout, 3 Lunch...)."),
    )
    name = models.CharField(
        _("name"), max_length=40, help_text=_("As the account names it in Voicenter's CPanel.")
    )
    name_he = models.CharField(
        _("name in Hebrew"),
        max_length=40,
        blank=True,
        help_text=_("Shown on Hebrew pages (empty: the name above)."),
    )
    offered = models.BooleanField(
        pgettext_lazy("a status the board offers", "offered"),
        default=True,
        help_text=_("Shown as a button on the board."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order of the buttons.")
    )
    limit_min = models.PositiveSmallIntegerField(
        _("time limit (min)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_(
            "An agent in this status longer than this shows as over the limit (Lunch 30, "
            "Brief 10...; empty: no limit). A team may have its own (Teams)."
        ),
    )
    call_limit_min = models.PositiveSmallIntegerField(
        _("long-call limit (min)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_(
            "A call taken in this status longer than this shows as a long call (empty: none)."
        ),
    )

    class Meta:
        verbose_name = _("status option")
        verbose_name_plural = _("status options")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def limits(self) -> tuple[int | None, int | None]:
        """The time limit in this status and the long-call limit, in seconds (None: none)."""
        return limits_in_seconds(self.limit_min, self.call_limit_min)

    def name_for(self, language: str | None) -> str:
        """The name a page in ``language`` shows."""
        if (language or "").startswith("he") and self.name_he:
            return self.name_he
        return self.name


class StatusChange(models.Model):
    """One status change asked for on the board, and what Voicenter answered (read-only)."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("who"), max_length=150)
    extension = models.CharField(_("for extension"), max_length=64)
    voicenter_user_id = models.CharField(_("Voicenter user id"), max_length=20, blank=True)
    status = models.PositiveSmallIntegerField(_("status"))
    status_name = models.CharField(_("status name"), max_length=40)
    ok = models.BooleanField(_("ok"))
    reason = models.CharField(_("reason"), max_length=40)
    message = models.TextField(_("message shown"))
    voicenter_said = models.CharField(_("Voicenter's answer"), max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency ms"), null=True, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_name} -> {self.extension}: {self.status_name}"
