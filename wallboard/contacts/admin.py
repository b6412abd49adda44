"""Contacts in the admin (numbers inline; search by name, company or number) and the read-only
log of Click2Call requests."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from realtime.phones import BadNumber, digits, normalise
from wallboard.contacts.dialling import number_problem, why_not
from wallboard.contacts.models import CallRequest, Contact, PhoneNumber
from wallboard.core.admin import ReadOnlyAdmin


class PhoneNumberForm(ModelForm):
    class Meta:
        model = PhoneNumber
        fields = ["label", "number"]

    def clean_number(self) -> str:
        try:
            number = normalise(self.cleaned_data["number"], settings.CONTACTS_DEFAULT_REGION)
        except BadNumber as exc:
            raise ValidationError(number_problem(exc)) from None
        refused = why_not(number)  # the toll-fraud policy (wallboard.contacts.dialling)
        if refused:
            raise ValidationError(refused)
        return number


class PhoneNumberInline(admin.TabularInline):
    model = PhoneNumber
    form = PhoneNumberForm
    extra = 1


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "numbers_shown", "updated_at"]
    search_fields = ["name", "company", "numbers__number", "notes"]
    inlines = [PhoneNumberInline]

    @admin.display(description=_("numbers"))
    def numbers_shown(self, contact: Contact) -> str:
        return ", ".join(str(n) for n in contact.numbers.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        return super().get_queryset(request).prefetch_related("numbers")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Contact], search_term: str
    ) -> tuple[QuerySet[Contact], bool]:
        """Also numbers as people type them (``050-723``, ``0507234567``), as the contacts
        page searches."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        wanted = digits(search_term).lstrip("0")
        if len(wanted) >= 3:
            found = found | queryset.filter(numbers__number__contains=wanted)
            duplicates = True
        return found, duplicates


@admin.register(CallRequest)
class CallRequestAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "extension", "action", "target", "ok", "reason"]
    list_filter = ["ok", "reason", "action"]
    search_fields = ["actor_name", "extension", "target", "call_id"]
    date_hierarchy = "at"
