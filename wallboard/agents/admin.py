"""The admin: agent profiles (also inline on each user), the extension directory, the status
names and the read-only audit log of status changes."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from wallboard.agents.models import AgentProfile, Extension, StatusChange, StatusOption
from wallboard.core.admin import ReadOnlyAdmin


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "full_name", "extension", "voicenter_user_id"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "extension",
        "voicenter_user_id",
    ]
    raw_id_fields = ["user"]

    @admin.display(description=_("name"))
    def full_name(self, profile: AgentProfile) -> str:
        return profile.user.get_full_name()


class AgentProfileInline(admin.StackedInline):
    model = AgentProfile
    can_delete = True
    extra = 0
    max_num = 1


admin.site.unregister(User)


@admin.register(User)
class UserWithProfileAdmin(UserAdmin):
    inlines = [AgentProfileInline]


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["sip", "name", "speed_dial", "user_name", "user_email", "voicenter_user_id"]
    search_fields = ["sip", "name", "speed_dial", "user_name", "user_email", "voicenter_user_id"]
    list_filter = ["account_name"]


@admin.register(StatusOption)
class StatusOptionAdmin(admin.ModelAdmin):
    list_display = [
        "code", "name", "name_he", "offered", "position", "limit_min", "call_limit_min",
    ]  # fmt: skip
    list_editable = ["name", "name_he", "offered", "position", "limit_min", "call_limit_min"]
    ordering = ["position", "code"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "extension", "status_name", "ok", "reason", "latency_ms"]
    list_filter = ["ok", "reason", "status_name"]
    search_fields = ["actor_name", "extension", "voicenter_user_id", "message"]
    date_hierarchy = "at"
