"""Contacts (people and companies the agents call) and the Click2Call requests made from them.

A contact has a name, a company, notes and any number of phone numbers, each with a label
("mobile", "office"...) and stored as E.164 (``realtime.phones``). Every call and
hang-up asked for from the contacts page is written to :class:`CallRequest`, read-only in the
admin, like the status changes' audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from realtime import phones


class Contact(models.Model):
    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "company"]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class PhoneNumber(models.Model):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="numbers", verbose_name=_("contact")
    )
    label = models.CharField(_("label"), max_length=40, blank=True)
    number = models.CharField(_("number (E.164)"), max_length=20, db_index=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="one_number_per_contact")
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.shown}" if self.label else self.shown

    @property
    def shown(self) -> str:
        return phones.shown(self.number, settings.CONTACTS_DEFAULT_REGION)

    @property
    def for_voicenter(self) -> str:
        return phones.for_voicenter(self.number, settings.CONTACTS_DEFAULT_REGION)


class CallRequest(models.Model):
    """One Click2Call call or hang-up asked for, and what Voicenter answered (read-only)."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("who"), max_length=150)
    extension = models.CharField(_("from extension"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=10)  # "call" or "hang up" (a code)
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact"),
    )
    target = models.CharField(_("number called"), max_length=20, blank=True)
    ok = models.BooleanField(_("ok"))
    reason = models.CharField(_("reason"), max_length=40)
    message = models.TextField(_("message shown"))
    call_id = models.CharField(_("Voicenter CALLID"), max_length=64, blank=True, db_index=True)
    voicenter_said = models.CharField(_("Voicenter's answer"), max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency ms"), null=True, blank=True)

    class Meta:
        verbose_name = _("call request")
        verbose_name_plural = _("call requests")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_name}: {self.action} {self.target}"
