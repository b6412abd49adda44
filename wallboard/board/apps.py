from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    """The board: its page, the TV's display links, and its websocket with the fan-out that
    feeds it (see ``docs/architecture.md``)."""

    name = "wallboard.board"
    label = "board"
    verbose_name = _("Wallboard")
