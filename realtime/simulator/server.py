"""The Voicenter simulator's servers: HTTP login, the Engine.IO 3 socket, and the REST APIs.

One aiohttp application stands in for all of Voicenter's hosts, at these paths:

=====================================================  ========================================
``POST /monitorAPI/Login/{Token,Account,User}``        login; ``Data.Socket.URLList`` points
                                                       back at this server
``GET /monitorAPI/RefreshIdentityToken``               ``Authorization: Bearer <RefreshToken>``
``GET /socket.io/?EIO=3&transport=websocket&token=``   Socket.IO 2.x over Engine.IO 3
``POST|GET /UserLogin/SetStatusFromAPI``               Login/Logout API
``POST|GET /ForwardDialer/click2call.aspx``            Click2Call
``POST|GET /Comet/api/GetExtensions``                  extension list (also spelt
                                                       ``/comet/API/...``, as section 7 does)
``POST|GET /Comet/api/GetExtensionsCalls``             active calls per extension
``POST|GET /Comet/api/GetQueuesCallers``               waiting callers per queue
``POST|GET /hub/cdr/``                                 the Call log API (the records of the
                                                       finished calls, also posted to
                                                       ``--cdr-url`` as notifications)
=====================================================  ========================================

Engine.IO 3 over a websocket, as the official clients expect: the server opens with
``0{"sid","upgrades":[],"pingInterval","pingTimeout"}`` and ``40`` (connected to ``/``); the
*client* pings (``2``) and the server answers ``3``; events are ``42["Name",{...}]``. A socket
whose token is unknown or expired is refused before the upgrade (HTTP 401). After connecting, a
client receives ``loginSuccess``, ``loginStatus`` and ``AllExtensionsStatus``, then live traffic;
``keepalive`` is answered with ``keepaliveResponse`` and ``resync`` with fresh snapshots.

The model (:class:`realtime.simulator.model.CallCenter`) runs on a tick; every event is encoded
once and queued to every socket. Tests reach the knobs on :class:`Simulator` directly: refuse
logins, drop every socket, fall silent, answer keep-alives with an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import xmlrpc.client
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape

from aiohttp import WSMsgType, web

from realtime.recording import RawEvent
from realtime.simulator.model import CallCenter, Json, SimCall
from realtime.voicenter.cdr import CALL_LOG_FIELDS

log = logging.getLogger("realtime.simulator")
#: Call records waiting to be posted; past this, new ones are dropped (a receiver far behind).
MAX_CDRS = 10_000
#: The Call log API answers from this many of the latest records.
CALL_LOG_KEPT = 50_000
#: The Call log API's most records in one answer (Voicenter: ERROR_NUMBER 3 beyond it).
CALL_LOG_LIMIT = 10_000

#: What Voicenter's servers say in the open packet (the Real Time API page's "Initial message"):
#: the client pings every minute, and a socket silent for 60 + 180 s is dead.
PING_INTERVAL_MS = 60_000
PING_TIMEOUT_MS = 180_000
TICK_S = 0.1
#: A socket that falls this many frames behind is cut off rather than buffered for ever.
MAX_BACKLOG = 50_000
#: A fast replay waits while a socket has this many frames still to send.
REPLAY_WINDOW = 1_000

ERR_OK, ERR_PARAMS, ERR_APP, ERR_OFFLINE, ERR_BLOCKED = 0, 1, 2, 3, 4  # Click2Call ERRORCODEs
#: Click2Call's documented actions (sections 1.2-1.5), and its most ``var_*`` tags (1.2).
C2C_ACTIONS = ("call", "message", "callference", "terminate")
C2C_MAX_VARS = 10
#: The steady load's callers' numbers, used in turn (``/simulator/load``).
LOAD_NUMBERS = 1_000


@dataclass
class Credentials:
    token: str = "demo-token"
    username: str = "demo"
    password: str = "demo"
    email: str = "demo@example.com"
    pin: str = "1234"
    api_code: str = "demo-code"


@dataclass
class Session:
    token: str
    refresh_token: str
    expires_at: float


@dataclass(eq=False)  # identity: peers live in a set
class Peer:
    ws: web.WebSocketResponse
    token: str
    outbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    received: list[tuple[str, object]] = field(default_factory=list)


def frame(name: str, payload: object) -> str:
    """A Socket.IO 2.x event packet on Engine.IO 3: ``42["name",payload]``."""
    return "42" + json.dumps([name, payload], separators=(",", ":"), ensure_ascii=False)


def _dotnet_date(epoch: float) -> str:
    return f"/Date({int(epoch * 1000)})/"


class Simulator:
    def __init__(
        self,
        model: CallCenter | None = None,
        *,
        credentials: Credentials | None = None,
        token_ttl_s: float = 3600.0,
        urls: list[str] | None = None,
        replay: Iterable[RawEvent] | None = None,
        replay_fast: bool = False,
        cdr_url: str | None = None,
        cdr_format: str = "json",
    ) -> None:
        if cdr_format not in CDR_FORMATS:
            raise ValueError(f"cdr_format must be one of {', '.join(CDR_FORMATS)}")
        self.model = model
        self.cdr_url = cdr_url  # where finished calls' records are posted (None: nowhere)
        self.cdr_format = cdr_format  # as the account chose: "json" or "xmlrpc"
        self.cdrs_posted = 0
        self._cdr_outbox: asyncio.Queue[dict[str, object]] = asyncio.Queue(maxsize=MAX_CDRS)
        self.cdr_log: deque[dict[str, object]] = deque(maxlen=CALL_LOG_KEPT)  # the Call log API
        self.call_log_limit = CALL_LOG_LIMIT
        self.call_log_requests = 0
        self.call_log_busy = 0  # answer "Request limit exceeded" this many times first
        self.call_log_untrusted_ip = False  # answer ERROR_NUMBER 4 (the IP is not trusted)
        self.credentials = credentials or Credentials()
        self.token_ttl_s = token_ttl_s
        self.urls = urls  # what login answers in URLList; None: this server's own address
        self.replay = replay
        self.replay_fast = replay_fast
        self.sessions: dict[str, Session] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.peers: set[Peer] = set()
        self.replayed = 0  # events of the recording sent so far
        self.events_sent = 0  # events broadcast (to however many sockets)
        self.load: dict[str, Any] = {
            "running": False,
            "events": 0,
            "stamped": 0,
            "by_queue": {},
        }  # the last /simulator/load
        self._first_peer = asyncio.Event()  # the replay waits for a socket to send to
        # test knobs
        self.accept_logins = True
        self.accept_sockets = True
        self.close_before_snapshots = False  # a socket opens, then closes before any snapshot
        self.silent = False  # no traffic, but keep-alives are still answered
        self.frozen = False  # the socket stays open and nothing at all comes down it
        self.keepalive_error = 0
        self.status_update_fails = False
        self.rest_delay_s = 0.0  # REST answers wait this long (a slow Voicenter)
        self.rest_garbage = False  # REST answers are an HTML error page, not JSON
        self.rest_in_flight = 0  # SetStatusFromAPI requests being answered now
        self.rest_most_in_flight = 0  # ...at most, so far
        self.click2call_blocked = False  # Click2Call answers ERRORCODE 4
        self.click2call_requests: list[dict[str, str]] = []  # each accepted one, without code
        self.comet_internal_error = False  # the active-calls APIs answer ERR 2
        self.comet_requests: Counter[str] = Counter()  # Comet API requests, by the API's name
        self.extensions_no_account = False  # GetExtensions: a wrong code matches no account: []
        self.rest_echo_code = False  # REST answers quote the request's API code back
        self.status_update_late = False  # userStatusUpdate 0.3 s after the HTTP answer
        self.status_update_silent = False
        self.status_requests = 0  # SetStatusFromAPI calls accepted
        self.logins = 0
        self.sockets_opened = 0
        self._tasks: list[asyncio.Task[object]] = []
        self.app = self._build_app()

    # --- application --------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/monitorAPI/Login/{kind}", self.login)
        app.router.add_get("/monitorAPI/RefreshIdentityToken", self.refresh)
        app.router.add_get("/socket.io/", self.socket)
        for path, handler in [
            ("/UserLogin/SetStatusFromAPI", self.set_status),
            ("/ForwardDialer/click2call.aspx", self.click2call),
        ]:
            app.router.add_route("GET", path, handler)
            app.router.add_route("POST", path, handler)
        for name, handler in [
            ("GetExtensions", self.get_extensions),
            ("GetExtensionsCalls", self.get_extensions_calls),
            ("GetQueuesCallers", self.get_queues_callers),
        ]:  # the documents spell the path both ways; Voicenter's server takes either
            for path in (f"/Comet/api/{name}", f"/comet/API/{name}"):
                app.router.add_route("GET", path, handler)
                app.router.add_route("POST", path, handler)
        app.router.add_route("GET", "/hub/cdr/", self.call_log)
        app.router.add_route("POST", "/hub/cdr/", self.call_log)
        # Not Voicenter's: the simulator's own control, for demos and browser tests.
        app.router.add_post("/simulator/join", self.control_join)
        app.router.add_post("/simulator/hangup", self.control_hang_up)
        app.router.add_post("/simulator/load", self.control_load)
        app.router.add_get("/simulator/load", self.load_progress)
        app.router.add_post("/simulator/knobs", self.control_knobs)
        app.router.add_post("/simulator/ring", self.control_ring)
        app.router.add_post("/simulator/listen", self.control_listen)
        app.router.add_post("/simulator/hold", self.control_hold)
        app.router.add_post("/simulator/reject", self.control_reject)
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._stop)
        return app

    async def _start(self, app: web.Application) -> None:
        if self.replay is not None:
            self._tasks.append(asyncio.create_task(self._replay_loop()))
        elif self.model is not None:
            self._tasks.append(asyncio.create_task(self._tick_loop()))
            if self.cdr_url:
                self._tasks.append(asyncio.create_task(self._post_cdrs(self.cdr_url)))

    async def _stop(self, app: web.Application) -> None:
        for task in self._tasks:
            task.cancel()
        for peer in list(self.peers):
            await peer.ws.close()

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                if self.model is not None:
                    self.broadcast(self.model.advance(time.time()))
                    self._queue_cdrs(self.model.drain_cdrs())
            except Exception:  # a model bug must not stop the simulator
                log.exception("simulator model failed")

    def _queue_cdrs(self, records: list[dict[str, object]]) -> None:
        self.cdr_log.extend(records)
        if not self.cdr_url:
            return  # nobody to tell: dropped (drained all the same, so they never pile up)
        for record in records:
            with contextlib.suppress(asyncio.QueueFull):  # a receiver far behind loses some
                self._cdr_outbox.put_nowait(record)

    async def _post_cdrs(self, url: str) -> None:
        """Voicenter's CDR notification system: each finished call's record, in order, in the
        account's format (:func:`cdr_body`); an answer that is not ``err`` 0 is logged
        (Voicenter documents no retry)."""
        import aiohttp

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                record = await self._cdr_outbox.get()
                body, content_type = cdr_body(record, self.cdr_format)
                try:
                    async with session.post(
                        url, data=body, headers={"Content-Type": content_type}
                    ) as answer:
                        reply = cdr_reply(await answer.read())
                        if answer.status != 200 or reply.get("err") not in (0, "0"):
                            log.warning("CDR receiver answered %s: %s", answer.status, reply)
                        else:
                            self.cdrs_posted += 1
                except Exception as exc:
                    log.warning("could not post a CDR to the receiver: %r", exc)

    async def _replay_loop(self) -> None:
        """Play the recording once a socket is open: at its own pace, or as fast as the
        slowest socket takes it (``replay_fast``; nothing is cut off or lost)."""
        await self._first_peer.wait()
        previous: float | None = None
        for name, payload in self.replay or ():
            stamp = _servertime(payload)
            if not self.replay_fast and stamp is not None and previous is not None:
                await asyncio.sleep(max(0.0, min(stamp - previous, 60.0)))
            if stamp is not None:
                previous = stamp
            # let the sockets drain: queue sizes to watch, not an event to await
            while self.replay_fast and self._backlogged():  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            self.broadcast([(name, payload)])
            self.replayed += 1
            await asyncio.sleep(0)

    def _backlogged(self) -> bool:
        return any(p.outbox.qsize() > REPLAY_WINDOW for p in self.peers)

    def broadcast(self, events: Sequence[RawEvent]) -> None:
        if self.silent or self.frozen or not events:
            return
        frames = [frame(name, payload) for name, payload in events]  # encoded once
        self.events_sent += len(events)
        for peer in list(self.peers):
            if peer.outbox.qsize() > MAX_BACKLOG:
                log.warning("cutting off a socket %d frames behind", peer.outbox.qsize())
                self.peers.discard(peer)
                self._tasks.append(asyncio.ensure_future(peer.ws.close()))
                continue
            for item in frames:
                peer.outbox.put_nowait(item)

    async def drop_all(self) -> None:
        """Close every socket, as a network failure or a server restart would."""
        for peer in list(self.peers):
            self.peers.discard(peer)
            await peer.ws.close()

    # --- login --------------------------------------------------------------------------

    def _base_url(self, request: web.Request) -> str:
        return f"{request.scheme}://{request.host}"

    def _grant(self, request: web.Request) -> Json:
        token, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        expires = time.time() + self.token_ttl_s
        self.sessions[token] = Session(token, refresh, expires)
        self.refresh_tokens[refresh] = token
        urls = self.urls or [self._base_url(request)]
        return {
            "StatusCode": 0,
            "Status": "OK",
            "Data": {
                "Socket": {
                    "Token": token,
                    "URLList": urls,
                    "Url": urls[0],
                    "RefreshToken": refresh,
                    "TokenExpiry": datetime.fromtimestamp(expires, UTC).isoformat(),
                    "RefreshTokenExpiry": _dotnet_date(expires + 86_400),
                    "Client": "simulator",
                    "Version": "1",
                    "PersonId": 1,
                }
            },
        }

    async def login(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"].lower()
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"error": "Unexpected token"}, status=500)
        c = self.credentials
        expected = {
            "token": {"token": c.token},
            "account": {"username": c.username, "password": c.password},
            "user": {"email": c.email, "pin": c.pin},
        }.get(kind)
        if not isinstance(body, dict) or expected is None:
            return web.json_response({"error": "Bad request"}, status=400)
        if not self.accept_logins:
            return web.json_response({"error": "Service unavailable"}, status=500)
        if any(body.get(k) != v for k, v in expected.items()):
            return web.json_response({"error": "Unauthorized"}, status=401)
        self.logins += 1
        return web.json_response(self._grant(request))

    async def refresh(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        refresh = auth.removeprefix("Bearer ").strip()
        old = self.refresh_tokens.pop(refresh, None)
        if old is None or not self.accept_logins:
            return web.json_response({"error": "Unauthorized"}, status=401)
        self.sessions.pop(old, None)
        return web.json_response(self._grant(request))

    def _valid(self, token: str) -> bool:
        session = self.sessions.get(token)
        return session is not None and session.expires_at > time.time()

    # --- the socket ---------------------------------------------------------------------

    async def socket(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        if query.get("EIO") != "3":
            return web.json_response(
                {"code": 5, "message": "Unsupported protocol version"}, status=400
            )
        if query.get("transport") != "websocket":
            return web.json_response({"code": 0, "message": "Transport unknown"}, status=400)
        token = query.get("token", "")
        if not self.accept_sockets or not self._valid(token):
            return web.json_response({"error": "Unauthorized"}, status=401)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        peer = Peer(ws, token)
        self.sockets_opened += 1
        open_packet = {
            "sid": secrets.token_urlsafe(15),
            "upgrades": [],
            "pingInterval": PING_INTERVAL_MS,
            "pingTimeout": PING_TIMEOUT_MS,
        }
        await ws.send_str("0" + json.dumps(open_packet, separators=(",", ":")))
        await ws.send_str("40")
        if self.close_before_snapshots:
            await ws.close()
            return ws
        for name, payload in self._snapshot():
            peer.outbox.put_nowait(frame(name, payload))
        self.peers.add(peer)
        self._first_peer.set()
        writer = asyncio.create_task(self._writer(peer))
        try:
            await self._reader(peer)
        finally:
            self.peers.discard(peer)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            await ws.close()
        return ws

    def _snapshot(self) -> Sequence[RawEvent]:
        if self.model is None:
            return []
        self.broadcast(self.model.advance(time.time()))  # bring the model to now first
        return self.model.snapshot_events()

    async def _writer(self, peer: Peer) -> None:
        while True:
            item = await peer.outbox.get()
            if peer.ws.closed:
                return
            await peer.ws.send_str(item)

    async def _reader(self, peer: Peer) -> None:
        timeout = (PING_INTERVAL_MS + PING_TIMEOUT_MS) / 1000
        while True:
            try:
                msg = await peer.ws.receive(timeout=timeout)
            except TimeoutError:
                return  # no ping from the client: Engine.IO 3 says the connection is dead
            if msg.type != WSMsgType.TEXT:
                return
            data = msg.data
            if data.startswith("2"):
                await peer.outbox.put("3" + data[1:])
            elif data.startswith("41") or data.startswith("1"):
                return
            elif data.startswith("42"):
                self._on_event(peer, data[2:])

    def _on_event(self, peer: Peer, body: str) -> None:
        # an ack id may stand between "42" and the array
        body = body[body.index("[") :] if "[" in body else body
        try:
            name, *args = json.loads(body)
        except (ValueError, TypeError):
            log.warning("unreadable packet from a client: %.80s", body)
            return
        peer.received.append((name, args[0] if args else None))
        if self.frozen:
            return
        if name == "keepalive":
            code = self.keepalive_error or (0 if self._valid(peer.token) else 1)
            answer = {
                "isOk": code == 0,
                "errorCode": code,
                "errorDesc": "OK" if code == 0 else "token expired",
            }
            peer.outbox.put_nowait(frame("keepaliveResponse", answer))
        elif name == "resync" and not self.silent:
            for event_name, payload in self._snapshot()[1:]:
                peer.outbox.put_nowait(frame(event_name, payload))

    # --- REST ---------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, object]:
        params: dict[str, object] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except (json.JSONDecodeError, UnicodeDecodeError):
                    body = None
                if isinstance(body, dict):
                    params.update({k: v for k, v in body.items() if v is not None})
            else:
                params.update(await request.post())
        return {k.lower(): v for k, v in params.items()}

    async def set_status(self, request: web.Request) -> web.Response:
        """``SetStatusFromAPI`` as the Login/Logout page documents it (the product's reading of
        every document: realtime.voicenter.rest; ``docs/voicenter.md``).

        A ``GET`` with the fields in the query, or a ``POST`` of a JSON object (the pages' two
        "acceptable request types"; a form POST is a wrong format). ``Status`` is an integer: a
        JSON string, a fraction or a boolean is refused, as a status not supported. Only the
        page's messages are answered, with the codes the pages give them (the pages pair no
        message with a code: our pairing is in ``docs/voicenter.md``):

        ==========================================  ======  ===========  ======================
        what went wrong                             Status  StatusError  StatusErrorMessage
        ==========================================  ======  ===========  ======================
        not a JSON object, or a form POST           2       0            Authorization Failed
        no Code or UserId                           2       6            Authorization Failed
        no ExtensionUser                            3       6            Phone error.
        no Status                                   4       6            Status not support
        Status not an integer                       4       0            Status not support
        a wrong Code or an unknown UserId           2       1            Authorization Failed
        a status the account does not have          4       1            Status not support
        no such extension                           3       3            No extension found
        another user's extension, logged in         4       4            Extension is already
                                                                         in use
        another user's extension, logged out        2       1            Authorization Failed
        ``status_update_fails``                     4       4            Error on update
        done                                        1       1            OK
        ==========================================  ======  ===========  ======================

        Simulated users are bound to their own extension. An agent whose status was set here is
        left alone by the simulated breaks (a person chose it). Knobs: ``rest_delay_s``,
        ``rest_garbage``, ``rest_echo_code`` (an answer no document has, quoting the code);
        ``status_update_silent`` accepts without the ``userStatusUpdate`` ever coming;
        ``status_update_late`` sends it after the answer (as Voicenter does)."""
        p = await self._status_params(request)
        self.rest_in_flight += 1
        self.rest_most_in_flight = max(self.rest_most_in_flight, self.rest_in_flight)
        try:
            if self.rest_delay_s:
                await asyncio.sleep(self.rest_delay_s)
        finally:
            self.rest_in_flight -= 1
        if self.rest_garbage:
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        if p is None:
            return _status_answer(2, 0, "Authorization Failed")
        if any(p.get(k) in (None, "") for k in ("code", "userid")):
            return _status_answer(2, 6, "Authorization Failed")
        if p.get("extensionuser") in (None, ""):
            return _status_answer(3, 6, "Phone error.")
        if p.get("status") in (None, ""):
            return _status_answer(4, 6, "Status not support")
        status = _status_code(p["status"], from_query=request.method == "GET")
        if status is None:
            return _status_answer(4, 0, "Status not support")
        if str(p["code"]) != self.credentials.api_code:
            return _status_answer(2, 1, "Authorization Failed")
        model = self.model
        users = {str(a.user_id): a for a in model.agents.values()} if model else {}
        if str(p["userid"]) not in users:
            return _status_answer(2, 1, "Authorization Failed")
        if status not in STATUSES:  # the Login/Logout page's list
            return _status_answer(4, 1, "Status not support")
        assert model is not None  # (a user was found)
        agent = model.agents.get(str(p["extensionuser"]))
        if agent is None:
            return _status_answer(3, 3, "No extension found")
        if str(agent.user_id) != str(p["userid"]):
            if agent.status != 2:
                return _status_answer(4, 4, "Extension is already in use")
            return _status_answer(2, 1, "Authorization Failed")
        if self.status_update_fails:
            return _status_answer(4, 4, "Error on update")
        if self.rest_echo_code:  # an unknown answer that quotes the request's code
            return _status_answer(9, 9, f"Code {p['code']} is not valid here")
        self.status_requests += 1
        if self.status_update_late:  # the answer first, the socket's event after it
            loop = asyncio.get_running_loop()
            loop.call_later(0.3, self._apply_status, model, agent.ext, status)
        elif not self.status_update_silent:
            self._apply_status(model, agent.ext, status)
        return _status_answer(1, 1, "OK")

    async def _status_params(self, request: web.Request) -> dict[str, object] | None:
        """SetStatusFromAPI's fields, keys lower-cased: the query of a GET, the JSON object of
        a POST; None for any other request (a form, a body that is not a JSON object)."""
        if request.method == "GET":
            return {k.lower(): v for k, v in request.query.items()}
        try:
            body = await request.json() if request.can_read_body else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        if not isinstance(body, dict):
            return None
        return {str(k).lower(): v for k, v in body.items()}

    def _apply_status(self, model: CallCenter, ext: str, status: int) -> None:
        model.set_status(ext, status, by_person=True)
        self.broadcast(model.drain())

    async def control_join(self, request: web.Request) -> web.Response:
        """Put a named caller in a queue now: ``{"queue_id": 1000, "phone": "...", "name": ...}``
        (default: the first queue); with ``"ring_all": true`` the call rings every free agent
        of the queue at once (the others hear "Answered elsewhere" once one answers)."""
        p = await self._params(request)
        if self.model is None:
            return web.json_response({"error": "replay mode has no call center"}, status=409)
        try:
            queue_id = int(str(p.get("queue_id") or min(self.model.queues)))
        except (TypeError, ValueError):
            return web.json_response({"error": "queue_id must be a number"}, status=400)
        if queue_id not in self.model.queues:
            return web.json_response({"error": f"no queue {queue_id}"}, status=404)
        self.broadcast(self.model.advance(time.time()))
        caller = self.model.join(
            queue_id, str(p.get("phone", "0500000000")), str(p.get("name", "")),
            ring_all=p.get("ring_all") is True,
        )  # fmt: skip
        self.broadcast(self.model.drain())
        return web.json_response({"queue_id": queue_id, "call_id": caller.ivrid})

    async def control_hang_up(self, request: web.Request) -> web.Response:
        """A waiting caller gives up now: ``{"call_id": "..."}`` (as ``/simulator/join``
        answered); the queue's ``ABANDONED`` event and its call record follow, as for any."""
        p = await self._params(request)
        if self.model is None:
            return web.json_response({"error": "replay mode has no call center"}, status=409)
        call_id = str(p.get("call_id", ""))
        self.broadcast(self.model.advance(time.time()))
        waiting = [c for q in self.model.queues.values() for c in q.waiting if c.ivrid == call_id]
        if not waiting:
            return web.json_response({"error": f"no caller {call_id[:40]!r} waiting"}, status=404)
        self.model.hang_up(waiting[0])
        self.broadcast(self.model.drain())
        return web.json_response({"call_id": call_id})

    #: The behaviours a test may switch over HTTP (``POST /simulator/knobs {"name": value}``).
    KNOBS = (
        "status_update_fails",
        "status_update_silent",
        "status_update_late",
        "rest_garbage",
        "rest_echo_code",
        "click2call_blocked",
        "dispatch_paused",
        "sockets_refused",
        "comet_internal_error",
    )

    @property
    def sockets_refused(self) -> bool:
        """The realtime socket is refused (HTTP 401 before the upgrade) and the open ones are
        closed, as when Voicenter's monitor servers are out of reach; its REST APIs still
        answer (the worker's live calls from the Active calls API: ``realtime/fallback.py``)."""
        return not self.accept_sockets

    @sockets_refused.setter
    def sockets_refused(self, refused: bool) -> None:
        self.accept_sockets = not refused
        if refused:
            self._tasks.append(asyncio.ensure_future(self.drop_all()))

    @property
    def dispatch_paused(self) -> bool:
        """The queues offer their callers to no one (an agent freed stays available, so that a
        test sees them so); switched off, they offer the waiting callers at once."""
        return self.model is not None and self.model.paused

    @dispatch_paused.setter
    def dispatch_paused(self, paused: bool) -> None:
        if self.model is None:
            return
        self.broadcast(self.model.advance(time.time()))
        self.model.paused = paused
        if not paused:
            self.model._dispatch(list(self.model.queues))
        self.broadcast(self.model.drain())

    async def control_knobs(self, request: web.Request) -> web.Response:
        """Switch test behaviours on or off: ``{"status_update_silent": true}``."""
        p = await self._params(request)
        unknown = sorted(set(p) - set(self.KNOBS))
        if unknown:
            return web.json_response({"error": f"unknown knobs {unknown}"}, status=400)
        for name, value in p.items():
            setattr(self, name, value is True or str(value).lower() in ("1", "true"))
        return web.json_response({name: getattr(self, name) for name in self.KNOBS})

    async def control_ring(self, request: web.Request) -> web.Response:
        """Ring an extension directly: ``{"ext": "SIM0100", "phone": "...", "name": ...}``;
        with ``"alone": true`` the far ends of its answered calls hang up as it rings (409 while
        one of its calls is still ringing)."""
        return await self._on_extension(
            request,
            lambda model, ext, p: model.ring_direct(
                ext, str(p.get("phone", "0500000000")), str(p.get("name", "")),
                alone=p.get("alone") is True,
            ),
        )  # fmt: skip

    async def control_listen(self, request: web.Request) -> web.Response:
        """One extension listens in on another: ``{"ext": "SIM0100", "target": "SIM0101"}``."""
        p = await self._params(request)
        if self.model is None:
            return web.json_response({"error": "replay mode has no call center"}, status=409)
        ext, target = str(p.get("ext", "")), str(p.get("target", ""))
        for name in (ext, target):
            if name not in self.model.agents:
                return web.json_response({"error": f"no extension {name!r}"}, status=404)
        self.broadcast(self.model.advance(time.time()))
        try:
            call = self.model.listen_in(ext, target)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=409)
        self.broadcast(self.model.drain())
        return web.json_response({"ext": ext, "call_id": call.ivrid})

    async def control_hold(self, request: web.Request) -> web.Response:
        """An extension puts its talking call on hold, or takes it back:
        ``{"ext": "SIM0100", "hold": true}`` (``HOLD``) or ``"hold": false`` (``UNHOLD``); 409
        when it has no such call."""
        return await self._on_extension(
            request, lambda model, ext, p: model.hold(ext, on=p.get("hold", True) is not False)
        )

    async def control_reject(self, request: web.Request) -> web.Response:
        """An extension rejects the leg 1 of a Click2Call ringing it: ``{"ext": "SIM0100"}``
        (``HANGUP`` "Call Rejected"); 409 when none rings."""
        return await self._on_extension(request, lambda model, ext, p: model.reject(ext))

    async def _on_extension(
        self,
        request: web.Request,
        act: Callable[[CallCenter, str, dict[str, object]], SimCall],
    ) -> web.Response:
        p = await self._params(request)
        if self.model is None:
            return web.json_response({"error": "replay mode has no call center"}, status=409)
        ext = str(p.get("ext", ""))
        if ext not in self.model.agents:
            return web.json_response({"error": f"no extension {ext!r}"}, status=404)
        self.broadcast(self.model.advance(time.time()))
        try:
            call = act(self.model, ext, p)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=409)
        self.broadcast(self.model.drain())
        return web.json_response({"ext": ext, "call_id": call.ivrid})

    async def control_load(self, request: web.Request) -> web.Response:
        """Steady traffic for the benchmarks: ``{"rate": events/s, "seconds": s}``. Callers join
        the queues in turn (at most three wait in each, then the oldest hangs up); each caller's
        name is ``t<the moment its QueueEvent JOIN is sent, in epoch milliseconds>``, so that a
        screen can tell how long the event took to reach it. Their numbers come in turn from a
        pool of ``LOAD_NUMBERS``: after the first thousand, every caller is a repeat caller who
        called a few times before (as callers who gave up do), never one whose count moves while
        it waits. ``GET`` says how far it got:
        events sent, callers stamped, and stamped callers by queue id (``by_queue``: what a
        screen that sees only some queues should have got)."""
        p = await self._params(request)
        if self.model is None:
            return web.json_response({"error": "replay mode has no call center"}, status=409)
        try:
            rate, seconds = float(str(p.get("rate"))), float(str(p.get("seconds")))
        except (TypeError, ValueError):
            return web.json_response({"error": "rate and seconds must be numbers"}, status=400)
        if self.load["running"] or not (0 < rate <= 100_000 and 0 < seconds <= 3_600):
            return web.json_response({"error": "busy, or rate/seconds out of range"}, status=409)
        self.load = {"running": True, "events": 0, "stamped": 0, "by_queue": {}}
        self._tasks.append(asyncio.create_task(self._steady_load(self.model, rate, seconds)))
        return web.json_response(self.load)

    async def load_progress(self, request: web.Request) -> web.Response:
        return web.json_response(self.load)

    async def _steady_load(self, model: CallCenter, rate: float, seconds: float) -> None:
        queues = sorted(model.queues)
        started, turn = time.monotonic(), 0
        try:
            while (elapsed := time.monotonic() - started) < seconds:
                while self.load["events"] < elapsed * rate:
                    waiting = model.queues[queues[turn % len(queues)]].waiting
                    if len(waiting) >= 3:
                        model.hang_up(waiting[0])
                    else:
                        queue_id = queues[turn % len(queues)]
                        number = f"05{turn % LOAD_NUMBERS:08d}"
                        model.join(queue_id, number, f"t{time.time() * 1000:.3f}")
                        self.load["stamped"] += 1
                        by_queue = self.load["by_queue"]
                        by_queue[str(queue_id)] = by_queue.get(str(queue_id), 0) + 1
                    turn += 1
                    events = model.drain()
                    self.broadcast(events)
                    self.load["events"] += len(events)
                await asyncio.sleep(0.002)
        finally:
            self.load["running"] = False

    async def click2call(self, request: web.Request) -> web.Response:
        """Click2Call as the API documentation (rev. 3.2, section 1) has it: GET or POST, the
        answer in XML (an XML-RPC ``methodResponse``, the default) or JSON (``format=JSON``),
        ERRORCODE 0-4. ``action`` is mandatory and one of the documented ones (``call``,
        ``message``, ``callference``, ``terminate``; anything else is ERRORCODE 1 and touches
        no call). ``call`` rings ``phone`` (an extension: its SIP user or number) and then
        ``target`` (a number, a star number, or an extension) as realtime events;
        ``terminate`` ends ``phone``'s calls; ``message`` and ``callference`` are answered
        with a CALLID and not played out. ``var_*`` tags (at most 10) are kept with the
        request (``click2call_requests``). Knobs: ``rest_delay_s``, ``rest_garbage``,
        ``click2call_blocked`` (ERRORCODE 4)."""
        p = await self._params(request)
        if self.rest_delay_s:
            await asyncio.sleep(self.rest_delay_s)
        if self.rest_garbage:
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        as_json = str(p.get("format", "")).strip().upper() == "JSON"
        phone, target = str(p.get("phone", "")).strip(), str(p.get("target", "")).strip()
        action = str(p.get("action", "")).strip().lower()
        if p.get("code") != self.credentials.api_code:
            return _c2c_answer(as_json, ERR_PARAMS, "Invalid code")
        if not action:
            return _c2c_answer(as_json, ERR_PARAMS, "Action is missing")
        if action not in C2C_ACTIONS:
            return _c2c_answer(as_json, ERR_PARAMS, "Invalid action")
        if not phone:
            return _c2c_answer(as_json, ERR_PARAMS, "Phone is missing")
        tags = {k: str(v) for k, v in p.items() if k.startswith("var_")}
        if len(tags) > C2C_MAX_VARS:
            return _c2c_answer(as_json, ERR_PARAMS, "Too many var_ parameters")
        model = self.model
        agent = model.find_agent(phone) if model else None
        if model is None or agent is None:
            return _c2c_answer(as_json, ERR_PARAMS, "Invalid phone")
        if action == "call":
            if not target:
                return _c2c_answer(as_json, ERR_PARAMS, "Target is missing")
            if not (_dialable(target) or model.find_agent(target)):
                return _c2c_answer(as_json, ERR_PARAMS, "Invalid target")
        if agent.status == 2 and action != "terminate":
            return _c2c_answer(as_json, ERR_OFFLINE, "Extension representative offline")
        if self.rest_echo_code:
            return _c2c_answer(as_json, 9, f"Code {p.get('code')} is not valid here")
        if self.click2call_blocked and action != "terminate":
            return _c2c_answer(as_json, ERR_BLOCKED, "Extension blocked for Click2Call calls")
        self.click2call_requests.append({k: str(v) for k, v in p.items() if k != "code"})
        if action == "terminate":
            for call in list(agent.calls):
                model._end_call(agent, call)
            self.broadcast(model.drain())
            return _c2c_answer(as_json, ERR_OK, "OK")
        if action != "call":  # message, callference: accepted, not played out
            return _c2c_answer(as_json, ERR_OK, "OK", secrets.token_hex(16))
        call = model.click2call(agent.ext, target, tags=tags)
        self.broadcast(model.drain())
        return _c2c_answer(as_json, ERR_OK, "OK", call.ivrid)

    async def _comet(
        self,
        request: web.Request,
        key: str,
        rows: Callable[[CallCenter], Iterable[Json]],
        refused: Json,
    ) -> web.Response:
        """A Comet API answer, as section 7 documents it: a wrong code gets ``refused``
        (``ERR`` 1), the ``comet_internal_error`` knob (or replay mode: no call center) ``ERR``
        2 "Internal error."; ``rest_delay_s`` and ``rest_garbage`` apply."""
        self.comet_requests[request.path.rsplit("/", 1)[-1]] += 1
        params = await self._params(request)
        if self.rest_delay_s:
            await asyncio.sleep(self.rest_delay_s)
        if self.rest_garbage:
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        if params.get("code") != self.credentials.api_code:
            return web.json_response(refused)
        if self.comet_internal_error or self.model is None:
            return web.json_response({"ERR": 2, "DESC": "Internal error."})
        return web.json_response({"ERR": 0, "DESC": "OK", key: list(rows(self.model))})

    async def get_extensions(self, request: web.Request) -> web.Response:
        """The organisational extension list (section 8; the fields of the Hebrew page). A
        wrong code answers ``ERR`` 1 "Unauthorized" (the Hebrew page: a code of a bad format);
        with ``extensions_no_account``, a bare ``[]`` (the Hebrew page: a code that matches no
        account)."""
        if self.extensions_no_account:
            params = await self._params(request)
            if params.get("code") != self.credentials.api_code:
                return web.json_response([])

        def rows(model: CallCenter) -> Iterator[Json]:
            for a in model.agents.values():
                yield {
                    "SIP": a.ext,
                    "Name": a.name,
                    "SpeedDial": str(a.number),
                    "AccountID": 1,
                    "AccountName": "Simulated call center",
                    "UserName": a.name,
                    "UserEmail": f"{a.ext.lower()}@example.com",
                }

        refused = {"ERR": 1, "DESC": "Unauthorized"}
        return await self._comet(request, "EXTENSIONS", rows, refused)

    async def get_extensions_calls(self, request: web.Request) -> web.Response:
        """Every extension with its calls, calls or not (section 7.1's fields)."""

        def rows(model: CallCenter) -> Iterator[Json]:
            for a in model.agents.values():
                yield {
                    "name": a.name,
                    "representative": a.name if a.status != 2 else "",
                    "peerstatus": "Reachable",
                    "username": a.ext,
                    "calls": [_active_call(c) for c in a.calls],
                }

        return await self._comet(request, "EXTENSIONS", rows, COMET_REFUSED)

    async def get_queues_callers(self, request: web.Request) -> web.Response:
        """Every queue with its waiting callers (section 7.2's fields)."""

        def rows(model: CallCenter) -> Iterator[Json]:
            for q in model.queues.values():
                callers = [
                    {"Phone": c.phone, "CallID": c.ivrid, "JoinTime": c.joined} for c in q.waiting
                ]
                yield {"Name": q.name, "ID": q.id, "Callers": callers}

        return await self._comet(request, "QUEUES", rows, COMET_REFUSED)

    async def call_log(self, request: web.Request) -> web.Response:
        """The Call log API (section 3; the format: ``realtime.voicenter.cdr``): the records of
        the calls that began in [fromdate, todate), read as the account's wall clock, with the
        asked fields under the Call log's names (all of them when none is asked). JSON
        (criteria under ``search``) or GET (criteria beside the code; a repeated ``fields``,
        ``phones`` or ``extension(s)`` counts every time, names in any case). ``phones``
        matches the caller's or the target's number (with the country code, or Israeli
        national), ``extensions`` the calling or answering extension's SIP user. The documented
        errors only: ERROR_NUMBER 2 for a wrong code, 3 past ``call_log_limit`` records, 1 the
        first ``call_log_busy`` times, 4 with ``call_log_untrusted_ip``; a missing or unreadable
        date, for which the page names no error, is an HTTP 400. ``rest_delay_s``,
        ``rest_garbage`` and ``rest_echo_code`` apply."""
        self.call_log_requests += 1
        p = await self._params(request)
        if self.rest_delay_s:
            await asyncio.sleep(self.rest_delay_s)
        if self.rest_garbage:
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        if self.call_log_untrusted_ip:
            return _call_log_answer(4, f"IP address {request.remote} is not trusted.")
        if p.get("code") != self.credentials.api_code:
            return _call_log_answer(2, "Authorization failed.")
        if self.rest_echo_code:
            return _call_log_answer(2, f"Code {p.get('code')} is not valid here")
        if self.call_log_busy > 0:
            self.call_log_busy -= 1
            return _call_log_answer(1, "Request limit exceeded. Please try again later.")
        raw_search = p.get("search")
        if isinstance(raw_search, dict):  # the JSON form
            search = {str(k).lower(): v for k, v in raw_search.items()}
            names, phones = _strings(p.get("fields")), _strings(search.get("phones"))
            extensions = _strings(search.get("extensions"))
        else:  # the GET form
            search = p
            names, phones = _query_all(request, "fields"), _query_all(request, "phones")
            extensions = _query_all(request, "extensions") + _query_all(request, "extension")
        try:
            since = _wall_clock(search.get("fromdate"), self.model)
            until = _wall_clock(search.get("todate"), self.model)
        except (TypeError, ValueError):
            return web.Response(status=400, text="fromdate and todate are ISO 8601 date times")
        wanted_phones = {_phone_key(n) for n in phones} - {""}
        wanted_extensions = {e.casefold() for e in extensions if e}
        rows = [
            _call_log_row(r, names) for r in self.cdr_log
            if since <= _number(r.get("time")) < until
            and (not wanted_phones or _phone_key(r.get("caller")) in wanted_phones
                 or _phone_key(r.get("target")) in wanted_phones)
            and (not wanted_extensions
                 or str(r.get("callerextension", "")).casefold() in wanted_extensions
                 or str(r.get("targetextension", "")).casefold() in wanted_extensions)
        ]  # fmt: skip
        if len(rows) > self.call_log_limit:
            return _call_log_answer(3, "CDR limit exceeded.")
        return _call_log_answer(0, "OK", rows)


def _query_all(request: web.Request, name: str) -> list[str]:
    """Every value of a query parameter, its name in any case (``fields=``, ``Fields=``)."""
    return [value for key, value in request.query.items() if key.lower() == name]


def _strings(value: object) -> list[str]:
    """A JSON list of strings (or one string) as a list of strings."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [str(item) for item in items if isinstance(item, str | int)]


def _phone_key(value: object) -> str:
    """A number's digits with the country code (Israeli national ``05...`` -> ``9725...``)."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return "972" + digits[1:] if digits.startswith("0") else digits


#: The active-calls APIs' answer to a wrong code (section 7's "BAD ANSWERS").
COMET_REFUSED: Json = {"ERR": 1, "DESC": "Authorization failed."}


def _active_call(call: SimCall) -> Json:
    """A call as ``GetExtensionsCalls`` lists it (section 7.1's example)."""
    return {
        "callername": call.name or call.phone,
        "callerphone": call.phone,
        "callstarted": call.started,
        "callanswered": call.answered,
        "answered": 1 if call.answered else 0,
        "callstatus": call.status,
        "ivrid": call.ivrid,
        "direction": call.direction,
    }


def _wall_clock(value: object, model: CallCenter | None) -> float:
    """``2026-11-30T09:15`` (ISO 8601) -> the Voicenter epoch of that wall-clock time (local);
    a time with an offset is first moved to the account's zone."""
    if not isinstance(value, str):
        raise TypeError("no date")
    when = datetime.fromisoformat(value.strip())
    if when.tzinfo is not None:
        when = when.astimezone(model.tz if model is not None else UTC).replace(tzinfo=None)
    return when.replace(tzinfo=UTC).timestamp()


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _call_log_row(record: dict[str, object], names: Sequence[object]) -> Json:
    """A record as the Call log lists it: the asked fields (all when none), ``Date`` as the
    account's wall clock."""
    wanted = {str(n).lower() for n in names}
    row: Json = {}
    for name, field_name in CALL_LOG_FIELDS.items():
        if wanted and name.lower() not in wanted:
            continue
        value = record.get(field_name, "")
        if name == "Date":
            value = datetime.fromtimestamp(_number(value), UTC).strftime("%Y-%m-%d %H:%M:%S")
        row[name] = value
    return row


def _call_log_answer(err: int, desc: str, rows: list[Json] | None = None) -> web.Response:
    body: Json = {"ERROR_NUMBER": err, "ERROR_DESCRIPTION": desc}
    if rows is not None:
        body["CDR_LIST"] = rows
    return web.json_response(body)


#: The CDR notification system's formats the simulator posts (API documentation rev 3.2,
#: section 4): an XML-RPC ``methodCall``, or a JSON object.
CDR_FORMATS = ("json", "xmlrpc")
#: The fields only the JSON form carries (section 4: "only be sent in the json CDR").
JSON_ONLY_CDR_FIELDS = frozenset({"seconds_waiting_in_queue", "originalivruniqueid"})


def cdr_body(record: dict[str, object], fmt: str) -> tuple[bytes, str]:
    """A record as Voicenter posts it: JSON, or the XML-RPC ``methodCall`` ``CDR`` of section
    4's example (``time`` an ``<i8>``, the other integers ``<i4>``, text ``<string>``; the
    JSON-only fields left out). Returns (body, content type)."""
    if fmt == "json":
        return json.dumps(record, ensure_ascii=False).encode(), "application/json"
    kept = {k: v for k, v in record.items() if k.lower() not in JSON_ONLY_CDR_FIELDS}
    body = (
        '<?xml version="1.0"?>\n<methodCall><methodName>CDR</methodName><params><param>'
        f"<value>{_xmlrpc_struct(kept)}</value></param></params></methodCall>"
    )
    return body.encode(), "text/xml"


def _xmlrpc_struct(fields: dict[str, object]) -> str:
    """``fields`` as section 4's struct: ``time`` an ``<i8>``, other integers ``<i4>``, an
    object a struct of its own (``CustomData``), the rest ``<string>``."""
    members = []
    for name, value in fields.items():
        if isinstance(value, dict):
            typed = _xmlrpc_struct(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            tag = "i8" if name == "time" else "i4"
            typed = f"<{tag}>{value}</{tag}>"
        else:
            typed = (
                "<string />" if value in ("", None) else f"<string>{escape(str(value))}</string>"
            )
        members.append(f"<member><name>{escape(name)}</name><value>{typed}</value></member>")
    return f"<struct>{''.join(members)}</struct>"


def cdr_reply(body: bytes) -> dict[str, object]:
    """The receiver's answer to a CDR: its ``err`` and ``errdesc`` (JSON or XML-RPC), or {}."""
    try:
        if body.lstrip().startswith(b"<"):
            (reply,), _ = xmlrpc.client.loads(body.decode())
        else:
            reply = json.loads(body)
    except (ValueError, TypeError, xmlrpc.client.Error, ExpatError):
        return {}
    return reply if isinstance(reply, dict) else {}


#: The Login/Logout page's statuses (any account's; ours has them all).
STATUSES = frozenset({1, 2, 3, 5, 7, 9, 11, 12, 13})


def _status_code(value: object, *, from_query: bool) -> int | None:
    """``Status`` as the page types it, an integer: in a query, its digits; in JSON, an
    integer (not a string, a fraction or a boolean)."""
    if from_query:
        text = str(value).strip()
        return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _status_answer(status: int, error: int, message: str) -> web.Response:
    return web.json_response(
        {"Status": status, "StatusError": error, "StatusErrorMessage": message}
    )


def _c2c_answer(as_json: bool, code: int, message: str, call_id: str = "") -> web.Response:
    """Click2Call's answer: JSON, or the XML-RPC ``methodResponse`` of section 1.6's example
    (every value a ``<string>``)."""
    if as_json:
        return web.json_response({"ERRORCODE": code, "ERRORMESSAGE": message, "CALLID": call_id})
    members = "".join(
        f"<member><name>{name}</name><value><string>{escape(value)}</string></value></member>"
        for name, value in (
            ("ERRORCODE", str(code)),
            ("ERRORMESSAGE", message),
            ("CALLID", call_id),
        )
    )
    body = (
        "<methodResponse><params><param><value><struct>"
        f"{members}</struct></value></param></params></methodResponse>"
    )
    return web.Response(text=body, content_type="text/xml")


def _dialable(target: str) -> bool:
    """A number Click2Call may dial: digits (E.164 without the plus, or Israeli national), or
    a star number."""
    digits = target[1:] if target.startswith("*") else target
    return digits.isdigit() and len(digits) <= 20


def _servertime(payload: object) -> float | None:
    if not isinstance(payload, dict):
        return None
    for holder in (payload, payload.get("data")):
        if isinstance(holder, dict) and isinstance(holder.get("servertime"), int | float):
            return float(holder["servertime"])
    return None
