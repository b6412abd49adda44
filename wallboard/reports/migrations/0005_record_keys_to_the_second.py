"""Call records' keys name their start to the second (they named it to six digits, which
merged the legs of a call that began within hours of each other) and a queue by its name when
the record has no queue id (the Call log API's)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from realtime.voicenter.cdr import record_key


def rekey(apps: Any, schema_editor: Any) -> None:
    CallRecord = apps.get_model("reports", "CallRecord")
    taken = set(CallRecord.objects.values_list("key", flat=True))
    for row in CallRecord.objects.iterator():
        started = row.started_at.timestamp() if row.started_at is not None else None
        key = record_key(
            row.call_id, row.type, row.queue_id or row.queue_name, row.target_extension, started
        )
        if key != row.key and key not in taken:
            taken.discard(row.key)
            taken.add(key)
            row.key = key
            row.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_supervisors_read_call_records")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
