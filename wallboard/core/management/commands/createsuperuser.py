"""``python manage.py createsuperuser``, Django's, but a password given without a prompt
(``--noinput`` with ``DJANGO_SUPERUSER_PASSWORD``) must pass the site's password validators too:
Django's own checks only the one typed at its prompt. (Found first: ``wallboard.board`` is
listed before ``django.contrib.auth`` in ``INSTALLED_APPS``.)"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password:
            model = get_user_model()
            name = options.get(model.USERNAME_FIELD) or os.environ.get(
                "DJANGO_SUPERUSER_" + model.USERNAME_FIELD.upper(), ""
            )
            try:
                validate_password(password, model(**{model.USERNAME_FIELD: name}))
            except ValidationError as exc:
                why = " ".join(exc.messages)
                raise CommandError(
                    _("DJANGO_SUPERUSER_PASSWORD is refused: %(why)s") % {"why": why}
                ) from None
        super().handle(*args, **options)
