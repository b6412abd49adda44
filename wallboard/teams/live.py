"""Team changes reach the open boards within seconds, each with a fresh snapshot of its new
scope; a person removed from a team stops receiving it.

Whatever decides who sees what (a team, its queues, agents and supervisors, an agent's
extension, a person's groups and permissions, a display link's team) writes a new
``<prefix>teams:version`` once its transaction commits (:func:`changed`). Each web process
looks at that version once a second while it has boards (:class:`Watch`, one per event loop)
and, when it moved, has every board work out its view again
(:mod:`wallboard.teams.visibility`), once per person or display link, not once per screen.
A board whose view changed gets it, then a snapshot of its new scope. Redis away: the change
is logged and reaches the boards at their next reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import weakref
from typing import Any, Protocol

import redis.asyncio as aioredis
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from wallboard.agents.models import AgentProfile
from wallboard.core.services import keys, shared_sync_client
from wallboard.teams.models import Team, TeamAgent, TeamQueue

log = logging.getLogger("wallboard.teams.live")

#: How often each web process looks at the teams' version.
LOOK_EVERY_S = 1.0


def changed() -> None:
    """Something that decides who sees what changed: a new version once it is committed."""
    transaction.on_commit(_write)


def _write() -> None:
    try:
        shared_sync_client().set(keys().teams_version, secrets.token_hex(8))
    except Exception as exc:
        log.warning(
            "could not tell the boards that a team changed (%r): they see it when they reconnect",
            exc,
        )


@receiver(post_save, sender=Team)
@receiver(post_delete, sender=Team)
@receiver(post_save, sender=TeamQueue)
@receiver(post_delete, sender=TeamQueue)
@receiver(post_save, sender=TeamAgent)
@receiver(post_delete, sender=TeamAgent)
@receiver(post_save, sender=AgentProfile)
@receiver(post_delete, sender=AgentProfile)
def _saved(**kwargs: Any) -> None:
    changed()


#: A person's saves that decide nothing about what they see: every sign-in writes
#: ``last_login`` (a shift change must not have every board work its view out again).
UNSEEN_FIELDS = frozenset({"last_login", "password"})


@receiver(post_save, sender=User)
def _person_saved(update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    if update_fields is None or not set(update_fields) <= UNSEEN_FIELDS:
        changed()


@receiver(m2m_changed, sender=Team.supervisors.through)
@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _members_changed(action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        changed()


class Viewer(Protocol):
    async def view_changed(self) -> None:
        """Work out this board's view again (:meth:`Watch.remembered` first: boards of one
        person or display link share it)."""


class Watch:
    """One per web process: the teams' version, looked at every second while boards are open."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self.key = keys().teams_version
        self.boards: set[Viewer] = set()
        self.rounds = 0  # changes seen and handed to the boards
        #: The views worked out since the last change, by person or display link: a reconnect
        #: storm of a team's TVs costs one lookup, not one per screen.
        self.generation = 0
        self._views: dict[object, Any] = {}
        self._task: asyncio.Task[None] | None = None

    def remembered(self, viewer: object) -> Any:
        """The view last worked out for ``viewer`` since the last change (None: none, or no
        board is watching: a change may have come unseen)."""
        if self._task is None or self._task.done():
            self._views.clear()
            return None
        return self._views.get(viewer)

    def remember(self, viewer: object, view: Any, generation: int) -> None:
        """Keep ``view``, worked out during ``generation``, unless a change came meanwhile."""
        if generation == self.generation:
            self._views[viewer] = view

    def forget(self, viewer: object) -> None:
        """``viewer`` picked another view: work it out again next time."""
        self._views.pop(viewer, None)

    def join(self, board: Viewer) -> None:
        self.boards.add(board)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def leave(self, board: Viewer) -> None:
        self.boards.discard(board)
        if not self.boards and self._task is not None:
            task, self._task = self._task, None
            if task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        seen: bytes | None = await self._look()
        while self.boards:
            await asyncio.sleep(LOOK_EVERY_S)
            version = await self._look()
            if version is None or version == seen:
                continue
            seen = version
            self.rounds += 1
            await self.tell()

    async def tell(self) -> None:
        """Every board works out its view again (one lookup per person or display link)."""
        self.generation += 1
        self._views.clear()
        for board in list(self.boards):
            try:
                await board.view_changed()
            except Exception:
                log.exception("a board could not work out its view again")

    async def _look(self) -> bytes | None:
        try:
            value = await self.client.get(self.key)
        except Exception as exc:  # Redis away: the heartbeat says so; look again next time
            log.debug("cannot read the teams' version: %r", exc)
            return None
        return b"" if value is None else value if isinstance(value, bytes) else value.encode()


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Watch] = weakref.WeakKeyDictionary()


def watch(client: aioredis.Redis) -> Watch:
    """This event loop's (this web process's) watch."""
    loop = asyncio.get_running_loop()
    found = _watches.get(loop)
    if found is None:
        found = _watches[loop] = Watch(client)
    return found
