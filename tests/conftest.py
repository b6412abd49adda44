"""Fixtures. Tests marked ``pure`` need no Redis and no database (``pytest -m pure`` runs them
with both stopped); every other test gets the test Redis database, flushed at the suite's start
and end, with the embedded server started first when ``REDIS_URL`` is unset."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import uuid
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from django.apps import apps as django_apps
from django.conf import settings

from realtime.store import StateStore


@pytest.fixture(scope="session")
def _test_redis():
    from wallboard.core.services import ensure_redis

    ensure_redis()
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def _redis_unless_pure(request):
    if request.node.get_closest_marker("pure") is None:
        request.getfixturevalue("_test_redis")


@pytest.fixture(autouse=True)
def _language_of_its_own():
    """Each test starts in the default language: a Hebrew page a test asked for activated
    Hebrew on the thread (``wallboard.core.language``, as Django's own middleware does), and
    the next test's commands and messages would read it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:8]}:"


@pytest.fixture
async def aredis():
    client = aioredis.from_url(settings.REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def store(aredis, prefix):
    yield StateStore(aredis, prefix)
    keys = [k async for k in aredis.scan_iter(match=prefix + "*")]
    if keys:
        await aredis.delete(*keys)


@pytest.fixture
def use_prefix(settings, prefix):
    """Point the Django-side services (commands, consumers) at this test's keys."""
    settings.WALLBOARD_REDIS_PREFIX = prefix
    yield prefix
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@functools.cache
def _migrations_granting_supervisors() -> tuple[Any, ...]:
    """The project's migrations that grant the supervisors permissions (grants.py)."""
    found = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("wallboard."):
            continue
        try:
            package = importlib.import_module(config.name + ".migrations")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            if hasattr(module, "grant_to_supervisors") and hasattr(module, "forwards"):
                found.append(module)
    return tuple(found)


@pytest.fixture
def roles_and_statuses(django_db_blocker):
    """What the migrations put in the database (the roles with their permissions, the status
    names), again: a transactional test before this one flushed it away. Made from the
    migrations' own lists (0002's statuses, 0004's Hebrew names, 0006's renaming)."""
    from django.contrib.auth.models import Group, Permission

    from wallboard.agents.models import StatusOption

    migration = importlib.import_module("wallboard.agents.migrations.0002_roles_and_statuses")
    with django_db_blocker.unblock():
        supervisor, _ = Group.objects.get_or_create(name="supervisor")
        Group.objects.get_or_create(name="agent")
        for app_label, codename in migration.SUPERVISOR_PERMISSIONS:
            supervisor.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        hebrew = dict(
            importlib.import_module(
                "wallboard.agents.migrations.0004_status_names_in_hebrew"
            ).STATUSES_HE
        )
        renamed = importlib.import_module(
            "wallboard.agents.migrations.0006_status_1_named_available"
        )
        for position, (code, seeded) in enumerate(migration.STATUSES):
            name, name_he = renamed.named(code, seeded, hebrew.get(code, ""))
            StatusOption.objects.get_or_create(
                code=code, defaults={"name": name, "name_he": name_he, "position": position}
            )
        for later in _migrations_granting_supervisors():  # the other apps' grants
            later.forwards(django_apps, None)


@pytest.fixture
async def close_thread_connections():
    """After an async test of views: close the database connection of Django's sync thread,
    where the views' ORM calls ran (the test client sends no request_finished to close it), so
    that the test database can be dropped at the end."""
    yield
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's), one per test module (``tests/browser.py``)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def database_away():
    """A context manager: inside it the database does not answer, in every thread: each cursor
    Django asks for is refused with the OperationalError a stopped database gives (a refused
    connection). PostgreSQL and SQLite alike: the test database itself stays as it is."""
    import contextlib

    from django.db import OperationalError
    from django.db.backends.base.base import BaseDatabaseWrapper

    @contextlib.contextmanager
    def away():
        original = BaseDatabaseWrapper._cursor  # type: ignore[attr-defined]

        def refused(self, *args, **kwargs):
            raise OperationalError("connection refused (the database is away)")

        BaseDatabaseWrapper._cursor = refused  # type: ignore[attr-defined]
        try:
            yield
        finally:
            BaseDatabaseWrapper._cursor = original  # type: ignore[attr-defined]

    return away


@pytest.fixture
async def click2call_sim(settings, use_prefix):
    """The simulator serving Voicenter's REST APIs (3 agents, a queue, no callers), the site's
    Click2Call pointed at it: for the tests of the call buttons' views."""
    import time

    from realtime.simulator.model import CallCenter
    from tests.served import serving

    model = CallCenter(agents=3, queues=1, calls_per_minute=0, seed=1, now=time.time())
    async with serving(model) as simulator:
        settings.VOICENTER_API_URL = simulator.base
        settings.VOICENTER_API_CODE = "demo-code"
        settings.VOICENTER_API_TIMEOUT_S = 2
        settings.CONTACTS_CALL_EVERY_S = 60
        yield simulator
