from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel every app imports and that imports no app: Redis and Voicenter
    clients from the settings, sign-in, the site's guards, errors in words, the command guard
    (see ``docs/architecture.md``)."""

    name = "wallboard.core"
    label = "core"
    verbose_name = _("Wallboard site")

    def ready(self) -> None:
        # Settings only name these; SQLite and WhiteNoise need them to exist before first use.
        for directory in (settings.DATA_DIR, settings.STATIC_ROOT):
            Path(directory).mkdir(parents=True, exist_ok=True)
        from wallboard.core import language, signin  # noqa: F401 - their signal receivers
