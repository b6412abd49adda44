"""Which part of the board each person and each display link sees: its view.

- An account with no team at all: everybody sees the whole account, as before teams.
- Otherwise a person sees the teams they supervise and the teams of their own extension (their
  agent profile's); superusers and people with the ``teams.see_all_teams`` permission may also
  pick "All teams" (the whole account). Several teams to show: the board has a picker, and the
  choice is kept per person (:class:`wallboard.teams.models.BoardChoice`). Nothing to show: an
  empty board that says why (``no_team``).
- A display link shows the whole account, or one team; once its team is deleted it shows
  nothing and says so (``team_gone``).
- A supervisor may act (status changes) on the agents of the teams they supervise, or on every
  agent when the account has no teams or they may see all teams
  (:func:`extensions_supervised`, which ``wallboard.agents.roles`` asks).

What a view holds is :class:`realtime.scopes.Scope`, the cut every frame to that board gets.
Synchronous ORM: the websocket calls these through ``database_sync_to_async``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from realtime.scopes import NOTHING, WHOLE_ACCOUNT, Scope, scope
from wallboard.agents.models import AgentProfile
from wallboard.teams.models import BoardChoice, Team, TeamAgent

ALL = "all"  # the picker's value for "All teams"


class Display(Protocol):
    """What a display link says of what it shows (``wallboard.board.models.DisplayLink``: the
    board app sits above this one)."""

    whole_account: bool
    team_id: int | None


Why = Literal["", "no_team", "team_gone"]


@dataclass(frozen=True)
class View:
    """What one board shows: its scope, the team's name (None: the whole account or nothing),
    why it shows nothing, and the picker's options ((value, team name); "all": All teams)."""

    scope: Scope
    team: str | None = None
    why: Why = ""
    options: tuple[tuple[str, str], ...] = ()
    chosen: str = ""


EVERYTHING = View(WHOLE_ACCOUNT, chosen=ALL)


def scope_of(team: Team) -> Scope:
    """A team's scope: its queues and its agents (with ``queues``/``agents`` prefetched)."""
    return scope((q.queue_id for q in team.queues.all()), (a.extension for a in team.agents.all()))


def sees_all(user: User) -> bool:
    return user.is_superuser or user.has_perm("teams.see_all_teams")


def teams_of(user: User) -> list[Team]:
    """The teams ``user`` supervises or works in (by their agent profile's extension)."""
    extension = (
        AgentProfile.objects.filter(user=user).values_list("extension", flat=True).first() or ""
    )
    mine = Q(supervisors=user)
    if extension:
        mine |= Q(agents__extension=extension)
    return list(
        Team.objects.filter(mine).distinct().order_by("name").prefetch_related("queues", "agents")
    )


def view_for_user(user: User, pick: str | None = None) -> View:
    """What ``user`` sees: ``pick`` (a team id or "all") if they may, else their kept choice,
    else their first team, else All teams when they may. ValueError for a ``pick`` they may
    not see."""
    user = User.objects.get(pk=user.pk)  # fresh: permissions and teams change under a board
    if not Team.objects.exists():
        if pick not in (None, ALL):
            raise ValueError("the account has no teams")
        return EVERYTHING
    everything = sees_all(user)
    mine = teams_of(user)
    default = str(mine[0].pk) if mine else ALL  # their own first team, else All teams
    if everything:  # any team, their own first
        own = {t.pk for t in mine}
        mine += [
            t for t in Team.objects.order_by("name").prefetch_related("queues", "agents")
            if t.pk not in own
        ]  # fmt: skip
    options = [(str(t.pk), t.name) for t in mine]
    if everything:
        options.append((ALL, ""))
    if pick is not None and pick not in {value for value, _ in options}:
        raise ValueError(f"not a team this person may see: {pick[:40]!r}")
    if not options:
        return View(NOTHING, why="no_team")
    valid = {value for value, _ in options}
    kept = BoardChoice.objects.filter(user=user).first()
    saved = None if kept is None else ALL if kept.team_id is None else str(kept.team_id)
    chosen = pick or (saved if saved in valid else default)
    if pick is not None:
        BoardChoice.objects.update_or_create(
            user=user, defaults={"team_id": None if pick == ALL else int(pick)}
        )
    if chosen == ALL:
        return View(WHOLE_ACCOUNT, options=tuple(options), chosen=ALL)
    team = next(t for t in mine if str(t.pk) == chosen)
    return View(scope_of(team), team.name, options=tuple(options), chosen=chosen)


def teams_for_user(user: User | AnonymousUser) -> tuple[list[Team], bool]:
    """The teams whose parts ``user``'s board page may carry (queues and agents prefetched),
    and whether it shows the whole account: every team, when they may see all or the account
    has none (status limits, ``wallboard.teams.limits``; queue members, ``.members``)."""
    if not isinstance(user, User):
        return [], False
    if sees_all(user) or not Team.objects.exists():
        return list(Team.objects.prefetch_related("queues", "agents")), True
    return teams_of(user), False


def teams_for_display(display: Display) -> tuple[list[Team], bool]:
    """As :func:`teams_for_user`, for a display link's screen: every team, its own, or none
    (its team is gone)."""
    if display.whole_account:
        return list(Team.objects.prefetch_related("queues", "agents")), True
    if display.team_id is None:
        return [], False
    return list(Team.objects.filter(pk=display.team_id).prefetch_related("queues", "agents")), False


def view_for_display(display: Display) -> View:
    """What a display link's screen shows: the whole account, its team, or nothing (gone)."""
    if display.whole_account:
        return EVERYTHING
    team = (
        Team.objects.filter(pk=display.team_id).prefetch_related("queues", "agents").first()
        if display.team_id is not None
        else None
    )
    if team is None:
        return View(NOTHING, why="team_gone")
    return View(scope_of(team), team.name, chosen=str(team.pk))


def view_without_teams(display: Display | None) -> View:
    """A view in an account with no team at all (no lookup): the whole account, but for a
    display link made for a team, which is gone."""
    if display is not None and not display.whole_account:
        return View(NOTHING, why="team_gone")
    return EVERYTHING


def extensions_supervised(user: User) -> frozenset[str] | None:
    """The extensions a supervisor may act on: their teams' agents; None (every one) when the
    account has no teams or they may see all teams."""
    if not Team.objects.exists() or sees_all(user):
        return None
    return frozenset(
        TeamAgent.objects.filter(team__supervisors=user).values_list("extension", flat=True)
    )
