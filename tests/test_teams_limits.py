"""Status limits (wallboard/teams/limits.py): the account's per status, a team's own in their
place for its agents, the strictest for an agent in several teams, and only the agents a board
shows. The browser's side (over by how much, the order, the header's count) is
tests/node/board.test.mjs; a card over its limit in Chromium is tests/test_browser.py."""

from __future__ import annotations

import pytest

from tests.test_teams import person
from wallboard.agents.models import StatusOption
from wallboard.board.models import DisplayLink
from wallboard.teams.limits import board_limits, limits_for_display, limits_for_user
from wallboard.teams.models import Team, TeamAgent, TeamStatusLimit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roles_and_statuses")]

LUNCH = 3


def lunch(minutes: int | None, call_minutes: int | None = None) -> None:
    StatusOption.objects.filter(code=LUNCH).update(limit_min=minutes, call_limit_min=call_minutes)


def team_of(name: str, agents: list[str], lunch_min: int | None = None) -> Team:
    made = Team.objects.create(name=name)
    for sip in agents:
        TeamAgent.objects.create(team=made, extension=sip)
    if lunch_min is not None or name.endswith("none"):
        TeamStatusLimit.objects.create(
            team=made, status=StatusOption.objects.get(code=LUNCH), limit_min=lunch_min
        )
    return made


def test_no_limits_anywhere_gives_the_board_nothing_to_judge():
    assert board_limits() == {"by_status": {}, "by_agent": {}}


def test_the_accounts_limit_per_status_in_seconds():
    lunch(30, 20)
    assert board_limits()["by_status"] == {str(LUNCH): [1800, 1200]}


def test_a_teams_own_limit_replaces_the_accounts_for_its_agents_and_the_strictest_wins():
    lunch(30)
    team_of("Sales", ["SIP1", "SIP2"], lunch_min=45)
    team_of("VIP", ["SIP2"], lunch_min=20)
    team_of("Night none", ["SIP3"])  # its own: no Lunch limit at all
    limits = board_limits()
    assert limits["by_status"][str(LUNCH)] == [1800, None]
    assert limits["by_agent"]["SIP1"] == {str(LUNCH): [2700, None]}
    assert limits["by_agent"]["SIP2"] == {str(LUNCH): [1200, None]}  # 20 min beats 45
    assert limits["by_agent"]["SIP3"] == {str(LUNCH): [None, None]}  # the team's none
    assert "SIP4" not in limits["by_agent"]  # no team of its own: the account's


def test_a_board_gets_only_the_agents_it_shows():
    lunch(30)
    sales = team_of("Sales", ["SIP1"], lunch_min=45)
    team_of("Support", ["SIP9"], lunch_min=15)
    dana = person("dana", supervisor=True)
    sales.supervisors.add(dana)
    assert set(limits_for_user(dana)["by_agent"]) == {"SIP1"}
    tv = DisplayLink.objects.create(name="Sales TV", team=sales)
    assert set(limits_for_display(tv)["by_agent"]) == {"SIP1"}
    whole = DisplayLink.objects.create(name="Hall")
    assert set(limits_for_display(whole)["by_agent"]) == {"SIP1", "SIP9"}
