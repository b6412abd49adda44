"""Supervisors manage the contacts and read the Click2Call log in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "view_contact",
    "add_contact",
    "change_contact",
    "delete_contact",
    "view_phonenumber",
    "add_phonenumber",
    "change_phonenumber",
    "delete_phonenumber",
    "view_callrequest",
]


def forwards(apps, schema_editor):
    config = apps.get_app_config("contacts")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    supervisor, _ = Group.objects.get_or_create(name="supervisor")
    for codename in PERMISSIONS:
        supervisor.permissions.add(
            Permission.objects.get(content_type__app_label="contacts", codename=codename)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("agents", "0002_roles_and_statuses"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
