"""Contacts (people and companies the agents call) and the Click2Call requests made from them.

A contact has a name, a company, notes and any number of phone numbers, each with a label
("mobile", "office"...) and stored as E.164 (``realtime.phones``). Every call and
hang-up asked for from the contacts page is written to :class:`CallRequest`, read-only in the
admin, like the status changes' audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from realtime import phones


class Contact(models.Model):
    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "company"]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class PhoneNumber(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="numbers")
    label = models.CharField(max_length=40, blank=True)
    number = models.CharField("number (E.164)", max_length=20, db_index=True)

    class Meta:
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

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("who", max_length=150)
    extension = models.CharField("from extension", max_length=64, blank=True)
    action = models.CharField(max_length=10)  # "call" or "hang up"
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.CharField("number called", max_length=20, blank=True)
    ok = models.BooleanField()
    reason = models.CharField(max_length=40)
    message = models.TextField("message shown")
    call_id = models.CharField("Voicenter CALLID", max_length=64, blank=True)
    voicenter_said = models.CharField("Voicenter's answer", max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_name}: {self.action} {self.target}"
