from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Today's numbers: the queues' settings for them (service level, alerts), their publishing
    to the worker, and the ``queue_stats`` command (see docs/architecture.md)."""

    name = "wallboard.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from wallboard.reports import rules  # noqa: F401  (connects its signals)
