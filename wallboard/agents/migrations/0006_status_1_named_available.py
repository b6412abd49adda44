"""Status 1 named "Available" (Hebrew "זמין"), the name the board's agent cards give it
(``agent.available`` in ``static/board/i18n.js``), so that a card and the status buttons and
menu name one status one way. Migration 0002 named it "Login" and 0004 "לוגין", Voicenter's
default names (its Login/Logout API page), which read as signing in rather than as being free
to take calls.

Only a name still as those migrations seeded it changes, the English and the Hebrew each on its
own: an account that renamed the status (admin, Status options) keeps its names. Voicenter's
own names are untouched: its API and realtime events still call status 1 "Login"
(``realtime/voicenter/rest.py``, ``STATUS_CODES``), and the simulator says so too. Going back
names the status "Login" / "לוגין" again where it is still "Available" / "זמין".
"""

from django.db import migrations

#: code -> ((the seeded name, ours), (the seeded Hebrew name, ours)).
RENAMED = {1: (("Login", "Available"), ("לוגין", "זמין"))}


def named(code: int, name: str, name_he: str) -> tuple[str, str]:
    """A status's (name, Hebrew name) after this migration: a seeded default of a renamed code
    becomes ours; any other name, and any other code's, stays as it is."""
    if code not in RENAMED:
        return name, name_he
    (seeded, ours), (seeded_he, ours_he) = RENAMED[code]
    return (ours if name == seeded else name), (ours_he if name_he == seeded_he else name_he)


def forwards(apps, schema_editor):
    StatusOption = apps.get_model("agents", "StatusOption")
    for code, ((seeded, ours), (seeded_he, ours_he)) in RENAMED.items():
        StatusOption.objects.filter(code=code, name=seeded).update(name=ours)
        StatusOption.objects.filter(code=code, name_he=seeded_he).update(name_he=ours_he)


def backwards(apps, schema_editor):
    StatusOption = apps.get_model("agents", "StatusOption")
    for code, ((seeded, ours), (seeded_he, ours_he)) in RENAMED.items():
        StatusOption.objects.filter(code=code, name=ours).update(name=seeded)
        StatusOption.objects.filter(code=code, name_he=ours_he).update(name_he=seeded_he)


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0005_status_limits"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
