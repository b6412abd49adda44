from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkerConfig(AppConfig):
    """The worker's host: the ingest wiring and the commands that run the realtime core
    (``voicenter_worker``, ``replay``, ``dump_state``, ``simulate``, ``demo``). On top: it may
    import every app; none imports it."""

    name = "wallboard.worker"
    label = "worker"
    verbose_name = _("Voicenter worker")
