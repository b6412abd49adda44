from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    """Teams: each a name, its queues, its agents and its supervisors; which scope of the
    board each person and display link sees (see ``docs/architecture.md``)."""

    name = "wallboard.teams"
    label = "teams"
    verbose_name = _("Teams")

    def ready(self) -> None:
        from wallboard.agents import roles
        from wallboard.teams import live, visibility  # noqa: F401 - live's signal receivers

        roles.acts_on_hook = visibility.extensions_supervised
