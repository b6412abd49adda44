"""The contact directory in Redis that the worker names callers from: written whole, kept up
to date by the models' signals, read by the store with its version."""

from __future__ import annotations

import io

import pytest
import redis
from django.conf import settings

from realtime.store import StateStore
from wallboard.contacts.directory import publish_all
from wallboard.contacts.importing import import_and_publish
from wallboard.contacts.models import Contact, PhoneNumber

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(use_prefix):
    client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    yield lambda: client.hgetall(use_prefix + "contacts")
    client.close()


def test_publish_all_writes_every_number_with_its_contacts_name(directory):
    dana = Contact.objects.create(name="Dana Cohen")
    PhoneNumber.objects.create(contact=dana, number="+972507234567")
    PhoneNumber.objects.create(contact=dana, number="+97235551234")
    assert publish_all() == 2
    assert directory() == {"+972507234567": "Dana Cohen", "+97235551234": "Dana Cohen"}


def test_saving_renaming_and_deleting_keep_it_up_to_date(
    directory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dana = Contact.objects.create(name="Dana Cohen")
        number = PhoneNumber.objects.create(contact=dana, number="+972507234567")
    assert directory() == {"+972507234567": "Dana Cohen"}
    with django_capture_on_commit_callbacks(execute=True):
        dana.name = "Dana Levi"
        dana.save()
    assert directory() == {"+972507234567": "Dana Levi"}
    with django_capture_on_commit_callbacks(execute=True):
        number.number = "+972527654321"
        number.save()
    assert directory() == {"+972527654321": "Dana Levi"}
    with django_capture_on_commit_callbacks(execute=True):
        dana.delete()
    assert directory() == {}


def test_a_number_two_contacts_share_stays_while_one_of_them_has_it(
    directory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = Contact.objects.create(name="Avi")
        b = Contact.objects.create(name="Bella")
        PhoneNumber.objects.create(contact=a, number="+97235551234")
        PhoneNumber.objects.create(contact=b, number="+97235551234")
    assert directory() == {"+97235551234": "Avi"}
    with django_capture_on_commit_callbacks(execute=True):
        a.delete()
    assert directory() == {"+97235551234": "Bella"}


def test_an_import_publishes_once_at_its_end(directory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_and_publish(io.StringIO("name,phone\nDana,050-723-4567\nAvi,03-555-1234\n"), "IL")
    assert callbacks == []  # no row by row publishing
    assert directory() == {"+972507234567": "Dana", "+97235551234": "Avi"}


async def test_the_store_reads_the_directory_only_when_its_version_moved(aredis, use_prefix):
    store = StateStore(aredis, use_prefix)
    assert await store.contact_names(None) == (None, None)  # nothing published yet
    await aredis.hset(use_prefix + "contacts", "+972507234567", "Dana")
    await aredis.incr(use_prefix + "contacts:version")
    version, names = await store.contact_names(None)
    assert version == "1"
    assert names == {"+972507234567": "Dana"}
    assert await store.contact_names(version) == ("1", None)


def test_a_contact_is_saved_when_redis_is_out_of_reach(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        dana = Contact.objects.create(name="Dana Cohen")
        PhoneNumber.objects.create(contact=dana, number="+972507234567")
    assert Contact.objects.filter(name="Dana Cohen").exists()
    assert "contact directory not updated" in caplog.text


def test_one_transactions_changes_are_one_write(directory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dana = Contact.objects.create(name="Dana")
        for i in range(5):
            PhoneNumber.objects.create(contact=dana, number=f"+97250723456{i}")
    assert len(callbacks) == 1
    assert len(directory()) == 5


def test_the_version_is_new_with_every_write(use_prefix):
    client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    try:
        publish_all()
        first = client.get(use_prefix + "contacts:version")
        publish_all()
        assert client.get(use_prefix + "contacts:version") not in (None, first)
    finally:
        client.close()
