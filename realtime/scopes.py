"""What one board may see of the state: its scope (a team's queues and agents, or the whole
account), and the state, deltas and stored snapshots cut down to it.

Pure: no I/O, no framework imports. This docstring is the spec of scoping; ``docs/protocol.md``
links here, and ``wallboard/teams/`` says which scope each person and display link has.

Scope
=====

A :class:`Scope` names the queue ids and the agents' SIP users a board may see, or ``None`` for
"every one" (:data:`WHOLE_ACCOUNT`). A team's scope is its queues and its agents; a person in
no team who may not see the whole account has :data:`NOTHING`. Scopes are compared by
:attr:`Scope.key`, which is made from what they hold: two teams with the same queues and agents
share one key, and so one encoding of every frame.

What a scope keeps, collection by collection (:data:`realtime.state.COLLECTIONS`):

- ``queues`` and ``today``: the entries of its queues (keyed by queue id). A queue of two
  teams is in both scopes. A ``today`` entry's ``answered_by`` (the agents who answered the
  queue's calls) keeps the scope's agents only (:func:`_today_cut`).
- ``agents``: the entries of its agents (keyed by SIP user), their calls included: an agent of
  the team serves the callers on their own calls, whichever queue they came through.

Everything else is absent: not hidden by the page, never in any frame to that board.

Deltas
======

A delta cut to a scope (:func:`scope_delta`) keeps the ``set`` entries and ``del`` keys of
what the scope holds, and may be empty (``{}``): a change outside the scope still reaches the
scope's boards as an empty delta at its ``seq``, so every board follows the one sequence of
positions of :mod:`realtime.store` (the gap check, heartbeats and acknowledgements of
:mod:`realtime.messages` stay as they are) and learns nothing of the change itself.
Cutting commutes with merging and applying:
``scope_state(apply_delta(s, d)) == apply_delta(scope_state(s), scope_delta(d))`` (tested as a
property), so a scoped board's state is exactly the scope of the account's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar, cast

from realtime.state import COLLECTIONS, Delta, Part, Parts, State

#: The collections keyed by queue id; every other collection is keyed by SIP user.
BY_QUEUE = frozenset({"queues", "today"})


@dataclass(frozen=True)
class Scope:
    """The queues (ids, as text) and agents (SIP users) a board may see; ``None``: all."""

    queues: frozenset[str] | None
    agents: frozenset[str] | None
    key: str = field(init=False, compare=False)
    #: The whole account: nothing is cut (a field, not a property: the fan-out asks it for
    #: every board of every frame).
    whole: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", _key(self.queues, self.agents))
        object.__setattr__(self, "whole", self.queues is None and self.agents is None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scope) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


def scope(queues: Iterable[object], agents: Iterable[object]) -> Scope:
    """The scope of these queue ids and SIP users (ids of any type, kept as text)."""
    return Scope(frozenset(str(q) for q in queues), frozenset(str(a) for a in agents))


def _key(queues: frozenset[str] | None, agents: frozenset[str] | None) -> str:
    if queues is None and agents is None:
        return "all"
    digest = hashlib.blake2b(digest_size=8)
    for names in (queues, agents):
        digest.update(b"*" if names is None else "\x1f".join(sorted(names)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


WHOLE_ACCOUNT = Scope(None, None)
NOTHING = scope((), ())

T = TypeVar("T")


def _cut(entities: Mapping[str, T], allowed: frozenset[str] | None) -> dict[str, T]:
    if allowed is None:
        return dict(entities)
    return {key: value for key, value in entities.items() if key in allowed}


def _today_cut(entities: dict[str, T], agents: frozenset[str] | None) -> dict[str, T]:
    """``today`` entries whose ``answered_by`` names only ``agents`` (None: all)."""
    if agents is None:
        return entities
    out: dict[str, T] = {}
    for key, entity in entities.items():
        if isinstance(entity, dict):
            names = entity.get("answered_by")
            if isinstance(names, list) and any(name not in agents for name in names):
                entity = cast(T, {**entity, "answered_by": [n for n in names if n in agents]})
        out[key] = entity
    return out


def _cut_collection(entities: Mapping[str, T], within: Scope, name: str) -> dict[str, T]:
    cut = _cut(entities, _allowed(within, name))
    return _today_cut(cut, within.agents) if name == "today" else cut


def scope_state(state: State, within: Scope) -> State:
    """``state`` with only what ``within`` holds (the input is not modified)."""
    if within.whole:
        return state
    collections = cast(Mapping[str, Mapping[str, object]], state)
    return cast(
        State,
        {name: _cut_collection(collections.get(name, {}), within, name) for name in COLLECTIONS},
    )


def scope_delta(delta: Delta, within: Scope) -> Delta:
    """``delta`` with only what ``within`` holds; ``{}`` when none of it is."""
    if within.whole:
        return delta
    cut: Parts = {}
    for name, part in cast(Parts, delta).items():
        allowed = _allowed(within, name)
        sets = _cut_collection(part.get("set", {}), within, name)
        dels = [key for key in part.get("del", ()) if allowed is None or key in allowed]
        kept: Part[object] = {}
        if sets:
            kept["set"] = sets
        if dels:
            kept["del"] = dels
        if kept:
            cut[name] = kept
    return cast(Delta, cut)


def scope_raw(
    collections: Mapping[str, Mapping[bytes, bytes]], within: Scope
) -> dict[str, dict[bytes, bytes]]:
    """A stored snapshot's collections (key bytes -> entity JSON bytes, as
    ``realtime.store.RawSnapshot`` holds them) with only what ``within`` holds, not decoded."""
    if within.whole:
        return {name: dict(entities) for name, entities in collections.items()}
    out: dict[str, dict[bytes, bytes]] = {}
    for name, entities in collections.items():
        allowed = _allowed(within, name)
        if allowed is None:
            out[name] = dict(entities)
            continue
        wanted = {key.encode() for key in allowed}
        out[name] = {key: value for key, value in entities.items() if key in wanted}
        if name == "today" and within.agents is not None:
            out[name] = {key: _raw_today(value, within.agents) for key, value in out[name].items()}
    return out


def _raw_today(value: bytes, agents: frozenset[str]) -> bytes:
    """A stored ``today`` entry (JSON) cut as :func:`_today_cut` cuts it, re-encoded only if
    its ``answered_by`` names an agent outside ``agents``."""
    if b'"answered_by":[]' in value:
        return value
    entity = json.loads(value)
    cut = _today_cut({"": entity}, agents)[""]
    if cut is entity:
        return value
    return json.dumps(cut, ensure_ascii=False, separators=(",", ":")).encode()


def _allowed(within: Scope, collection: str) -> frozenset[str] | None:
    return within.queues if collection in BY_QUEUE else within.agents
