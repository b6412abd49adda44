"""Who may do what: the ``supervisor`` and ``agent`` groups (created by a migration).

- A supervisor (or a superuser) may change the status of any agent they see: once the account
  has teams, the agents of the teams they supervise, unless they may see all teams
  (``wallboard.teams``, which also says which part of the board each person sees).
- An agent may change only their own extension's status.
- Anyone else signed in only watches, even with an agent profile (an extension): every command
  (a status change, a call, a hang-up) asks the role first. A display link
  (``wallboard.board.models.DisplayLink``) is no user at all: it watches and never acts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User

from wallboard.agents.models import AgentProfile

SUPERVISOR = "supervisor"
AGENT = "agent"


@dataclass(frozen=True)
class Role:
    """What the board needs to know about a signed-in person."""

    supervisor: bool
    agent: bool
    extension: str  # their own extension's SIP user, "" if none
    voicenter_user_id: str
    #: the extensions a supervisor may act on; None: every one
    acts_on: frozenset[str] | None = None

    @property
    def acts(self) -> bool:
        """May send commands at all (the one rule every command asks first)."""
        return self.supervisor or self.agent

    def may_change(self, extension: str) -> bool:
        if self.supervisor:
            return self.acts_on is None or extension in self.acts_on
        return self.agent and bool(self.extension) and extension == self.extension

    @property
    def may_call(self) -> bool:
        """May place and hang up Click2Call calls: from their own extension."""
        return self.acts and bool(self.extension)


#: The extensions a supervisor may act on (None: all), set by the teams app when it loads
#: (``wallboard.teams.visibility.extensions_supervised``: this app sits below it).
acts_on_hook: Callable[[User], frozenset[str] | None] | None = None

NOBODY = Role(supervisor=False, agent=False, extension="", voicenter_user_id="")


def role_of(user: object) -> Role:
    """The role of ``request.user`` (two queries; synchronous ORM)."""
    if not isinstance(user, User) or not user.is_active:
        return NOBODY  # AnonymousUser, or an inactive account
    groups = set(user.groups.values_list("name", flat=True))
    profile = AgentProfile.objects.filter(user=user).first()
    supervisor = user.is_superuser or SUPERVISOR in groups
    return Role(
        supervisor=supervisor,
        acts_on=acts_on_hook(user) if supervisor and acts_on_hook is not None else None,
        agent=AGENT in groups,
        extension=profile.extension if profile else "",
        voicenter_user_id=profile.voicenter_user_id if profile else "",
    )
