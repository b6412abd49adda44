"""Display links in the admin: create one per TV, copy its link, revoke it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from wallboard.board.models import DisplayLink


@admin.register(DisplayLink)
class DisplayLinkAdmin(admin.ModelAdmin):
    list_display = [
        "name", "shows", "link", "created_by", "created_at", "last_seen_at", "revoked_at",
    ]  # fmt: skip
    readonly_fields = ["link", "created_by", "created_at", "last_seen_at", "revoked_at"]
    fields = [
        "name", "team", "language", "link", "created_by", "created_at", "last_seen_at",
        "revoked_at",
    ]  # fmt: skip
    actions = ["revoke"]
    search_fields = ["name"]

    @admin.display(description=_("link"))
    def link(self, display: DisplayLink) -> str:
        if display.pk is None:  # the add form's, unsaved (django-stubs types pk as int)
            return gettext("(made when you save)")  # type: ignore[unreachable]
        if display.revoked:
            return gettext("revoked")
        path = display.path()
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', path, path)

    @admin.display(description=_("shows"))
    def shows(self, display: DisplayLink) -> str:
        if display.whole_account:
            return gettext("the whole account")
        return display.team.name if display.team is not None else gettext("a deleted team")

    def save_model(
        self, request: HttpRequest, obj: DisplayLink, form: object, change: bool
    ) -> None:
        if not change:
            # (the admin's user is signed in: request.user is a User, not the AnonymousUser
            # its type also allows)
            obj.created_by = request.user  # type: ignore[assignment]
        obj.whole_account = obj.team_id is None  # empty: the whole account, said in the form
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected display links"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[DisplayLink]) -> None:
        count = queryset.filter(revoked_at=None).update(revoked_at=timezone.now())
        message = ngettext(
            "%(count)d display link revoked.", "%(count)d display links revoked.", count
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)
