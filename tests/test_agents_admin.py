"""The admin as a supervisor sees it: agent profiles, status names, the read-only audit log
and display links."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from wallboard.agents.models import StatusChange, StatusOption
from wallboard.agents.onboarding import create_agent
from wallboard.board.models import DisplayLink
from wallboard.contacts.models import Contact, PhoneNumber

pytestmark = pytest.mark.django_db


def test_the_migration_makes_both_roles_and_the_nine_statuses():
    # (a non-transactional test: it sees what the migrations wrote, not a fixture's copy)
    assert set(Group.objects.values_list("name", flat=True)) >= {"supervisor", "agent"}
    supervisor = Group.objects.get(name="supervisor")
    assert supervisor.permissions.filter(codename="view_statuschange").exists()
    assert supervisor.permissions.filter(codename="add_displaylink").exists()
    assert not supervisor.permissions.filter(codename="change_statuschange").exists()
    assert list(StatusOption.objects.values_list("code", flat=True)) == [
        1,
        2,
        3,
        5,
        7,
        9,
        11,
        12,
        13,
    ]


@pytest.fixture
def supervisor(client: Client) -> Client:
    create_agent("boss", password="pw-123456", supervisor=True)
    assert client.login(username="boss", password="pw-123456")
    return client


def test_a_supervisor_reads_the_audit_log_but_cannot_change_it(supervisor):
    change = StatusChange.objects.create(
        actor_name="alice", extension="SIP1", status=3, status_name="Lunch", ok=True,
        reason="ok", message="Lunch: done.", latency_ms=42,
    )  # fmt: skip
    listing = supervisor.get("/admin/agents/statuschange/")
    assert listing.status_code == 200
    assert b"alice" in listing.content
    assert supervisor.get("/admin/agents/statuschange/add/").status_code == 403
    delete = supervisor.post(f"/admin/agents/statuschange/{change.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert StatusChange.objects.filter(pk=change.pk).exists()


def test_a_supervisor_renames_a_status_and_hides_another(supervisor):
    lunch = StatusOption.objects.get(code=3)
    response = supervisor.post(
        f"/admin/agents/statusoption/{lunch.pk}/change/",
        {"code": 3, "name": "Meal", "offered": "", "position": lunch.position},
    )
    assert response.status_code == 302
    lunch.refresh_from_db()
    assert (lunch.name, lunch.offered) == ("Meal", False)


def test_agent_profiles_are_searched_by_name_extension_and_user_id(supervisor):
    create_agent("alice", password="pw-123456", voicenter_user_id="500123", extension="SIPA1")
    for query in ("alice", "SIPA1", "500123"):
        page = supervisor.get("/admin/agents/agentprofile/", {"q": query})
        assert page.status_code == 200, query
        assert b"SIPA1" in page.content, query
    assert b"SIPA1" not in supervisor.get("/admin/agents/agentprofile/", {"q": "nobody"}).content


def test_a_supervisor_creates_a_display_link_in_the_admin(supervisor):
    response = supervisor.post("/admin/board/displaylink/add/", {"name": "Sales TV"})
    assert response.status_code == 302
    display = DisplayLink.objects.get()
    assert display.created_by is not None
    assert display.created_by.username == "boss"
    listing = supervisor.get("/admin/board/displaylink/").content.decode()
    assert display.path() in listing


def test_an_agent_has_no_admin(client):
    create_agent("alice", password="pw-123456", voicenter_user_id="1", extension="SIPA1")
    assert client.login(username="alice", password="pw-123456")
    assert client.get("/admin/agents/statuschange/").status_code == 302  # to the admin login


def test_contacts_are_found_in_the_admin_by_a_number_as_people_type_it(supervisor):
    dana = Contact.objects.create(name="Dana Cohen")
    PhoneNumber.objects.create(contact=dana, number="+972507234567")
    Contact.objects.create(name="Somebody Else")
    for query in ("050-723-4567", "0507234567", "Dana"):
        page = supervisor.get("/admin/contacts/contact/", {"q": query}).content.decode()
        assert "Dana Cohen" in page, query
        assert "Somebody Else" not in page, query
