"""Agent profiles, the extension directory, the status names the board offers, and the audit
log of status changes.

Roles are Django groups (``wallboard.agents.roles``): ``supervisor`` and ``agent``, created by a
migration. An :class:`AgentProfile` ties a user to what Voicenter knows them by: the Voicenter
user id (``UserId`` of the Login/Logout API, ``userID`` of the realtime events) and the SIP user
of their extension (``ExtensionUser``; the board's agents are keyed by it).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

digits = RegexValidator(r"^[0-9]+$", "Voicenter user ids are digits.")


class AgentProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    voicenter_user_id = models.CharField(
        "Voicenter user id", max_length=20, blank=True, validators=[digits]
    )
    extension = models.CharField(
        "extension (SIP user)",
        max_length=64,
        blank=True,
        help_text="The SIP user of the agent's extension, as the board shows it. A supervisor"
        " needs none.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["extension"], condition=~Q(extension=""), name="one_profile_per_extension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.extension or 'no extension'})"


class Extension(models.Model):
    """Voicenter's organisational extension list (``GetExtensions``), as last imported."""

    sip = models.CharField("SIP user", max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    speed_dial = models.CharField(max_length=32, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True)
    account_name = models.CharField(max_length=200, blank=True)
    user_name = models.CharField(max_length=200, blank=True)
    user_email = models.CharField(max_length=200, blank=True)
    voicenter_user_id = models.CharField(
        "Voicenter user id", max_length=20, blank=True, help_text="From the realtime events."
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sip"]

    def __str__(self) -> str:
        return f"{self.sip} ({self.name or self.user_name or 'unnamed'})"


class StatusOption(models.Model):
    """A Voicenter status as this account names it, and whether the board offers it."""

    code = models.PositiveSmallIntegerField(
        unique=True, help_text="Voicenter's status number (1 Login, 2 Logout, 3 Lunch...)."
    )
    name = models.CharField(
        max_length=40, help_text="As the account names it in Voicenter's CPanel."
    )
    offered = models.BooleanField(default=True, help_text="Shown as a button on the board.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order of the buttons.")

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StatusChange(models.Model):
    """One status change asked for on the board, and what Voicenter answered (read-only)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("who", max_length=150)
    extension = models.CharField("for extension", max_length=64)
    voicenter_user_id = models.CharField("Voicenter user id", max_length=20, blank=True)
    status = models.PositiveSmallIntegerField()
    status_name = models.CharField(max_length=40)
    ok = models.BooleanField()
    reason = models.CharField(max_length=40)
    message = models.TextField("message shown")
    voicenter_said = models.CharField("Voicenter's answer", max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_name} -> {self.extension}: {self.status_name}"
