from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgentsConfig(AppConfig):
    """People and their status: roles, agent profiles, the extension directory, the status
    names, the status buttons' view and its audit log (see docs/architecture.md)."""

    name = "wallboard.agents"
    label = "agents"
    verbose_name = _("Agents")
