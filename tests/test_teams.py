"""Teams (wallboard/teams/): who sees which part of the board, what a supervisor may act on,
create_team and create_display --team. The websocket's side is tests/test_teams_wire.py."""

from __future__ import annotations

import orjson
import pytest
from django.contrib.auth.models import Permission, User, update_last_login
from django.core.management import CommandError, call_command

from realtime.scopes import NOTHING, WHOLE_ACCOUNT, scope
from wallboard.agents.models import StatusOption
from wallboard.agents.onboarding import create_agent
from wallboard.agents.roles import role_of
from wallboard.board.models import DisplayLink
from wallboard.core.services import keys, shared_sync_client
from wallboard.teams.making import TeamError, known_queues, save_team
from wallboard.teams.models import Team, TeamAgent, TeamQueue
from wallboard.teams.visibility import ALL, view_for_display, view_for_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roles_and_statuses")]


def person(name: str, **role: object) -> User:
    create_agent(name, password="pw-0123456789", **role)  # type: ignore[arg-type]
    return User.objects.get(username=name)


def team(name: str, queues: list[str], agents: list[str]) -> Team:
    made = Team.objects.create(name=name)
    for queue_id in queues:
        TeamQueue.objects.create(team=made, queue_id=queue_id, name=f"Q{queue_id}")
    for sip in agents:
        TeamAgent.objects.create(team=made, extension=sip)
    return made


@pytest.fixture
def floor():
    """Sales (queues 1 and 3, agents SIP1 SIP2) and Support (queues 2 and 3, agent SIP3):
    queue 3 is shared. Dana supervises Sales; Avi works SIP1; Ops may see all teams."""
    sales, support = (
        team("Sales", ["1", "3"], ["SIP1", "SIP2"]),
        team("Support", ["2", "3"], ["SIP3"]),
    )
    dana = person("dana", supervisor=True)
    sales.supervisors.add(dana)
    avi = person("avi", voicenter_user_id="11", extension="SIP1")
    ops = person("ops", supervisor=True)
    ops.user_permissions.add(Permission.objects.get(codename="see_all_teams"))
    return {"sales": sales, "support": support, "dana": dana, "avi": avi, "ops": ops}


def test_an_account_without_teams_shows_everyone_the_whole_account():
    for user in (
        person("dana", supervisor=True),
        person("avi", voicenter_user_id="11", extension="SIP1"),
    ):
        view = view_for_user(user)
        assert view.scope == WHOLE_ACCOUNT
        assert view.options == ()
        assert role_of(user).acts_on is None


def test_a_supervisor_sees_the_teams_they_supervise_and_no_other(floor):
    view = view_for_user(floor["dana"])
    assert view.team == "Sales"
    assert view.scope == scope(["1", "3"], ["SIP1", "SIP2"])
    assert [name for _, name in view.options] == ["Sales"]  # no All teams
    with pytest.raises(ValueError, match="not a team"):
        view_for_user(floor["dana"], str(floor["support"].pk))
    with pytest.raises(ValueError, match="not a team"):
        view_for_user(floor["dana"], ALL)


def test_an_agent_sees_the_teams_of_their_own_extension(floor):
    view = view_for_user(floor["avi"])
    assert view.team == "Sales"
    assert view.scope.agents == frozenset({"SIP1", "SIP2"})


def test_all_teams_is_offered_with_the_permission_and_to_superusers(floor):
    for user in (floor["ops"], User.objects.create_superuser("root", password="pw-0123456789")):
        view = view_for_user(user)
        assert [name for _, name in view.options] == ["Sales", "Support", ""]  # "": All teams
        assert view.options[-1] == (ALL, "")
        assert view.scope == WHOLE_ACCOUNT  # in no team: the whole account first
        picked = view_for_user(user, str(floor["support"].pk))
        assert picked.scope == scope(["2", "3"], ["SIP3"])


def test_someone_in_no_team_without_the_permission_sees_nothing_and_is_told_why(floor):
    view = view_for_user(person("eli", voicenter_user_id="19", extension="SIP9"))
    assert view.scope == NOTHING
    assert view.why == "no_team"
    assert view.options == ()


def test_a_picked_team_is_kept_for_the_next_board(floor):
    floor["sales"].supervisors.add(floor["ops"])
    assert view_for_user(floor["ops"]).team == "Sales"  # their own team first
    view_for_user(floor["ops"], ALL)
    assert view_for_user(floor["ops"]).scope == WHOLE_ACCOUNT
    view_for_user(floor["ops"], str(floor["sales"].pk))
    assert view_for_user(floor["ops"]).team == "Sales"


def test_a_display_link_shows_its_team_and_nothing_once_the_team_is_deleted(floor):
    tv = DisplayLink.objects.create(name="Sales TV", team=floor["sales"])
    lobby = DisplayLink.objects.create(name="Lobby")
    assert view_for_display(tv).scope == scope(["1", "3"], ["SIP1", "SIP2"])
    assert view_for_display(lobby).scope == WHOLE_ACCOUNT
    floor["sales"].delete()
    tv.refresh_from_db()
    gone = view_for_display(tv)
    assert gone.scope == NOTHING  # never the whole account instead
    assert gone.why == "team_gone"


def test_a_supervisor_acts_only_on_their_teams_agents_unless_they_see_all(floor):
    dana = role_of(floor["dana"])
    assert dana.may_change("SIP1")
    assert not dana.may_change("SIP3")
    assert role_of(floor["ops"]).may_change("SIP3")
    avi = role_of(floor["avi"])
    assert avi.may_change("SIP1")
    assert not avi.may_change("SIP2")


@pytest.fixture
def live_state(use_prefix):
    """What the worker keeps of the queues and agents in Redis."""
    client, names = shared_sync_client(), keys()
    queues = {"1": "Sales line", "2": "Support", "7": "תמיכה 2"}
    client.hset(
        names.collection("queues"),
        mapping={q: orjson.dumps({"id": q, "name": n, "waiting": []}) for q, n in queues.items()},
    )
    client.hset(
        names.collection("agents"),
        mapping={
            "SIP1": orjson.dumps({"extension": "SIP1", "agent_name": "Yossi Levi"}),
            "SIP2": orjson.dumps({"extension": "SIP2", "agent_name": "שרה כהן"}),
        },
    )


def test_create_team_picks_queues_and_agents_by_name_or_id_and_updates_when_run_again(
    live_state,
):
    person("dana", supervisor=True)
    call_command("create_team", "Sales", "--queues", "1,תמיכה 2", "--agents", "SIP1,שרה כהן",
                 "--supervisors", "dana")  # fmt: skip
    sales = Team.objects.get(name="Sales")
    assert dict(sales.queues.values_list("queue_id", "name")) == {"1": "Sales line", "7": "תמיכה 2"}
    assert set(sales.agents.values_list("extension", flat=True)) == {"SIP1", "SIP2"}
    assert [u.username for u in sales.supervisors.all()] == ["dana"]
    call_command("create_team", "sales", "--queues", "Support")  # the same team; agents kept
    assert list(sales.queues.values_list("queue_id", flat=True)) == ["2"]
    assert sales.agents.count() == 2
    assert Team.objects.count() == 1


def test_create_team_refuses_an_unknown_queue_or_person_with_a_sentence(live_state):
    with pytest.raises(CommandError, match="The board knows no queue Billing"):
        call_command("create_team", "Sales", "--queues", "1,Billing")
    with pytest.raises(CommandError, match="No user is named nobody"):
        call_command("create_team", "Sales", "--supervisors", "nobody")
    with pytest.raises(TeamError, match="needs a name"):
        save_team("   ")
    assert not Team.objects.exists()


def test_a_queue_voicenter_stopped_reporting_keeps_its_name_for_the_admin(live_state):
    save_team("Sales", queues=["Support"])
    shared_sync_client().hdel(keys().collection("queues"), "2")
    assert known_queues()["2"] == "Support"


def test_create_display_shows_a_team_by_name_and_refuses_an_unknown_one(floor, capsys):
    call_command("create_display", "Sales TV", "--team", "sales")
    tv = DisplayLink.objects.get(name="Sales TV")
    assert (tv.team, tv.whole_account) == (floor["sales"], False)
    assert tv.path() in capsys.readouterr().out
    with pytest.raises(CommandError, match="No team is named Billing"):
        call_command("create_display", "Billing TV", "--team", "Billing")


def test_a_sign_in_does_not_make_every_board_work_its_view_out_again(
    floor, use_prefix, django_capture_on_commit_callbacks
):
    client, key = shared_sync_client(), keys().teams_version
    client.delete(key)
    with django_capture_on_commit_callbacks(execute=True):
        update_last_login(User, floor["dana"])  # what every sign-in does
    assert client.get(key) is None
    with django_capture_on_commit_callbacks(execute=True):
        floor["sales"].supervisors.remove(floor["dana"])
    assert client.get(key) is not None


def test_a_superuser_makes_a_team_in_the_admin_picking_queues_and_agents_by_name(
    live_state, client
):
    root = User.objects.create_superuser("root", password="pw-0123456789")
    client.force_login(root)
    form = client.get("/admin/teams/team/add/").content.decode()
    assert "תמיכה 2 (7)" in form  # the queues the board knows, by name
    assert "Yossi Levi (SIP1)" in form
    saved = client.post(
        "/admin/teams/team/add/",
        {"name": "Sales", "team_queues": ["1", "7"], "team_agents": ["SIP2"],
         "supervisors": [root.pk],
         # the team's own status limits (an inline): Lunch at 20 minutes for Sales
         "status_limits-TOTAL_FORMS": "1", "status_limits-INITIAL_FORMS": "0",
         "status_limits-0-status": StatusOption.objects.get(code=3).pk,
         "status_limits-0-limit_min": "20"},
    )  # fmt: skip
    assert saved.status_code == 302
    sales = Team.objects.get(name="Sales")
    assert [(x.status.code, x.limit_min) for x in sales.status_limits.all()] == [(3, 20)]
    assert dict(sales.queues.values_list("queue_id", "name")) == {"1": "Sales line", "7": "תמיכה 2"}
    assert list(sales.agents.values_list("extension", "name")) == [("SIP2", "שרה כהן")]
    listing = client.get("/admin/teams/team/").content.decode()
    assert "Sales line" in listing


def test_a_supervisor_without_the_teams_permissions_cannot_change_teams(floor, client):
    client.force_login(floor["dana"])
    assert client.get("/admin/teams/team/add/").status_code == 403
