"""Status names on Hebrew pages: Voicenter's own, as its Hebrew Login/Logout API documentation
lists them (an account that renamed its statuses renames them in the admin, Status options)."""

from django.db import migrations, models

#: (code, Hebrew name): Voicenter's Login/Logout API documentation, in Hebrew.
STATUSES_HE = [
    (1, "לוגין"),
    (2, "לוג אאוט"),
    (3, "הפסקת צהריים"),
    (5, "זמן אדמיניסטרטיבי"),
    (7, "הפסקה פרטית"),
    (9, "אחר"),
    (11, "הדרכה"),
    (12, "פגישה מחלקתית"),
    (13, "תקציר"),
]


def forwards(apps, schema_editor):
    StatusOption = apps.get_model("agents", "StatusOption")
    for code, name in STATUSES_HE:
        StatusOption.objects.filter(code=code, name_he="").update(name_he=name)


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0003_names_for_translation"),
    ]

    operations = [
        migrations.AddField(
            model_name="statusoption",
            name="name_he",
            field=models.CharField(
                blank=True,
                help_text="Shown on Hebrew pages (empty: the name above).",
                max_length=40,
                verbose_name="name in Hebrew",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
