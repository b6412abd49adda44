"""Who serves each queue, for its tile's line of agents available / on a call / on a break.

Voicenter's realtime feed does not list a queue's members, so a queue's agents are:

1. the agents of the teams it belongs to (:mod:`wallboard.teams.models`), when any team names
   it: this module, carried by the board's page (``queue_members``: queue id -> the teams'
   names and their agents' SIP users), for the queues that board may see;
2. else the agents who answered its calls today, which the worker keeps in the queue's
   ``today`` entity (``answered_by``, ``realtime/state.py``).

The tile's tooltip says which (``static/board/queues.js``). A change of a team shows on pages
opened after it.
"""

from __future__ import annotations

from typing import TypedDict

from django.contrib.auth.models import AnonymousUser, User

from wallboard.teams.models import Team
from wallboard.teams.visibility import Display, teams_for_display, teams_for_user


class QueueMembers(TypedDict):
    teams: list[str]  # the teams' names, sorted
    agents: list[str]  # their agents' SIP users, sorted


def queue_members(teams: list[Team]) -> dict[str, QueueMembers]:
    """Each queue of ``teams`` (with ``queues`` and ``agents`` prefetched): its teams and their
    agents."""
    names: dict[str, set[str]] = {}
    agents: dict[str, set[str]] = {}
    for team in teams:
        mine = {a.extension for a in team.agents.all()}
        for queue in team.queues.all():
            names.setdefault(queue.queue_id, set()).add(team.name)
            agents.setdefault(queue.queue_id, set()).update(mine)
    return {q: {"teams": sorted(names[q]), "agents": sorted(agents[q])} for q in names}


def members_for_user(user: User | AnonymousUser) -> dict[str, QueueMembers]:
    """For ``user``'s board: the queues of the teams they may see."""
    return queue_members(teams_for_user(user)[0])


def members_for_display(display: Display) -> dict[str, QueueMembers]:
    """For a display link's screen: its team's queues, or every team's."""
    return queue_members(teams_for_display(display)[0])
