"""A call center that speaks Voicenter: the model behind the simulator.

Agents work queues; callers arrive at random (seeded), wait, ring an available agent, talk and
hang up, or give up after their patience runs out; agents take breaks and now and then dial out.
Every change comes out as the raw Voicenter event a real account would send
(``["QueueEvent", {...}]``, ``["ExtensionEvent", {...}]``), shaped exactly like the examples of
Voicenter's Real Time API page (kept in ``tests/fixtures/voicenter_doc_examples.jsonl``; the format
is specified in :mod:`realtime.voicenter.wire` and summarised in ``docs/voicenter.md#events``). Time
is passed in (``now``, UTC epoch seconds), so the model is deterministic for a seed and a clock;
``speed`` divides every duration.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from realtime.phones import BadNumber, normalise

Json = dict[str, Any]
RawEvent = tuple[str, Json]

FIRST_NAMES = [
    "Dana",
    "Noa",
    "Yossi",
    "Avi",
    "Maya",
    "Tamar",
    "Eitan",
    "Lior",
    "Shira",
    "Omer",
    "Yael",
    "Roni",
    "Amit",
    "Gal",
    "Tal",
    "Ido",
    "Michal",
    "Nir",
    "Hila",
    "Oren",
]
LAST_NAMES = [
    "Cohen",
    "Levi",
    "Mizrahi",
    "Peretz",
    "Biton",
    "Dahan",
    "Avraham",
    "Friedman",
    "Katz",
    "Azulay",
    "Malka",
    "Shapiro",
    "Ben-David",
    "Golan",
    "Harel",
]
QUEUE_NAMES = [
    "Sales",
    "Support",
    "Billing",
    "VIP",
    "Retention",
    "Technical",
    "Orders",
    "Returns",
    "Partners",
    "General",
]
# The Hebrew roster (``names="he"``): Israeli names as Voicenter sends them, mixed with digits
# where real accounts mix them ("תמיכה 2" is a second-tier support line). Taken in turn, not at
# random, so that the first agent is always שרה כהן and the second queue always תמיכה 2.
HEBREW_FIRST_NAMES = [
    "שרה", "יוסי", "נועה", "אבי", "מאיה", "תמר", "איתן", "ליאור", "שירה", "עומר", "יעל",
    "רוני", "עמית", "גל", "טל", "עידו", "מיכל", "ניר", "הילה", "אורן",
]  # fmt: skip
HEBREW_LAST_NAMES = [
    "כהן", "לוי", "מזרחי", "פרץ", "ביטון", "דהן", "אברהם", "פרידמן", "כץ", "אזולאי", "מלכה",
    "שפירא", "בן דוד", "גולן", "הראל",
]  # fmt: skip
HEBREW_QUEUE_NAMES = [
    "מכירות", "תמיכה 2", "גבייה", "VIP", "שימור לקוחות", "תמיכה טכנית", "הזמנות", "החזרות",
    "שותפים", "כללי",
]  # fmt: skip
NAMES = {
    "en": (FIRST_NAMES, LAST_NAMES, QUEUE_NAMES),
    "he": (HEBREW_FIRST_NAMES, HEBREW_LAST_NAMES, HEBREW_QUEUE_NAMES),
}
#: The simulated account's number: the DID its callers dial, the caller id its calls show.
ACCOUNT_NUMBER = "0722776772"
#: What an outgoing minute costs, in agorot (a CDR's ``price``: an integer, ILS cents).
AGOROT_PER_MINUTE = 7
BREAK_STATUSES = [3, 5, 7, 9, 11, 12, 13]  # Voicenter's non-working statuses (Login/Logout API)

# Durations in seconds of simulated time (divided by ``speed``); typical call-center figures.
RING_S = (2.0, 8.0)
TALK_MEAN_S = 150.0
PATIENCE_MEAN_S = 90.0
#: A random caller who gave up calls again this often, after a while (seconds): the board's
#: repeat callers, and callers who leave the list of those who gave up once answered.
RETRY_P = 0.4
RETRY_AFTER_S = (60.0, 600.0)
#: Israeli mobile prefixes: the random callers' numbers are valid numbers (a call-back dials
#: them; drawn again while one is not).
MOBILE_PREFIXES = ("050", "052", "053", "054", "055", "058")
BREAK_S = (120.0, 900.0)
BREAK_CHANCE_PER_IDLE_MIN = 0.03
OUTBOUND_CHANCE_PER_IDLE_MIN = 0.02
# Rarer moments of a call center's life, drawn from a random generator of their own (``rare``),
# so that the seeded call center's other draws stay where they were:
#: a random caller who comes through a ring-all group: every free agent of the queue rings, one
#: answers, the others get ``HANGUP`` "Answered elsewhere"
RING_ALL_P = 0.1
#: an answered queue call the agent puts on hold (``HOLD``) for a while, then back (``UNHOLD``)
HOLD_P = 0.2
HOLD_S = (5.0, 40.0)
#: an idle agent's outgoing call made with Click2Call (from a CRM) rather than dialled, and a
#: Click2Call whose leg 1 the agent does not answer (``HANGUP`` "Call Rejected")
CLICK2CALL_SHARE = 0.3
REJECT_P = 0.2
#: a call center of this many agents has a supervisor (its last extension) who listens in on a
#: talking agent now and then (Voicenter's "Spy" call), for LISTEN_S
SUPERVISED_FROM = 20
LISTEN_CHANCE_PER_IDLE_MIN = 0.2
LISTEN_S = (30.0, 180.0)
#: the agents' last answered and ended calls before the model starts: so long ago at most
LAST_CALL_BEFORE_S = 3600.0


@dataclass
class SimCall:
    ivrid: str
    direction: str  # Incoming, Outgoing, Click2Call, Spy
    status: str  # Ringing, Dialing, Talking, Hold, Spying
    phone: str
    name: str
    did: str
    started: int  # server-local epoch seconds
    answered: int = 0
    queue_id: int | None = None
    leg: int | None = None
    waited: int | None = None  # seconds the caller waited in the queue (answered queue calls)
    leg1_answered: int = 0  # Click2Call: when the agent answered leg 1 (server-local)
    leg2_started: int = 0  # Click2Call: when leg 2 began to ring the destination
    tags: dict[str, str] = field(default_factory=dict)  # Click2Call: its ``var_*`` parameters


@dataclass
class SimAgent:
    ext: str  # SIP user (extenUser)
    number: int
    user_id: int
    name: str
    queues: list[int]
    status: int = 1
    status_updated_ms: int = 0
    calls: list[SimCall] = field(default_factory=list)
    last_call: int = 0
    last_answered: int = 0
    last_hangup: int = 0
    idle_since: float = 0.0
    by_person: bool = False  # a person set the status: no simulated breaks any more


@dataclass
class Caller:
    ivrid: str
    phone: str
    name: str
    joined: int  # server-local epoch seconds
    queue_id: int
    ringing: str | None = None  # the agent ringing for this caller (the first, if several)
    may_retry: bool = False  # a random caller: may call again after giving up
    ring_all: bool = False  # rings every free agent of the queue at once
    rung: list[str] = field(default_factory=list)  # every agent ringing for this caller


@dataclass
class SimQueue:
    id: int
    name: str
    waiting: list[Caller] = field(default_factory=list)


class CallCenter:
    def __init__(
        self,
        *,
        agents: int = 20,
        queues: int = 4,
        calls_per_minute: float = 6.0,
        speed: float = 1.0,
        seed: int = 1,
        now: float = 0.0,
        tz: str = "Asia/Jerusalem",
        logged_out_share: float = 0.1,
        names: str = "en",
    ) -> None:
        if agents < 0 or agents > 10_000:
            raise ValueError("agents must be between 0 and 10,000")
        if queues < 1:
            raise ValueError("queues must be at least 1")
        if speed <= 0:
            raise ValueError("speed must be positive")
        if names not in NAMES:
            raise ValueError(f"names must be one of {', '.join(NAMES)}")
        self.first_names, self.last_names, queue_names = NAMES[names]
        self.hebrew = names == "he"
        self.rng = random.Random(seed)
        self.rare = random.Random(f"{seed}:rare")  # RING_ALL_P, HOLD_P, ...: see above
        self.paused = False  # the queues offer no caller to anyone (tests: who is free stays)
        self.speed = speed
        self.calls_per_minute = calls_per_minute
        self.tz = ZoneInfo(tz)
        self.now = now
        self.outbox: list[RawEvent] = []
        #: one call record (the JSON of Voicenter's CDR notifications,
        #: realtime/voicenter/cdr.py) per finished call, for the server to post
        self.cdrs: list[dict[str, object]] = []
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._ids = itertools.count(1)
        self.queues: dict[int, SimQueue] = {}
        for i in range(queues):
            name = queue_names[i % len(queue_names)]
            if i >= len(queue_names):
                name = f"{name} {i // len(queue_names) + 1}"
            self.queues[1000 + i] = SimQueue(1000 + i, name)
        queue_ids = list(self.queues)
        self.agents: dict[str, SimAgent] = {}
        for i in range(agents):
            first, last = self._agent_name(i)
            member_of = [queue_ids[i % len(queue_ids)]]
            if len(queue_ids) > 1 and self.rng.random() < 0.4:
                member_of.append(queue_ids[(i + 1) % len(queue_ids)])
            agent = SimAgent(
                ext=f"SIM{100 + i:04d}",
                number=2000 + i,
                user_id=500_000 + i,
                name=f"{first} {last}",
                queues=member_of,
                status=2 if self.rng.random() < logged_out_share else 1,
                status_updated_ms=self._local_ms(now - self.rng.uniform(60, 3600)),
                idle_since=now,
            )
            # a day already under way: each agent's last call ended a while ago
            ended = now - self.rare.uniform(30, LAST_CALL_BEFORE_S)
            agent.last_hangup = agent.last_call = self._local(ended)
            agent.last_answered = self._local(ended - self.rare.uniform(10, 300))
            agent.idle_since = ended
            self.agents[agent.ext] = agent
        self._by_number = {str(a.number): a for a in self.agents.values()}
        self.members: dict[int, list[SimAgent]] = {q: [] for q in self.queues}
        for agent in self.agents.values():
            for queue_id in agent.queues:
                self.members[queue_id].append(agent)
        if calls_per_minute > 0:
            self._schedule_arrival()
        self._at(60 / speed, self._agent_round)

    # --- time -------------------------------------------------------------------------------

    def offset_min(self, at: float | None = None) -> int:
        moment = datetime.fromtimestamp(self.now if at is None else at, UTC)
        offset = moment.astimezone(self.tz).utcoffset()
        assert offset is not None  # a ZoneInfo always knows its offset
        return int(offset.total_seconds() // 60)

    def _local(self, at: float | None = None) -> int:
        at = self.now if at is None else at
        return int(at) + self.offset_min(at) * 60

    def _local_ms(self, at: float) -> int:
        return self._local(at) * 1000

    def _at(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.now + delay, next(self._order), action))

    def advance(self, now: float) -> list[RawEvent]:
        """Run everything due by ``now``; return the events that happened, in order."""
        while self._timers and self._timers[0][0] <= now:
            due, _, action = heapq.heappop(self._timers)
            self.now = max(self.now, due)
            action()
        self.now = max(self.now, now)
        return self.drain()

    def drain(self) -> list[RawEvent]:
        out, self.outbox = self.outbox, []
        return out

    def drain_cdrs(self) -> list[dict[str, object]]:
        out, self.cdrs = self.cdrs, []
        return out

    def _cdr(self, **fields: object) -> None:
        """A finished call's record, as Voicenter's notification system posts it (the JSON
        form; API documentation rev 3.2, section 4): every field of the section's table, typed
        as its examples (``time``, ``duration``, ``queueid``, ``price`` in agorot and
        ``dialtime`` integers, the rest strings); ``seconds_waiting_in_queue`` only for a call
        that waited in a queue (the server leaves it out of the XML-RPC form)."""
        record: dict[str, object] = {
            "caller": "", "target": "", "time": self._local(), "duration": 0,
            "ivruniqueid": "", "type": "Incoming Call", "status": "ANSWER",
            "targetextension": "", "callerextension": "", "did": ACCOUNT_NUMBER,
            "queueid": 0, "queuename": "", "dialtime": 0, "record": "", "price": 0,
            "representative_name": "", "representative_code": "",
            "targetextension_name": "", "callerextension_name": "",
            "target_country": "", "caller_country": "",
        }  # fmt: skip
        record.update(fields)
        self.cdrs.append(record)

    def _new_id(self) -> str:
        stamp = datetime.fromtimestamp(self.now, UTC).strftime("%Y%m%d%H%M%S")
        return f"{stamp}{next(self._ids):08d}sim"

    # --- wire format (Voicenter's, as its docs show it) --------------------------------------

    def _call_json(self, call: SimCall) -> Json:
        body = {
            "callStarted": call.started,
            "calldurationinterval": call.started,
            "callAnswered": call.answered,
            "answered": 1 if call.answered else 0,
            "callername": call.name,
            "callerphone": call.phone,
            "callstatus": call.status,
            "customdata": {},
            "direction": call.direction,
            "ivrid": call.ivrid,
            "recording": {"Filename": "", "IsMuted": 0},
            "did": call.did,
        }
        if call.leg is not None:
            body["c2cdirection"] = str(call.leg)
        if call.queue_id is not None:
            body["queueID"] = call.queue_id
        return body

    def _extension_json(self, agent: SimAgent) -> Json:
        return {
            "calls": [self._call_json(c) for c in agent.calls],
            "userID": agent.user_id,
            "userName": agent.name,
            "number": agent.number,
            "extenUser": agent.ext,
            "summery": {"representative": agent.name},
            "onlineUserID": agent.user_id,
            "representative": agent.user_id if agent.status != 2 else 0,
            "representativeStatus": agent.status,
            "lastCallEventEpoch": agent.last_call,
            "lastAnsweredCallEventEpoch": agent.last_answered,
            "lastHangupCallEpoch": agent.last_hangup,
            "representativeUpdated": agent.status_updated_ms,
            "peerStatus": "OK",
        }

    def _queue_json(self, queue: SimQueue) -> Json:
        return {
            "QueueID": queue.id,
            "QueueName": queue.name,
            "Calls": [
                {
                    "CallerID": c.phone,
                    "CallerName": c.name,
                    "IvrUniqueID": c.ivrid,
                    "JoinTimeStamp": c.joined,
                    "calldurationinterval": c.joined,
                    "ivrid": c.ivrid,
                }
                for c in queue.waiting
            ],
        }

    def _stamp(self) -> Json:
        return {"servertime": self._local(), "servertimeoffset": self.offset_min()}

    def snapshot_events(self) -> list[RawEvent]:
        """What a freshly connected client receives: loginSuccess, loginStatus, extensions."""
        ok = {"errorCode": 0, "errorDesc": "OK", **self._stamp()}
        return [
            ("loginSuccess", ok),
            ("loginStatus", {**ok, "queues": [self._queue_json(q) for q in self.queues.values()]}),
            (
                "AllExtensionsStatus",
                {**ok, "extensions": [self._extension_json(a) for a in self.agents.values()]},
            ),
        ]

    def _queue_event(self, queue: SimQueue, reason: str, ivrid: str) -> None:
        stamp = self._stamp()
        self.outbox.append(
            (
                "QueueEvent",
                {
                    "data": self._queue_json(queue),
                    "eventName": "queue",
                    "reason": reason,
                    **stamp,
                    "telephonyservertime": stamp["servertime"],
                    "ivruniqueid": ivrid,
                },
            )
        )

    def _extension_event(
        self, agent: SimAgent, reason: str, call: SimCall | None, cause: str = ""
    ) -> None:
        if reason == "userStatusUpdate":  # the docs show this one with reason beside data
            self.outbox.append(
                (
                    "ExtensionEvent",
                    {
                        "eventName": "extension",
                        "reason": reason,
                        **self._stamp(),
                        "data": self._extension_json(agent),
                    },
                )
            )
            return
        data = {
            "eventName": "extension",
            "reason": reason,
            **self._stamp(),
            **self._extension_json(agent),
        }
        if call is not None:
            data["currentCall"] = self._call_json(call)
        if reason == "HANGUP" and call is not None:
            data.update(
                {
                    "cause": cause or "Normal hangup",
                    "callerID": call.phone,
                    "ivruniqueid": call.ivrid,
                }
            )
        self.outbox.append(("ExtensionEvent", {"data": data}))

    # --- callers ----------------------------------------------------------------------------

    def _agent_name(self, i: int) -> tuple[str, str]:
        if self.hebrew:  # in turn: the same roster every run
            firsts, lasts = self.first_names, self.last_names
            return firsts[i % len(firsts)], lasts[(i * 7) % len(lasts)]
        return self.rng.choice(self.first_names), self.rng.choice(self.last_names)

    def _schedule_arrival(self) -> None:
        rate_per_s = self.calls_per_minute / 60 * self.speed
        self._at(self.rng.expovariate(rate_per_s), self._arrive)

    def _arrive(self) -> None:
        self._schedule_arrival()
        queue = self.rng.choice(list(self.queues.values()))
        name = (
            f"{self.rng.choice(self.first_names)} {self.rng.choice(self.last_names)}"
            if self.rng.random() < 0.6
            else ""
        )
        ring_all = self.rare.random() < RING_ALL_P
        self.join(queue.id, self._mobile(), name, may_retry=True, ring_all=ring_all)

    def _mobile(self) -> str:
        """A random Israeli mobile number that is a valid one (a call-back dials it)."""
        while True:
            phone = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 9_999_999):07d}"
            try:
                normalise(phone, "IL")
            except BadNumber:
                continue
            return phone

    def join(
        self,
        queue_id: int,
        phone: str,
        name: str = "",
        *,
        may_retry: bool = False,
        ring_all: bool = False,
    ) -> Caller:
        """A caller enters a queue (also used by tests and the demo for named callers).
        ``ring_all``: the call rings every free agent of the queue at once; the first to
        answer takes it, and the others get ``HANGUP`` with cause "Answered elsewhere"."""
        queue = self.queues[queue_id]
        caller = Caller(
            self._new_id(), phone, name, self._local(), queue_id, may_retry=may_retry,
            ring_all=ring_all,
        )  # fmt: skip
        queue.waiting.append(caller)
        self._queue_event(queue, "JOIN", caller.ivrid)
        patience = self.rng.expovariate(1 / PATIENCE_MEAN_S) / self.speed
        self._at(max(patience, 5 / self.speed), lambda: self._abandon(caller))
        self._dispatch([queue_id])
        return caller

    def hang_up(self, caller: Caller) -> None:
        """A waiting caller gives up now (the benchmarks' steady load)."""
        self._abandon(caller)

    def _abandon(self, caller: Caller) -> None:
        queue = self.queues[caller.queue_id]
        if caller not in queue.waiting:
            return
        queue.waiting.remove(caller)
        for ext in caller.rung:
            agent = self.agents[ext]
            call = next((c for c in agent.calls if c.ivrid == caller.ivrid), None)
            if call is not None:
                self._end_call(agent, call, "Normal hangup", record=False)
        self._queue_event(queue, "ABANDONED", caller.ivrid)
        if caller.may_retry and self.rng.random() < RETRY_P:
            again = self.rng.uniform(*RETRY_AFTER_S) / self.speed
            self._at(again, lambda: self._call_again(caller))
        self._cdr(
            caller=caller.phone, target=queue.name, time=caller.joined, ivruniqueid=caller.ivrid,
            type="Queue", status="ABANDONE", queueid=queue.id, queuename=queue.name,
            seconds_waiting_in_queue=self._local() - caller.joined,
        )  # fmt: skip

    def _call_again(self, caller: Caller) -> None:
        """A caller who gave up calls the same queue again (once: no retry of the retry)."""
        self.join(caller.queue_id, caller.phone, caller.name)

    def _available(self, agent: SimAgent) -> bool:
        return agent.status == 1 and not agent.calls

    def _dispatch(self, queue_ids: list[int]) -> None:
        """Offer the oldest waiting callers of these queues to their longest-idle agents."""
        if self.paused:
            return
        for queue_id in queue_ids:
            queue = self.queues[queue_id]
            for caller in queue.waiting:
                if caller.ringing:
                    continue
                free = [a for a in self.members[queue_id] if self._available(a)]
                if not free:
                    break
                if caller.ring_all:
                    for agent in sorted(free, key=lambda a: a.idle_since):
                        self._ring(agent, caller)
                else:
                    self._ring(min(free, key=lambda a: a.idle_since), caller)

    def _ring(self, agent: SimAgent, caller: Caller) -> None:
        caller.ringing = caller.ringing or agent.ext
        caller.rung.append(agent.ext)
        call = SimCall(
            caller.ivrid,
            "Incoming",
            "Ringing",
            caller.phone,
            caller.name,
            ACCOUNT_NUMBER,
            self._local(),
            queue_id=caller.queue_id,
        )
        agent.calls.append(call)
        agent.last_call = self._local()
        self._extension_event(agent, "NEWCALL", call)
        self._at(self.rng.uniform(*RING_S) / self.speed, lambda: self._answer(agent, caller))

    def _answer(self, agent: SimAgent, caller: Caller) -> None:
        queue = self.queues[caller.queue_id]
        call = next((c for c in agent.calls if c.ivrid == caller.ivrid), None)
        if call is None or caller not in queue.waiting:
            return
        queue.waiting.remove(caller)
        call.status, call.answered = "Talking", self._local()
        call.waited = self._local() - caller.joined
        agent.last_answered = self._local()
        self._extension_event(agent, "ANSWER", call)
        for ext in caller.rung:  # a ring-all call: it stops ringing at the others
            other = self.agents[ext]
            rang = next((c for c in other.calls if c.ivrid == caller.ivrid), None)
            if other is not agent and rang is not None:
                self._end_call(other, rang, "Answered elsewhere", record=False)
        self._queue_event(queue, "EXIT", caller.ivrid)
        talk = self.rng.expovariate(1 / TALK_MEAN_S) / self.speed
        self._at(max(talk, 10 / self.speed), lambda: self._end_call(agent, call))
        if self.rare.random() < HOLD_P:  # the agent puts the caller on hold a while, then back
            at = talk * self.rare.uniform(0.2, 0.6)
            held = min(self.rare.uniform(*HOLD_S) / self.speed, talk * 0.3)
            self._at(at, lambda: self._hold_now(agent, call, True))
            self._at(at + held, lambda: self._hold_now(agent, call, False))

    def _end_call(
        self, agent: SimAgent, call: SimCall, cause: str = "Normal hangup", record: bool = True
    ) -> None:
        if call not in agent.calls:
            return
        agent.calls.remove(call)
        if record:
            self._record_call(agent, call)
        agent.last_hangup = self._local()
        agent.idle_since = self.now
        self._extension_event(agent, "HANGUP", call, cause)
        self._dispatch(agent.queues)

    def hold(self, ext: str, on: bool = True) -> SimCall:
        """``ext`` puts its talking call on hold (``HOLD``), or takes its held call back
        (``off``: ``UNHOLD``); ValueError when it has no such call."""
        agent = self.agents[ext]
        wanted = "Talking" if on else "Hold"
        call = next((c for c in agent.calls if c.status == wanted), None)
        if call is None:
            raise ValueError(f"{ext} has no call {'to put on hold' if on else 'on hold'}")
        self._hold_now(agent, call, on)
        return call

    def _hold_now(self, agent: SimAgent, call: SimCall, on: bool) -> None:
        if call not in agent.calls or call.status != ("Talking" if on else "Hold"):
            return  # ended meanwhile (or already so)
        call.status = "Hold" if on else "Talking"
        self._extension_event(agent, "HOLD" if on else "UNHOLD", call)

    def reject(self, ext: str) -> SimCall:
        """``ext`` rejects the leg 1 of a Click2Call ringing its phone: ``HANGUP`` with cause
        "Call Rejected" (the Real Time API page: "a leg1 click2call call was not answered");
        ValueError when no such call rings."""
        agent = self.agents[ext]
        call = next(
            (
                c
                for c in agent.calls
                if c.direction == "Click2Call" and c.leg == 1 and not c.answered
            ),
            None,
        )
        if call is None:
            raise ValueError(f"{ext} has no Click2Call leg 1 ringing")
        self._end_call(agent, call, "Call Rejected")
        return call

    def _record_call(self, agent: SimAgent, call: SimCall) -> None:
        """The records of a call that ended: one, or two for a Click2Call (its legs)."""
        if call.direction == "Click2Call":
            self._record_click2call(agent, call)
            return
        talk = self._local() - call.answered if call.answered else 0
        ring = (call.answered or self._local()) - call.started
        common: dict[str, object] = {
            "ivruniqueid": call.ivrid, "time": call.started, "duration": talk,
            "dialtime": max(0, ring), "status": "ANSWER" if call.answered else "NOANSWER",
            "representative_name": agent.name, "representative_code": str(agent.user_id),
        }  # fmt: skip
        if call.direction == "Incoming":
            queue = self.queues.get(call.queue_id) if call.queue_id is not None else None
            self._cdr(
                **common, caller=call.phone, target=agent.ext, targetextension=agent.ext,
                targetextension_name=agent.name, caller_country="Israel",
                type="Queue" if queue else "Incoming Call",
                queueid=queue.id if queue else 0, queuename=queue.name if queue else "",
                **({"seconds_waiting_in_queue": call.waited} if queue and call.waited is not None
                   else {}),
            )  # fmt: skip
        else:
            self._cdr(
                **common, caller=ACCOUNT_NUMBER, target=_international(call.phone),
                callerextension=agent.ext, callerextension_name=agent.name, did="",
                type="Extension Outgoing", target_country="Israel", price=_price(talk),
            )  # fmt: skip

    def _record_click2call(self, agent: SimAgent, call: SimCall) -> None:
        """A Click2Call's two records, under its CALLID (rev 3.2 section 4, call types 5 and 6):
        leg 1 the agent's (Voicenter rings the extension: the extension answers it), leg 2 the
        called party's (the extension calls the destination: the caller's record). A call that
        ended before leg 2 began has leg 2 ``NOTCALLED``."""
        now = self._local()
        leg1_end = call.leg2_started or now
        agent_fields: dict[str, object] = {
            "ivruniqueid": call.ivrid, "representative_name": agent.name,
            "representative_code": str(agent.user_id),
            # the request's var_* tags, "used in CDR to CRM" (section 1.2) in a CustomData
            # object as the dialer's API sends them (6.10): where is not documented
            **({"CustomData": dict(call.tags)} if call.tags else {}),
        }  # fmt: skip
        self._cdr(
            **agent_fields, type="Click2Call leg1", time=call.started,
            status="ANSWER" if call.leg1_answered else "NOANSWER",
            caller=ACCOUNT_NUMBER, target=agent.ext, targetextension=agent.ext,
            targetextension_name=agent.name, did="",
            duration=now - call.leg1_answered if call.leg1_answered else 0,
            dialtime=max(0, (call.leg1_answered or leg1_end) - call.started),
        )  # fmt: skip
        rang = call.leg2_started  # 0: leg 2 never began
        answered = call.answered if rang else 0
        talk = now - answered if answered else 0
        self._cdr(
            **agent_fields, type="Click2Call leg2", time=rang or now,
            status="ANSWER" if answered else "NOANSWER" if rang else "NOTCALLED",
            caller=ACCOUNT_NUMBER, target=_international(call.phone), callerextension=agent.ext,
            callerextension_name=agent.name, did="", duration=talk, target_country="Israel",
            dialtime=max(0, (answered or now) - rang) if rang else 0, price=_price(talk),
        )  # fmt: skip

    # --- agents -----------------------------------------------------------------------------

    def _back_from_break(self, agent: SimAgent) -> None:
        if agent.status != 2 and not agent.by_person:  # unless they logged out or chose
            self.set_status(agent.ext, 1)

    def _agent_round(self) -> None:
        """Once a simulated minute: idle agents may take a break or dial out."""
        self._at(60 / self.speed, self._agent_round)
        for agent in self.agents.values():
            if not self._available(agent) or agent.by_person:
                continue
            roll = self.rng.random()
            if roll < BREAK_CHANCE_PER_IDLE_MIN:
                self.set_status(agent.ext, self.rng.choice(BREAK_STATUSES))
                back = self.rng.uniform(*BREAK_S) / self.speed
                self._at(back, functools.partial(self._back_from_break, agent))
            elif roll < BREAK_CHANCE_PER_IDLE_MIN + OUTBOUND_CHANCE_PER_IDLE_MIN:
                target = f"03{self.rng.randint(0, 9_999_999):07d}"
                if self.rare.random() < CLICK2CALL_SHARE:  # from a CRM's call button
                    self.click2call(agent.ext, target, reject=self.rare.random() < REJECT_P)
                else:
                    self.dial_out(agent.ext, target)
        self._supervise()

    def _supervise(self) -> None:
        """A supervisor (the last extension of a call center of ``SUPERVISED_FROM`` agents)
        free of calls listens in on a talking agent now and then."""
        if len(self.agents) < SUPERVISED_FROM:
            return
        supervisor = list(self.agents.values())[-1]
        if supervisor.calls or supervisor.status != 1 or supervisor.by_person:
            return
        if self.rare.random() >= LISTEN_CHANCE_PER_IDLE_MIN:
            return
        talking = [
            a for a in self.agents.values()
            if a is not supervisor and any(c.status == "Talking" for c in a.calls)
        ]  # fmt: skip
        if talking:
            heard = self.rare.choice(talking)
            self.listen_in(supervisor.ext, heard.ext, self.rare.uniform(*LISTEN_S))

    def set_status(self, ext: str, status: int, *, by_person: bool = False) -> bool:
        """Put ``ext`` in ``status`` (a ``userStatusUpdate`` when it changes). ``by_person``: a
        person chose it (the Login/Logout API), so the simulated breaks leave the agent alone."""
        agent = self.agents.get(ext)
        if agent is None:
            return False
        if by_person:
            agent.by_person = True
        if agent.status != status:
            agent.status = status
            agent.status_updated_ms = self._local() * 1000
            self._extension_event(agent, "userStatusUpdate", None)
            if status == 1:
                agent.idle_since = self.now
                self._dispatch(agent.queues)
        return True

    def dial_out(self, ext: str, target: str) -> SimCall:
        agent = self.agents[ext]
        call = SimCall(self._new_id(), "Outgoing", "Dialing", target, target, "", self._local())
        return self._ring_then_talk(agent, call, answered_counts=False)

    def ring_direct(self, ext: str, phone: str, name: str = "", *, alone: bool = False) -> SimCall:
        """A call to the extension's own number (no queue): it rings, is answered, ends.
        ``alone``: the far ends of the extension's answered calls hang up as this one rings, so
        that it is the extension's only call (ValueError while one of them is still ringing:
        a queue caller is offered to no one else meanwhile)."""
        agent = self.agents[ext]
        if alone and any(not c.answered for c in agent.calls):
            raise ValueError(f"{ext} has a call still ringing")
        others = list(agent.calls) if alone else []
        call = SimCall(self._new_id(), "Incoming", "Ringing", phone, name, "", self._local())
        self._ring_then_talk(agent, call, answered_counts=True)
        for other in others:  # after the new call, so no queue caller is offered meanwhile
            self._end_call(agent, other, record=other.direction != "Spy")
        return call

    def _ring_then_talk(self, agent: SimAgent, call: SimCall, *, answered_counts: bool) -> SimCall:
        """``call`` starts on ``agent``, is answered after a ring, talks, then ends.
        ``answered_counts``: the agent answered it (an incoming call), not the far end."""
        agent.calls.append(call)
        agent.last_call = self._local()
        self._extension_event(agent, "NEWCALL", call)

        def answer() -> None:
            if call in agent.calls:
                call.status, call.answered = "Talking", self._local()
                if answered_counts:
                    agent.last_answered = self._local()
                self._extension_event(agent, "ANSWER", call)
                talk = self.rng.expovariate(1 / TALK_MEAN_S) / self.speed
                self._at(max(talk, 10 / self.speed), lambda: self._end_call(agent, call))

        self._at(self.rng.uniform(*RING_S) / self.speed, answer)
        return call

    def listen_in(self, ext: str, target: str, seconds: float = 60.0) -> SimCall:
        """``ext`` listens in on ``target`` (a supervisor's silent monitoring): Voicenter's
        direction "Spy", call status "Spying", answered at once; it ends after ``seconds``. Its
        phone is busy meanwhile: no queue call rings it. ``ext`` must be free of calls."""
        agent, heard = self.agents[ext], self.agents[target]
        if agent.calls:
            raise ValueError(f"{ext} is on a call")
        if ext == target:
            raise ValueError("an extension cannot listen in on itself")
        call = SimCall(
            self._new_id(), "Spy", "Spying", str(heard.number), heard.name, "", self._local()
        )
        call.answered = call.started
        agent.calls.append(call)
        agent.last_call = self._local()
        self._extension_event(agent, "NEWCALL", call)
        # no call record: listening in is not a call of the account's (record=False)
        self._at(seconds / self.speed, lambda: self._end_call(agent, call, record=False))
        return call

    def click2call(
        self, phone: str, target: str, *, reject: bool = False, tags: dict[str, str] | None = None
    ) -> SimCall:
        """Leg 1 rings the agent's phone; once answered, leg 2 dials the target, then talk.
        ``reject``: the agent does not answer leg 1 (``HANGUP`` "Call Rejected", as
        :meth:`reject` does at once). ``tags``: the request's ``var_*`` parameters, carried
        into both legs' records."""
        agent = self.agents.get(phone) or self._by_number[phone]
        call = SimCall(
            self._new_id(),
            "Click2Call",
            "Dialing",
            target,
            target,
            "",
            self._local(),
            leg=1,
            tags=dict(tags or {}),
        )
        agent.calls.append(call)
        agent.last_call = self._local()
        self._extension_event(agent, "NEWCALL", call)

        def leg1_answered() -> None:
            if call not in agent.calls:
                return
            if reject:
                self._end_call(agent, call, "Call Rejected")
                return
            call.status, call.answered = "Talking", self._local()
            call.leg1_answered = call.answered
            self._extension_event(agent, "ANSWER", call)
            self._at(1 / self.speed, leg2_rings)

        def leg2_rings() -> None:
            if call not in agent.calls:
                return
            call.leg, call.answered, call.leg2_started = 2, 0, self._local()
            self._extension_event(agent, "NEWCALL", call)
            self._at(self.rng.uniform(*RING_S) / self.speed, leg2_answered)

        def leg2_answered() -> None:
            if call not in agent.calls:
                return
            call.answered = self._local()
            agent.last_answered = self._local()
            self._extension_event(agent, "ANSWER", call)
            talk = self.rng.expovariate(1 / TALK_MEAN_S) / self.speed
            self._at(max(talk, 10 / self.speed), lambda: self._end_call(agent, call))

        self._at(self.rng.uniform(*RING_S) / self.speed, leg1_answered)
        return call

    def find_agent(self, phone: str) -> SimAgent | None:
        return self.agents.get(phone) or self._by_number.get(phone)


def _international(phone: str) -> str:
    """A number as a CDR's ``target`` carries it, "with the international country prefix"
    (``0501234567`` -> ``972501234567``); an extension or a star code as it is."""
    digits = phone.lstrip("+")
    if digits.startswith("0") and digits.isdigit():
        return "972" + digits[1:]
    return digits


def _price(talk_s: int) -> int:
    """An outgoing call's price in agorot: each minute begun."""
    return -(-talk_s // 60) * AGOROT_PER_MINUTE
