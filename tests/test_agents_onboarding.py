"""People on the board: the roles' migration, ``create_agent``, ``import_extensions`` (against
the simulator's GetExtensions) and ``create_display``."""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from realtime.simulator.model import CallCenter, SimAgent
from realtime.state import empty_state
from realtime.store import StateStore
from realtime.voicenter.rest import ExtensionRow
from tests.served import serving
from wallboard.agents.models import AgentProfile, Extension
from wallboard.agents.onboarding import import_extensions
from wallboard.agents.roles import role_of
from wallboard.board.models import DisplayLink
from wallboard.core.services import redis_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles_and_statuses"),  # (flushed by earlier transactional tests)
]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_create_agent_makes_an_agent_with_a_profile_who_may_change_only_their_own():
    said = run(
        "create_agent",
        "alice",
        "--password",
        "pw-123456",
        "--voicenter-user-id",
        "500000",
        "--extension",
        "SIM0100",
        "--email",
        "alice@example.com",
    )
    assert said.startswith("created agent alice")
    alice = User.objects.get(username="alice")
    assert alice.check_password("pw-123456")
    assert alice.email == "alice@example.com"
    assert not alice.is_staff
    role = role_of(alice)
    assert role.agent
    assert not role.supervisor
    assert role.extension == "SIM0100"
    assert role.voicenter_user_id == "500000"
    assert role.may_change("SIM0100")
    assert not role.may_change("SIM0101")


def test_create_agent_again_updates_the_same_user_and_role():
    run(
        "create_agent",
        "bob",
        "--password",
        "pw-123456",
        "--voicenter-user-id",
        "1",
        "--extension",
        "SIM0101",
    )
    said = run("create_agent", "bob", "--supervisor")
    assert said.startswith("updated supervisor bob")
    bob = User.objects.get(username="bob")
    assert User.objects.filter(username="bob").count() == 1
    assert bob.check_password("pw-123456")  # no --password: unchanged
    assert bob.is_staff
    assert list(bob.groups.values_list("name", flat=True)) == ["supervisor"]
    assert not AgentProfile.objects.filter(user=bob).exists()
    assert role_of(bob).may_change("ANYONE")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["carol", "--password", "pw-123456"], "needs --voicenter-user-id and --extension"),
        (["carol", "--voicenter-user-id", "1", "--extension", "X"], "needs --password"),
        (
            ["carol", "--password", "p", "--voicenter-user-id", "x1", "--extension", "X"],
            "must be digits",
        ),
        (["carol", "--password", "1", "--supervisor"], "password is refused: This password is too"),
        (["carol", "--password", "password123", "--supervisor"], "too common"),
        (["carol", "--password", "carol1234", "--supervisor"], "too similar to the username"),
    ],
)
def test_create_agent_refuses_what_it_cannot_do(args, words):
    with pytest.raises(CommandError, match=words):
        run("create_agent", *args)
    assert not User.objects.filter(username="carol").exists()


def test_two_agents_cannot_share_an_extension():
    run(
        "create_agent",
        "dan",
        "--password",
        "pw-123456",
        "--voicenter-user-id",
        "1",
        "--extension",
        "SIM0100",
    )
    with pytest.raises(CommandError, match="already belongs to dan"):
        run(
            "create_agent",
            "erin",
            "--password",
            "pw-123456",
            "--voicenter-user-id",
            "2",
            "--extension",
            "SIM0100",
        )


def test_a_superuser_is_a_supervisor_without_the_group():
    root = User.objects.create_superuser("root", password="pw-123456")
    assert role_of(root).supervisor


def test_someone_in_no_group_only_watches():
    watcher = User.objects.create_user("watcher", password="pw-123456")
    role = role_of(watcher)
    assert not role.supervisor
    assert not role.agent
    assert not role.may_change("SIM0100")


def row(sip: str, email: str = "", name: str = "") -> ExtensionRow:
    return ExtensionRow(sip, name or sip, "11", 1, "Acme", name or sip, email)


def test_import_extensions_fills_the_directory_and_the_matching_profiles():
    alice = User.objects.create_user("alice", email="Alice@Example.com", password="pw-123456")
    report = import_extensions(
        [row("SIP1", "alice@example.com"), row("SIP2", "nobody@example.com"), row("SIP3")],
        {"SIP1": "500000"},
    )
    assert (report.extensions_created, report.profiles_created) == (3, 1)
    assert Extension.objects.get(sip="SIP1").voicenter_user_id == "500000"
    profile = AgentProfile.objects.get(user=alice)
    assert (profile.extension, profile.voicenter_user_id) == ("SIP1", "500000")
    assert role_of(alice).agent
    text = "\n".join(report.lines())
    assert "SIP2: no user with e-mail nobody@example.com" in text
    assert "SIP3: no e-mail in Voicenter" in text


def test_import_extensions_again_updates_and_removes_what_voicenter_dropped():
    User.objects.create_user("alice", email="alice@example.com", password="pw-123456")
    import_extensions([row("SIP1", "alice@example.com"), row("SIP2")], {})
    report = import_extensions([row("SIP9", "alice@example.com", name="Renamed")], {"SIP9": "7"})
    assert (report.extensions_created, report.extensions_removed) == (1, 2)
    assert report.profiles_updated == 1
    assert AgentProfile.objects.get().extension == "SIP9"
    assert list(Extension.objects.values_list("sip", flat=True)) == ["SIP9"]


def test_an_email_on_several_extensions_names_no_agent():
    User.objects.create_user("alice", email="alice@example.com", password="pw-123456")
    report = import_extensions(
        [row("SIP1", "alice@example.com"), row("SIP2", "alice@example.com")], {}
    )
    assert report.profiles_created == 0
    assert not AgentProfile.objects.exists()
    assert "SIP2: alice@example.com is listed on several extensions" in report.skipped


def test_one_accounts_list_leaves_the_others_in_the_directory():
    import_extensions([row("SIP1"), row("SIP2")], {})
    report = import_extensions([row("SIP1")], {}, whole_list=False)
    assert report.extensions_removed == 0
    assert list(Extension.objects.values_list("sip", flat=True)) == ["SIP1", "SIP2"]


def test_import_extensions_leaves_a_supervisor_a_supervisor():
    boss = User.objects.create_user("boss", email="boss@example.com", password="pw-123456")
    boss.groups.add(Group.objects.get(name="supervisor"))
    import_extensions([row("SIP1", "boss@example.com")], {})
    assert list(boss.groups.values_list("name", flat=True)) == ["supervisor"]


async def _store_agents(prefix: str, agents: dict[str, Any]) -> None:
    client = redis_client()
    try:
        state = empty_state()
        state["agents"] = agents
        await StateStore(client, prefix).reset(state)
    finally:
        await client.aclose()


def test_the_import_extensions_command_reads_voicenter_and_the_live_user_ids(settings, use_prefix):
    async def go() -> tuple[str, SimAgent]:
        async with serving(CallCenter(agents=3, queues=1, seed=1, now=time.time())) as sim:
            settings.VOICENTER_COMET_URL = f"{sim.base}/Comet/api"
            settings.VOICENTER_API_CODE = "demo-code"
            assert sim.model is not None
            first = next(iter(sim.model.agents.values()))
            await _store_agents(
                use_prefix, {first.ext: {"extension": first.ext, "user_id": first.user_id}}
            )
            return await asyncio.to_thread(run, "import_extensions"), first

    User.objects.create_user("sim", email="sim0100@example.com", password="pw-123456")
    said, first = asyncio.run(go())
    assert "extensions: 3 created" in said
    assert "agent profiles: 1 created" in said
    profile = AgentProfile.objects.get(user__username="sim")
    assert (profile.extension, profile.voicenter_user_id) == (first.ext, str(first.user_id))


@pytest.mark.parametrize(
    ("no_account", "words"),
    [
        (False, r"refused the extension list \(ERR 1, Unauthorized\): check VOICENTER_API_CODE"),
        (True, r"empty array \(\[\]\).*matches no account: check VOICENTER_API_CODE"),
    ],
)
def test_import_extensions_with_a_wrong_code_tells_to_check_the_code(
    settings, use_prefix, no_account, words
):
    async def go() -> None:
        async with serving(CallCenter(agents=3, queues=1, seed=1, now=time.time())) as sim:
            sim.extensions_no_account = no_account
            settings.VOICENTER_COMET_URL = f"{sim.base}/Comet/api"
            settings.VOICENTER_API_CODE = "wrong-code"
            await asyncio.to_thread(run, "import_extensions")

    with pytest.raises(CommandError, match=words):
        asyncio.run(go())
    assert not Extension.objects.exists()


def test_create_display_prints_a_working_link(client):
    path = run("create_display", "Sales TV").strip()
    display = DisplayLink.objects.get()
    assert display.name == "Sales TV"
    assert path == f"/display/{display.token}/"
    assert len(display.token) >= 40
    page = client.get(path)
    assert page.status_code == 200
    assert b"Sales TV" in page.content
    assert DisplayLink.objects.get().last_seen_at is not None


def test_createsuperuser_without_a_prompt_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD is refused"):
        run("createsuperuser", "--noinput", "--username", "root", "--email", "r@example.com")
    assert not User.objects.filter(username="root").exists()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-Unusual-one-7")
    run("createsuperuser", "--noinput", "--username", "root", "--email", "r@example.com")
    assert User.objects.get(username="root").is_superuser
