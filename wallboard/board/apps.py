from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class BoardConfig(AppConfig):
    """The wallboard app: the board page, its websocket, the publisher the worker uses, the
    commands (see the README's layout table)."""

    name = "wallboard.board"
    label = "board"
    verbose_name = "Wallboard"

    def ready(self) -> None:
        # Settings only name these; SQLite and WhiteNoise need them to exist before first use.
        for directory in (settings.DATA_DIR, settings.STATIC_ROOT):
            Path(directory).mkdir(parents=True, exist_ok=True)
        from wallboard.board import signin  # noqa: F401 - its signal receivers
