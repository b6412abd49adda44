from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    """The board: its page, the TV's display links, and its websocket with the fan-out that
    feeds it (see ``docs/architecture.md``)."""

    name = "wallboard.board"
    label = "board"
    verbose_name = _("Wallboard")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from wallboard.board import metrics  # noqa: F401 - its numbers at /metrics
        from wallboard.board.models import DisplayLink

        def display_saved(**kwargs: Any) -> None:
            # (a link's team decides what its screens see: they work it out again)
            from wallboard.teams.live import changed

            changed()

        post_save.connect(display_saved, sender=DisplayLink, weak=False)
