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
from wallboard.core.while_boards import WhileBoards
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


#: At most this many views are remembered per process (one per person or display link).
MAX_REMEMBERED = 10_000


class Watch(WhileBoards[Viewer]):
    """One per web process: the teams' version, looked at every second while boards are open,
    and the views worked out at each version (by person or display link), so that a
    reconnect storm costs one lookup per viewer whose view is not known yet, none for those
    whose view is, and none at all in an account without teams."""

    def __init__(self, client: aioredis.Redis) -> None:
        super().__init__()
        self.client = client
        self.key = keys().teams_version
        self._views: dict[object, tuple[bytes, Any]] = {}
        self._teams: tuple[bytes, bool] | None = None  # (version, whether any team exists)
        self._reading: asyncio.Future[bytes | None] | None = None  # the read askers share

    async def current(self) -> bytes | None:
        """The teams' version now (None: Redis did not answer; nothing is remembered then).
        Boards asking together share one read: a reconnect storm of a thousand screens takes
        a handful of Redis connections, not one each."""
        if self._reading is None or self._reading.done():
            self._reading = asyncio.ensure_future(self._look())
        return await asyncio.shield(self._reading)

    def remembered(self, viewer: object, version: bytes | None) -> Any:
        """The view worked out for ``viewer`` at ``version`` (None: none)."""
        found = self._views.get(viewer)
        return (
            found[1] if found is not None and version is not None and found[0] == version else None
        )

    def remember(self, viewer: object, version: bytes | None, view: Any) -> None:
        if version is None:
            return
        if len(self._views) >= MAX_REMEMBERED:
            self._views.clear()
        self._views[viewer] = (version, view)

    def forget(self, viewer: object) -> None:
        """``viewer`` picked another view: work it out again next time."""
        self._views.pop(viewer, None)

    def teams_exist(self, version: bytes | None) -> bool | None:
        """Whether the account had any team at ``version`` (None: not known)."""
        known = self._teams
        return (
            known[1] if known is not None and version is not None and known[0] == version else None
        )

    def know_teams(self, version: bytes | None, exist: bool) -> None:
        if version is not None:
            self._teams = (version, exist)

    async def _run(self) -> None:
        seen: bytes | None = await self._look()
        while self.boards:
            await asyncio.sleep(LOOK_EVERY_S)
            version = await self._look()
            if version is None or version == seen:
                continue
            seen = version
            await self.tell()

    async def tell(self) -> None:
        """Every board works out its view again (one lookup per person or display link)."""
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
