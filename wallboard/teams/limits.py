"""How long an agent may stay in a status, and how long a call may last, before the board says
they are over: per team where the agent's team has its own, else the account's.

- The account's limits are the status options' (``wallboard.agents.models.StatusOption``:
  ``limit_min``, a time limit in the status, e.g. Lunch 30 min; ``call_limit_min``, a call taken
  in that status, e.g. 20 min while logged in).
- A team may set its own for a status (:class:`wallboard.teams.models.TeamStatusLimit`, in the
  team's admin page); its agents follow them instead. An agent in several teams with their own
  limits for one status gets the strictest (the shortest; a team's "no limit" yields to
  another's limit).

The board's page carries them (:func:`board_limits`: ``by_status`` and the agents whose teams
differ, ``by_agent``, in seconds) and the browser judges each card against them every second
(``static/board/present.js`` ``limitsOf``/``overLimit``). A change shows on pages opened after it.
"""

from __future__ import annotations

from typing import TypedDict

from django.contrib.auth.models import AnonymousUser, User

from wallboard.agents.models import StatusOption
from wallboard.teams.models import Team, TeamAgent, TeamStatusLimit
from wallboard.teams.visibility import Display, teams_for_display, teams_for_user

#: A status' limits in seconds: [time in the status, a call in it] (None: none).
Limits = list[int | None]


class BoardLimits(TypedDict):
    by_status: dict[str, Limits]  # status code -> the account's limits
    by_agent: dict[str, dict[str, Limits]]  # extension -> status code -> its team's


def _stricter(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def board_limits(extensions: frozenset[str] | None = None) -> BoardLimits:
    """The limits a board judges its cards by; ``extensions``: only these agents' own (a
    team's board), None: every agent's."""
    by_status = {
        str(option.code): list(option.limits())
        for option in StatusOption.objects.all()
        if option.limit_min or option.call_limit_min
    }
    by_agent: dict[str, dict[str, Limits]] = {}
    own = TeamStatusLimit.objects.select_related("status")
    by_team: dict[int, dict[str, Limits]] = {}
    for row in own:
        by_team.setdefault(row.team_id, {})[str(row.status.code)] = list(row.limits())
    if by_team:
        members = TeamAgent.objects.filter(team_id__in=by_team).values_list("team_id", "extension")
        for team_id, ext in members:
            if extensions is not None and ext not in extensions:
                continue
            mine = by_agent.setdefault(ext, {})
            for code, limits in by_team[team_id].items():
                if code in mine:
                    mine[code] = [_stricter(a, b) for a, b in zip(mine[code], limits, strict=True)]
                else:
                    mine[code] = list(limits)
    return {"by_status": by_status, "by_agent": by_agent}


def limits_for(teams: list[Team], whole: bool) -> BoardLimits:
    """The limits for a board showing ``teams`` (``visibility.teams_for_user`` /
    ``teams_for_display``): their agents' own only, every agent's on the whole account."""
    if whole:
        return board_limits()
    return board_limits(frozenset(a.extension for team in teams for a in team.agents.all()))


def limits_for_user(user: User | AnonymousUser) -> BoardLimits:
    """The limits for ``user``'s board: the agents' own of the teams they may see only."""
    return limits_for(*teams_for_user(user))


def limits_for_display(display: Display) -> BoardLimits:
    """The limits for a display link's screen: its team's agents' own only."""
    return limits_for(*teams_for_display(display))
