"""Making and changing a team, for ``create_team`` and the admin: its queues picked from the
queues the board knows (by id or by name), its agents from the extensions it knows, its
supervisors by user name. Every refusal is a sentence a person reads (:class:`TeamError`).

What the board knows: the queues and agents in the live state (Redis, as the worker keeps it),
the extension directory (``import_extensions``), and whatever teams already hold (a queue
Voicenter stopped reporting keeps its last name).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import orjson
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from wallboard.agents.models import Extension
from wallboard.core.services import keys, shared_sync_client
from wallboard.teams.models import Team, TeamAgent, TeamQueue

log = logging.getLogger("wallboard.teams.making")


class TeamError(ValueError):
    """A team that cannot be made as asked; the message says why, to a person."""


def _live(collection: str, name_of: tuple[str, ...]) -> dict[str, str]:
    """key -> name of the live state's ``collection`` (empty when Redis is away)."""
    try:
        raw = shared_sync_client().hgetall(keys().collection(collection))
    except Exception as exc:
        log.warning("cannot read the board's %s from Redis: %r", collection, exc)
        return {}
    found: dict[str, str] = {}
    for key, value in raw.items():
        try:
            entity = orjson.loads(value)
        except orjson.JSONDecodeError:
            continue
        name = next((str(entity[f]) for f in name_of if entity.get(f)), "")
        found[key.decode() if isinstance(key, bytes) else key] = name
    return found


def known_queues() -> dict[str, str]:
    """Queue id -> name, of every queue the board knows, sorted by name."""
    found = dict(TeamQueue.objects.values_list("queue_id", "name"))
    found.update({k: v for k, v in _live("queues", ("name",)).items() if v or k not in found})
    return dict(sorted(found.items(), key=lambda item: (item[1].casefold(), item[0])))


def known_agents() -> dict[str, str]:
    """SIP user -> name, of every extension the board knows, sorted by name."""
    found = dict(TeamAgent.objects.values_list("extension", "name"))
    for sip, name, user in Extension.objects.values_list("sip", "name", "user_name"):
        found[sip] = user or name or found.get(sip, "")
    live = _live("agents", ("agent_name", "user_name"))
    found.update({k: v for k, v in live.items() if v or k not in found})
    return dict(sorted(found.items(), key=lambda item: (item[1].casefold(), item[0])))


def _pick(wanted: Iterable[str], known: dict[str, str], unknown_words: str) -> dict[str, str]:
    """The ids of ``wanted`` (each an id or a known name), with their names."""
    by_name = {name.casefold(): key for key, name in known.items() if name}
    picked: dict[str, str] = {}
    unknown = []
    for item in (w.strip() for w in wanted):
        if not item:
            continue
        key = item if item in known else by_name.get(item.casefold())
        if key is None:
            unknown.append(item)
        else:
            picked[key] = known[key]
    if unknown:
        raise TeamError(unknown_words % {"names": ", ".join(unknown)})
    return picked


def save_team(
    name: str,
    *,
    queues: Iterable[str] | None = None,
    agents: Iterable[str] | None = None,
    supervisors: Iterable[str] | None = None,
) -> tuple[Team, bool]:
    """Make the team ``name``, or change it: each of ``queues`` (ids or names), ``agents`` (SIP
    users or names) and ``supervisors`` (user names) given replaces what the team had; one
    left out (None) is kept. Returns the team and whether it is new."""
    name = " ".join(name.split())
    if not name:
        raise TeamError(_("A team needs a name."))
    if len(name) > Team._meta.get_field("name").max_length:  # type: ignore[operator]
        raise TeamError(_("A team's name is at most 80 characters."))
    picked_queues = picked_agents = None
    if queues is not None:
        picked_queues = _pick(queues, known_queues(), _("The board knows no queue %(names)s."))
    if agents is not None:
        no_agent = _("The board knows no extension %(names)s.")
        picked_agents = _pick(agents, known_agents(), no_agent)
    people = None
    if supervisors is not None:
        names = [s.strip() for s in supervisors if s.strip()]
        people = list(User.objects.filter(username__in=names))
        missing = sorted(set(names) - {u.username for u in people})
        if missing:
            raise TeamError(_("No user is named %(names)s.") % {"names": ", ".join(missing)})
    with transaction.atomic():
        team = Team.objects.filter(name__iexact=name).first()
        created = team is None
        if team is None:
            team = Team.objects.create(name=name)
        if picked_queues is not None:
            set_queues(team, picked_queues)
        if picked_agents is not None:
            set_agents(team, picked_agents)
        if people is not None:
            team.supervisors.set(people)
        team.save()  # (its updated_at, and one signal for the boards)
    return team, created


def set_queues(team: Team, picked: dict[str, str]) -> None:
    team.queues.exclude(queue_id__in=picked).delete()
    for queue_id, queue_name in picked.items():
        TeamQueue.objects.update_or_create(
            team=team, queue_id=queue_id, defaults={"name": queue_name}
        )


def set_agents(team: Team, picked: dict[str, str]) -> None:
    team.agents.exclude(extension__in=picked).delete()
    for sip, agent_name in picked.items():
        TeamAgent.objects.update_or_create(team=team, extension=sip, defaults={"name": agent_name})
