from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wallboard.core.admin import ReadOnlyAdmin
from wallboard.reports.models import CallRecord, QueueSettings


@admin.register(QueueSettings)
class QueueSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "queue_id", "display_name", "sl_threshold_s", "alert_sl_pct", "sl_formula",
        "short_abandon_s", "alert_waiting", "alert_longest_wait_s",
    )  # fmt: skip
    search_fields = ("queue_id", "display_name")
    fieldsets = (
        (None, {"fields": ("queue_id", "display_name")}),
        (
            _("Today's numbers"),
            {"fields": ("sl_threshold_s", "alert_sl_pct", "sl_formula", "short_abandon_s")},
        ),
        (_("Alerts"), {"fields": ("alert_waiting", "alert_longest_wait_s")}),
    )


@admin.register(CallRecord)
class CallRecordAdmin(ReadOnlyAdmin):
    """Voicenter's call records as they came (pushed or backfilled): read-only."""

    list_display = (
        "started_at", "type", "status", "queue_name", "caller", "target", "agent_name",
        "queue_wait_s", "talk_s", "source",
    )  # fmt: skip
    list_filter = ("status", "type", "source", "queue_name")
    search_fields = ("call_id", "caller", "target", "agent_name", "target_extension")
    date_hierarchy = "started_at"
