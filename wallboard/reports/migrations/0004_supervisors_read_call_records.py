"""Supervisors read the call records in the admin and on the call log page."""

from django.db import migrations

from wallboard.agents.grants import grant_to_supervisors


def forwards(apps, schema_editor):
    grant_to_supervisors(apps, "reports", ["view_callrecord"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_call_records")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
