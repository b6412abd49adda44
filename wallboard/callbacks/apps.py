from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    """Callers who gave up: today's list, and calling them back (see docs/architecture.md)."""

    name = "wallboard.callbacks"
    label = "callbacks"
    verbose_name = _("Call-backs")
