"""Live calls from Voicenter's Active calls API while the realtime socket is down (pure).

When the worker has held no live socket for ``DOWN_BEFORE_POLL_S`` (15 s), it asks Voicenter's
Active calls API (rev. 3.2 section 7, https://www.voicenter.com/API/Active-Calls:
``GetQueuesCallers`` and ``GetExtensionsCalls``, read by :mod:`realtime.voicenter.rest`) every
``POLL_EVERY_S`` (5 s), one request per API per interval, whatever the number of web processes
or screens (only the active worker asks: ``realtime/lease.py``), and keeps the waiting callers
and the agents' calls live from the answers (:meth:`realtime.worker.VoicenterWorker`). It stops
while a socket's snapshots are coming and for good once they are in: they rebuild the board
and win (an answer that comes after them is dropped). A socket that opens and closes before its
snapshots is no live socket: the 15 s run on, the board stays as it was (the half-received
snapshots are dropped) and the answers keep it live.

What the answers become: ordinary typed events (:mod:`realtime.events`), so that the board's
reducer, our contacts' names, the repeat callers and the day's numbers take them as they take
the socket's:

- each queue of ``GetQueuesCallers`` that the board knows (from the last ``loginStatus``)
  becomes a ``QueueChanged`` (reason ``POLL``) with its whole waiting list: the callers in the
  answer's order, each with the name the board already had for that call (the API sends the
  number only); the day's numbers count a caller first seen so as offered, once, as they would
  from its ``JOIN`` (a caller who leaves is settled by the call records);
- each extension of ``GetExtensionsCalls`` that the board knows becomes an ``AgentChanged``
  (reason ``POLL``) with its calls, and everything else as the board had it: **the API carries
  no agent status**, so the statuses stand as the socket last said (the banner says so);
- queues and extensions the board does not know are left out (the socket's lists decide what
  is monitored).

Times in the answers are Voicenter's server-local epochs, like the socket's: turned into UTC with
the last ``servertimeoffset`` the socket gave, else the account's time zone.

The worker's health says where the board's data come from (``source``: ``socket``, ``api``, or
``""``), when the API last answered (``api_at``) and whether it fails now (``api_failing``): the
board's banner reads "live calls from Voicenter's API; statuses may be stale", or, with both
down, that Voicenter cannot be reached (``static/board/banner.js``).
"""

from __future__ import annotations

from collections.abc import Mapping

from realtime.events import Agent, AgentChanged, Call, Queue, QueueChanged, WaitingCall
from realtime.state import AgentView, QueueView
from realtime.voicenter.rest import ActiveCall, ExtensionsCalls, QueuesCallers
from realtime.voicenter.wire import ToUtc, call_direction, call_state

#: The socket down this long before the API is asked.
DOWN_BEFORE_POLL_S = 15.0
#: Each API asked once per this long while the socket is down.
POLL_EVERY_S = 5.0
#: The reason the events made from an answer carry.
POLL = "POLL"


def queue_events(
    answer: QueuesCallers, known: Mapping[str, QueueView], to_utc: ToUtc, at: float
) -> list[QueueChanged]:
    """A ``QueueChanged`` per queue of the answer that the board knows (see the module)."""
    events: list[QueueChanged] = []
    for polled in answer.queues:
        queue_id = str(polled.queue_id)
        now = known.get(queue_id)
        if now is None:
            continue
        names = {w["call_id"]: w["caller_name"] for w in now["waiting"]}
        waiting = tuple(
            WaitingCall(
                call_id=c.call_id,
                caller_number=c.phone,
                caller_name=names.get(c.call_id, ""),
                joined_at=to_utc(c.joined),
            )
            for c in polled.callers
        )
        queue = Queue(id=queue_id, name=now["name"] or polled.name, waiting=waiting)
        events.append(QueueChanged("queue_changed", POLL, queue, "", at, None))
    return events


def agent_events(
    answer: ExtensionsCalls, known: Mapping[str, AgentView], to_utc: ToUtc, at: float
) -> list[AgentChanged]:
    """An ``AgentChanged`` per extension of the answer that the board knows (see the module)."""
    events: list[AgentChanged] = []
    for polled in answer.extensions:
        now = known.get(polled.sip)
        if now is None:
            continue
        queues = {c["call_id"]: c["queue_id"] for c in now["calls"]}
        agent = Agent(
            extension=polled.sip,
            number=now["number"],
            user_id=now["user_id"],
            user_name=now["user_name"],
            agent_name=now["agent_name"],
            status=now["status"],  # the API has none: as the socket last said
            status_name=now["status_name"],
            status_since=now["status_since"],
            peer_status=polled.peer_status or None,
            calls=tuple(_call(c, queues.get(c.call_id), to_utc) for c in polled.calls),
        )
        events.append(AgentChanged("agent_changed", POLL, agent, "", "", at, None))
    return events


def _call(call: ActiveCall, queue_id: str | None, to_utc: ToUtc) -> Call:
    state = call_state(call.status)
    if call.answered and state in ("", "Ringing"):
        state = "Talking"
    return Call(
        call_id=call.call_id,
        direction=call_direction(call.direction),
        state=state,
        number=call.caller_phone,
        name=call.caller_name if call.caller_name != call.caller_phone else "",
        did="",
        started_at=to_utc(call.started),
        answered_at=to_utc(call.answered_at) if call.answered else None,
        queue_id=queue_id,
        leg=None,
    )
