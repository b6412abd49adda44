"""Who may do what: the ``supervisor`` and ``agent`` groups (created by a migration).

- A supervisor (or a superuser) sees the whole board and may change any agent's status.
- An agent sees the whole board and may change only their own extension's status.
- Anyone else signed in only watches, even with an agent profile (an extension): every command
  (a status change, a call, a hang-up) asks the role first. A display link
  (``wallboard.board.models.DisplayLink``) is no user at all: it watches and never acts.
"""

from __future__ import annotations

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

    @property
    def acts(self) -> bool:
        """May send commands at all (the one rule every command asks first)."""
        return self.supervisor or self.agent

    def may_change(self, extension: str) -> bool:
        if self.supervisor:
            return True
        return self.agent and bool(self.extension) and extension == self.extension

    @property
    def may_call(self) -> bool:
        """May place and hang up Click2Call calls: from their own extension."""
        return self.acts and bool(self.extension)


NOBODY = Role(supervisor=False, agent=False, extension="", voicenter_user_id="")


def role_of(user: object) -> Role:
    """The role of ``request.user`` (two queries; synchronous ORM)."""
    if not isinstance(user, User) or not user.is_active:
        return NOBODY  # AnonymousUser, or an inactive account
    groups = set(user.groups.values_list("name", flat=True))
    profile = AgentProfile.objects.filter(user=user).first()
    return Role(
        supervisor=user.is_superuser or SUPERVISOR in groups,
        agent=AGENT in groups,
        extension=profile.extension if profile else "",
        voicenter_user_id=profile.voicenter_user_id if profile else "",
    )
