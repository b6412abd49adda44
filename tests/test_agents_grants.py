"""Giving the supervisor role an app's permissions (wallboard/agents/grants.py), as the data
migrations do."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from wallboard.agents.grants import grant_to_supervisors

pytestmark = pytest.mark.django_db


def test_granting_gives_the_supervisor_role_exactly_the_named_permissions_once():
    supervisor = Group.objects.get(name="supervisor")
    supervisor.permissions.remove(*Permission.objects.filter(content_type__app_label="reports"))
    grant_to_supervisors(apps, "reports", ["view_callrecord", "view_queuesettings"])
    grant_to_supervisors(apps, "reports", ["view_callrecord"])  # again: nothing twice
    granted = supervisor.permissions.filter(content_type__app_label="reports")
    assert sorted(granted.values_list("codename", flat=True)) == [
        "view_callrecord", "view_queuesettings"
    ]  # fmt: skip


def test_granting_a_permission_that_does_not_exist_fails_loudly():
    with pytest.raises(Permission.DoesNotExist):
        grant_to_supervisors(apps, "reports", ["fly_to_the_moon"])
