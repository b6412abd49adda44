"""The agents app's data migrations, run for real on the test database: status 1 named as the
board's cards name it (0006), where the account kept the seeded name, and only there."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# each test migrates the database back and forth: it commits
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("agents", "0005_status_limits")]
SEEDED = importlib.import_module("wallboard.agents.migrations.0002_roles_and_statuses").STATUSES
SEEDED_HE = dict(
    importlib.import_module("wallboard.agents.migrations.0004_status_names_in_hebrew").STATUSES_HE
)


def migrated(names_before: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """The statuses' (name, Hebrew name) once every migration ran, from these names as they
    were before 0006."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("agents", "StatusOption")
    for code, (name, name_he) in names_before.items():
        old.objects.update_or_create(code=code, defaults={"name": name, "name_he": name_he})
    executor = MigrationExecutor(connection)  # the graph as it is applied now
    executor.migrate(executor.loader.graph.leaf_nodes())
    return names(list(names_before))


def names(codes: list[int]) -> dict[int, tuple[str, str]]:
    from wallboard.agents.models import StatusOption

    found = StatusOption.objects.filter(code__in=codes).values_list("code", "name", "name_he")
    return {code: (name, name_he) for code, name, name_he in found}


def test_after_the_migrations_status_1_is_named_available_and_the_others_as_seeded():
    seeded = {code: (name, SEEDED_HE[code]) for code, name in SEEDED}
    assert seeded[1] == ("Login", "לוגין")  # Voicenter's default names, as 0002 and 0004 set
    after = migrated(seeded)
    assert after[1] == ("Available", "זמין")
    assert {code: n for code, n in after.items() if code != 1} == {
        code: n for code, n in seeded.items() if code != 1
    }


def test_going_back_names_status_1_login_again():
    migrated({1: ("Login", "לוגין")})
    MigrationExecutor(connection).migrate(BEFORE)
    assert names([1]) == {1: ("Login", "לוגין")}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # as every other test expects
    assert names([1]) == {1: ("Available", "זמין")}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (("Ready", "מוכן"), ("Ready", "מוכן")),  # the account's own names
        (("Ready", "לוגין"), ("Ready", "זמין")),  # its own English, Voicenter's Hebrew
        (("Login", "מוכן"), ("Available", "מוכן")),  # Voicenter's English, its own Hebrew
        (("Login", ""), ("Available", "")),  # no Hebrew name: Hebrew pages show the name
        (("login", "לוגין "), ("login", "לוגין ")),  # not quite the seeded names: its own
    ],
)
def test_an_account_that_renamed_status_1_keeps_its_names(before, after):
    assert migrated({1: before}) == {1: after}


def test_the_tests_seed_names_the_statuses_as_the_migrations_do(request):
    from wallboard.agents.models import StatusOption

    StatusOption.objects.all().delete()  # as a transactional test leaves the database
    request.getfixturevalue("roles_and_statuses")  # tests/conftest.py
    assert names([1, 2, 3]) == {
        1: ("Available", "זמין"),
        2: ("Logout", "לוג אאוט"),
        3: ("Lunch", "הפסקת צהריים"),
    }
