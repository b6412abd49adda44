"""Supervisors manage the contacts and read the Click2Call log in the admin."""

from django.db import migrations

from wallboard.agents.grants import grant_to_supervisors

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
    grant_to_supervisors(apps, "contacts", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("agents", "0002_roles_and_statuses"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
