"""Contacts in the admin (numbers inline; search by name, company or number) and the read-only
log of Click2Call requests.

The add form takes its first number from the address: ``/admin/contacts/contact/add/?phone=
0501234567`` (the screen-pop's "Add contact" link for an unknown caller:
``wallboard.contacts.views.add_contact_url``),
shown as people read it; the contact's own fields from theirs, as Django's admin does
(``?name=...``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from realtime.phones import MAX_INPUT, BadNumber, digits, key_of, normalise, shown
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

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Contact | None, inline: Any, prefix: str
    ) -> dict[str, Any]:
        """A new contact's numbers begin with ``?phone=`` (only when the form is shown: an
        initial value on a posted form would make an unchanged number look blank)."""
        kwargs: dict[str, Any] = super().get_formset_kwargs(request, obj, inline, prefix)
        phone = request.GET.get("phone", "")
        adding = obj is None or obj.pk is None
        if adding and request.method == "GET" and isinstance(inline, PhoneNumberInline) and phone:
            kwargs["initial"] = [{"number": prefilled(phone, settings.CONTACTS_DEFAULT_REGION)}]
        return kwargs

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


def prefilled(phone: str, region: str) -> str:
    """A caller's number as the add form shows it: as people read it (``050-123-4567``) if it
    can be a phone number, else as it came (cut to the longest number read)."""
    key = key_of(phone, region)
    return shown(key, region) if key else phone.strip()[:MAX_INPUT]


@admin.register(CallRequest)
class CallRequestAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "extension", "action", "target", "ok", "reason"]
    list_filter = ["ok", "reason", "action"]
    search_fields = ["actor_name", "extension", "target", "call_id"]
    date_hierarchy = "at"
