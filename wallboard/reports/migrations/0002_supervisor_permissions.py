"""Supervisors set the queues' numbers and alert thresholds in the admin."""

from django.db import migrations

from wallboard.agents.grants import grant_to_supervisors

PERMISSIONS = [
    "view_queuesettings",
    "add_queuesettings",
    "change_queuesettings",
    "delete_queuesettings",
]


def forwards(apps, schema_editor):
    grant_to_supervisors(apps, "reports", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_queue_settings"),
        ("agents", "0002_roles_and_statuses"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
