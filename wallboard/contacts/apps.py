from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    """Contacts and click-to-call: the contact directory, its CSV import, the contacts page and
    the Click2Call requests (see docs/architecture.md)."""

    name = "wallboard.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from wallboard.contacts import directory  # noqa: F401  (connects its signals)
