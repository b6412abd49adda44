"""Giving the supervisor role an app's permissions, for the data migrations that do it (a
migration runs this with its historical models, ``apps``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.management import create_permissions


def grant_to_supervisors(apps: Any, app_label: str, codenames: Iterable[str]) -> None:
    config = apps.get_app_config(app_label)
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    supervisor, _ = group_model.objects.get_or_create(name="supervisor")
    for codename in codenames:
        supervisor.permissions.add(
            permission_model.objects.get(content_type__app_label=app_label, codename=codename)
        )
