"""The two roles (groups ``supervisor`` and ``agent``) with the admin permissions supervisors
need, and Voicenter's nine statuses under their default names (the admin renames them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STATUSES = [
    (1, "Login"),
    (2, "Logout"),
    (3, "Lunch"),
    (5, "Administrative"),
    (7, "Private"),
    (9, "Other"),
    (11, "Training"),
    (12, "Team meeting"),
    (13, "Brief"),
]

#: (app label, codename) granted to supervisors: manage agent profiles, status names and display
#: links, read the extension directory and the audit log.
SUPERVISOR_PERMISSIONS = [
    ("agents", "view_agentprofile"),
    ("agents", "add_agentprofile"),
    ("agents", "change_agentprofile"),
    ("agents", "view_extension"),
    ("agents", "view_statusoption"),
    ("agents", "change_statusoption"),
    ("agents", "view_statuschange"),
    ("board", "view_displaylink"),
    ("board", "add_displaylink"),
    ("board", "change_displaylink"),
    ("board", "delete_displaylink"),
    ("auth", "view_user"),
]


def forwards(apps, schema_editor):
    # Permissions are normally made after all migrations; these groups need them now.
    for label in ("auth", "agents", "board"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    supervisor, _ = Group.objects.get_or_create(name="supervisor")
    Group.objects.get_or_create(name="agent")
    for app_label, codename in SUPERVISOR_PERMISSIONS:
        supervisor.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    StatusOption = apps.get_model("agents", "StatusOption")
    for position, (code, name) in enumerate(STATUSES):
        StatusOption.objects.get_or_create(
            code=code, defaults={"name": name, "position": position, "offered": True}
        )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["supervisor", "agent"]).delete()
    apps.get_model("agents", "StatusOption").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0001_initial"),
        ("board", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
