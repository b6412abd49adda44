"""Who may do what: the ``supervisor`` and ``agent`` groups (created by a migration).

- A supervisor (or a superuser) sees the whole board and may change any agent's status.
- An agent sees the whole board and may change only their own extension's status.
- Anyone else signed in only watches. A display link (``wallboard.board.models.DisplayLink``)
  is no user at all: it watches and never acts.
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

    def may_change(self, extension: str) -> bool:
        if self.supervisor:
            return True
        return self.agent and bool(self.extension) and extension == self.extension


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
