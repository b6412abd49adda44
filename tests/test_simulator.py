"""The simulator: a seeded call center speaking Voicenter's wire format and REST answers."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp.test_utils import TestClient, TestServer

from realtime.events import Rejected
from realtime.simulator.model import CallCenter
from realtime.simulator.server import Simulator
from realtime.state import empty_state, reduce
from realtime.voicenter.rest import parse_click2call_answer
from realtime.voicenter.wire import normalise
from tests.examples import FIXTURES
from tests.helpers import until

NOW = 1_795_000_000.0
REST_FIXTURES = FIXTURES / "voicenter_rest"


def run_model(seed: int, seconds: int = 600) -> list:
    model = CallCenter(agents=30, queues=3, calls_per_minute=30, speed=4, seed=seed, now=NOW)
    events = model.snapshot_events()
    for step in range(seconds * 2):
        events += model.advance(NOW + step / 2)
    return events


@pytest.mark.pure  # the model alone: no I/O
def test_the_same_seed_gives_the_same_call_center():
    assert run_model(3) == run_model(3)
    assert run_model(3) != run_model(4)


@pytest.mark.pure  # the model alone: no I/O
def test_every_simulated_event_is_valid_voicenter_and_calls_end_cleanly():
    events = run_model(5)
    state, offset = empty_state(), None
    reasons = set()
    for name, payload in events:
        for event in normalise(name, payload, offset_min=offset):
            assert not isinstance(event, Rejected), event
            offset = getattr(event, "offset_min", None) or offset
            reasons.add(getattr(event, "reason", event.kind))
            state, _ = reduce(state, event)
    assert {"JOIN", "EXIT", "ABANDONED", "NEWCALL", "ANSWER", "HANGUP"} <= reasons
    for agent in state["agents"].values():
        assert len(agent["calls"]) <= 1  # nobody rings twice at once


@pytest.mark.pure  # the model alone: no I/O
def test_the_hebrew_roster_reaches_the_state_spelt_as_voicenter_sends_it():
    model = CallCenter(agents=12, queues=3, calls_per_minute=60, seed=2, now=NOW, names="he")
    events = model.snapshot_events()
    for step in range(240):
        events += model.advance(NOW + step / 2)
    state, offset = empty_state(), None
    for name, payload in events:
        for event in normalise(name, payload, offset_min=offset):
            assert not isinstance(event, Rejected), event
            offset = getattr(event, "offset_min", None) or offset
            state, _ = reduce(state, event)
    assert state["agents"]["SIM0100"]["agent_name"] == "שרה כהן"
    assert state["queues"]["1001"]["name"] == "תמיכה 2"
    callers = {c["caller_name"] for q in state["queues"].values() for c in q["waiting"]}
    callers |= {c["name"] for a in state["agents"].values() for c in a["calls"]}
    callers.discard("")
    assert callers, "no named caller in two minutes"
    assert all(any("\u05d0" <= ch <= "\u05ea" for ch in n) for n in callers), callers


@pytest.mark.pure  # the model alone: no I/O
def test_listening_in_is_voicenters_spy_call_and_keeps_the_phone_busy():
    model = CallCenter(agents=2, queues=1, calls_per_minute=0, seed=1, now=NOW)
    model.agents["SIM0100"].status = 1
    state = empty_state()
    for name, payload in model.snapshot_events():
        for event in normalise(name, payload):
            state, _ = reduce(state, event)
    model.listen_in("SIM0100", "SIM0101", seconds=30)
    for name, payload in model.drain():
        for event in normalise(name, payload):
            assert not isinstance(event, Rejected), event
            state, _ = reduce(state, event)
    (call,) = state["agents"]["SIM0100"]["calls"]
    assert (call["direction"], call["state"]) == ("Spy", "Spying")
    assert call["name"] == model.agents["SIM0101"].name
    assert not model._available(model.agents["SIM0100"])  # no queue call rings it meanwhile
    with pytest.raises(ValueError, match="on a call"):
        model.listen_in("SIM0100", "SIM0101")
    for name, payload in model.advance(NOW + 31):
        for event in normalise(name, payload):
            state, _ = reduce(state, event)
    assert state["agents"]["SIM0100"]["calls"] == []
    assert model.cdrs == []  # no call record: not a call of the account's


@pytest.mark.pure  # the model alone: no I/O
def test_a_direct_call_rung_alone_ends_the_extensions_answered_calls_and_waits_for_a_ringing_one():
    model = CallCenter(agents=2, queues=1, calls_per_minute=0, seed=1, now=NOW)
    model.agents["SIM0100"].status = 1
    first = model.ring_direct("SIM0100", "0501111111")
    with pytest.raises(ValueError, match="still ringing"):
        model.ring_direct("SIM0100", "0502222222", alone=True)
    model.drain()
    model.advance(NOW + 9)  # answered after at most 8 s of ringing
    assert first.answered
    second = model.ring_direct("SIM0100", "0502222222", alone=True)
    assert model.agents["SIM0100"].calls == [second]
    hangups = [p for n, p in model.drain() if p["data"].get("reason") == "HANGUP"]
    assert len(hangups) == 1
    assert [c["caller"] for c in model.cdrs] == ["0501111111"]  # the ended call has its record


@pytest.mark.pure  # the model alone: no I/O
def test_a_roster_in_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="names must be one of en, he"):
        CallCenter(agents=1, queues=1, now=NOW, names="fr")


@pytest.mark.pure  # the model alone: no I/O
def test_every_finished_queue_call_has_one_cdr_that_agrees_with_the_queue_events():
    import json

    from realtime.voicenter.cdr import parse

    model = CallCenter(agents=30, queues=3, calls_per_minute=30, speed=4, seed=6, now=NOW)
    events = model.snapshot_events()
    records = []
    for step in range(1200):
        events += model.advance(NOW + step / 2)
        records += [parse(json.dumps(r).encode())[0] for r in model.drain_cdrs()]
    left = {
        p["ivruniqueid"]: p["reason"] for n, p in events
        if n == "QueueEvent" and p["reason"] in ("EXIT", "ABANDONED")
    }  # fmt: skip
    queue_records = {r.call_id: r for r in records if r.queue_id}
    answered = {c for c, reason in left.items() if reason == "EXIT"}
    abandoned = {c for c, reason in left.items() if reason == "ABANDONED"}
    assert answered
    assert abandoned
    assert {c for c, r in queue_records.items() if r.outcome == "abandoned"} == abandoned
    ended = {c for c, r in queue_records.items() if r.outcome == "answered"}
    assert ended <= answered
    assert len(ended) > len(answered) / 2
    assert all(r.queue_wait_s is not None for r in queue_records.values())
    assert len(queue_records) == len([r for r in records if r.queue_id])  # one each


@pytest.mark.pure  # the model alone: no I/O
def test_an_agent_whose_status_a_person_set_takes_no_simulated_breaks():
    model = CallCenter(agents=20, queues=1, calls_per_minute=0, speed=60, seed=2, now=NOW)
    chosen = next(iter(model.agents.values()))
    model.set_status(chosen.ext, 1, by_person=True)
    model.drain()
    changes = []
    for step in range(1, 600):
        for _name, payload in model.advance(NOW + step):
            if payload.get("reason") == "userStatusUpdate":
                changes.append(payload["data"]["extenUser"])
    assert changes
    assert chosen.ext not in changes
    assert chosen.status == 1


@pytest.fixture
def sim():
    return Simulator(CallCenter(agents=4, queues=1, calls_per_minute=0, seed=1, now=time.time()))


@pytest.fixture
async def client(sim):
    async with TestClient(TestServer(sim.app)) as test_client:
        yield test_client


async def test_set_status_answers_like_voicenter_and_emits_user_status_update(
    client, sim, monkeypatch
):
    agent = next(iter(sim.model.agents.values()))
    bad = await client.post(
        "/UserLogin/SetStatusFromAPI",
        json={
            "Code": "wrong",
            "UserId": str(agent.user_id),
            "ExtensionUser": agent.ext,
            "Status": 3,
        },
    )
    assert (await bad.json())["Status"] == 2
    sent: list[tuple[str, Any]] = []
    monkeypatch.setattr(sim, "broadcast", sent.extend)
    ok = await client.post(
        "/UserLogin/SetStatusFromAPI",
        json={
            "Code": "demo-code",
            "UserId": str(agent.user_id),
            "ExtensionUser": agent.ext,
            "Status": 3,
        },
    )
    assert await ok.json() == {"Status": 1, "StatusError": 1, "StatusErrorMessage": "OK"}
    [(name, payload)] = sent
    assert (name, payload["reason"], payload["data"]["representativeStatus"]) == (
        "ExtensionEvent",
        "userStatusUpdate",
        3,
    )


SET_STATUS = FIXTURES / "set_status"


def documented_request(name: str, agent, **changes: object) -> dict[str, object]:
    """A documented example request's fields (its own types kept), with the simulated agent's
    ids and the simulator's API code in place of the example's."""
    if name.endswith(".txt"):
        query = SET_STATUS.joinpath(name).read_text().strip().split("?", 1)[1]
        fields: dict[str, object] = dict(parse_qsl(query))
    else:
        fields = json.loads(SET_STATUS.joinpath(name).read_text())
    assert set(fields) == {"Code", "UserId", "ExtensionUser", "Status"}
    fields.update(Code="demo-code", UserId=str(agent.user_id), ExtensionUser=agent.ext)
    fields.update(changes)
    return fields


@pytest.mark.parametrize("page", ["en", "he"])
async def test_set_status_takes_both_documented_requests_and_answers_the_documented_answer(
    client, sim, page
):
    agent = next(iter(sim.model.agents.values()))
    agent.status = 3
    documented = json.loads(SET_STATUS.joinpath("en_answer.json").read_text())
    by_get = await client.get(
        "/UserLogin/SetStatusFromAPI", params=documented_request(f"{page}_request_get.txt", agent)
    )
    assert await by_get.json() == documented
    assert agent.status == 1
    agent.status = 3
    by_post = await client.post(
        "/UserLogin/SetStatusFromAPI", json=documented_request(f"{page}_request_post.json", agent)
    )
    answer = await by_post.json()
    assert answer == documented
    assert [type(v) for v in answer.values()] == [int, int, str]  # as the page types them
    assert agent.status == 1


async def test_set_status_refuses_a_form_post_and_a_status_that_is_not_an_integer(client, sim):
    agent = next(iter(sim.model.agents.values()))
    form = await client.post(
        "/UserLogin/SetStatusFromAPI", data=documented_request("en_request_post.json", agent)
    )
    assert await form.json() == {
        "Status": 2, "StatusError": 0, "StatusErrorMessage": "Authorization Failed"
    }  # fmt: skip
    for wrong in ("3", 3.5, True, None, [3]):
        body = documented_request("en_request_post.json", agent, Status=wrong)
        answer = await (await client.post("/UserLogin/SetStatusFromAPI", json=body)).json()
        assert answer["Status"] == 4, wrong
        assert answer["StatusErrorMessage"] == "Status not support"
    assert sim.status_requests == 0


async def test_every_set_status_refusal_is_a_documented_message_with_integer_codes(client, sim):
    english = json.loads(SET_STATUS.joinpath("en_table.json").read_text())
    agent, other = list(sim.model.agents.values())[:2]
    other.status = 1
    asks = [
        {"Code": "wrong"}, {"Code": ""}, {"UserId": ""}, {"UserId": "1"}, {"ExtensionUser": ""},
        {"ExtensionUser": "NOSUCH"}, {"ExtensionUser": other.ext}, {"Status": ""},
        {"Status": 4}, {"Status": 99},
    ]  # fmt: skip
    seen = set()
    for changes in asks:
        body = documented_request("en_request_post.json", agent, **changes)
        answer = await (await client.post("/UserLogin/SetStatusFromAPI", json=body)).json()
        assert set(answer) == {"Status", "StatusError", "StatusErrorMessage"}
        assert answer["StatusErrorMessage"] in english["StatusErrorMessage"], changes
        assert str(answer["Status"]) in english["Status"], changes
        assert isinstance(answer["Status"], int)
        assert isinstance(answer["StatusError"], int)
        assert answer["Status"] != 1
        seen.add(answer["StatusErrorMessage"])
    assert seen == set(english["StatusErrorMessage"]) - {"OK", "Error on update"}
    assert sim.status_requests == 0


async def test_click2call_rings_leg_one_first(client, sim, monkeypatch):
    agent = next(iter(sim.model.agents.values()))
    sent: list[tuple[str, Any]] = []
    monkeypatch.setattr(sim, "broadcast", sent.extend)
    answer = await client.get(
        "/ForwardDialer/click2call.aspx",
        params={"code": "demo-code", "phone": agent.ext, "target": "0501234567", "action": "call",
                "format": "JSON"},
    )  # fmt: skip
    body = await answer.json()
    assert body["ERRORCODE"] == 0
    assert body["CALLID"]
    call = sent[0][1]["data"]["currentCall"]
    assert (call["direction"], call["callstatus"], call["c2cdirection"]) == (
        "Click2Call",
        "Dialing",
        "1",
    )


async def test_click2call_errors_are_voicenters_codes(client):
    answer = await client.get(
        "/ForwardDialer/click2call.aspx",
        params={"code": "demo-code", "phone": "nobody", "target": "050", "format": "JSON"},
    )
    assert (await answer.json())["ERRORCODE"] == 1


async def test_click2call_answers_the_documented_xml_without_a_format(client, sim):
    agent = next(iter(sim.model.agents.values()))
    agent.status = 1
    answer = await client.post(
        "/ForwardDialer/click2call.aspx",
        data={"code": "demo-code", "phone": agent.ext, "target": "0501234567", "action": "call"},
    )
    body = await answer.text()
    assert body.startswith("<methodResponse><params><param><value><struct><member>")
    said = parse_click2call_answer(body)
    assert (said.ok, said.call_id) == (True, agent.calls[0].ivrid)
    refused = await client.get(
        "/ForwardDialer/click2call.aspx", params={"code": "demo-code", "action": "call"}
    )
    assert parse_click2call_answer(await refused.text()).said == "ERRORCODE 1, Phone is missing"


async def test_click2call_without_an_action_is_refused_and_starts_nothing(client, sim):
    agent = next(iter(sim.model.agents.values()))
    agent.status = 1
    answer = await client.get(
        "/ForwardDialer/click2call.aspx",
        params={"code": "demo-code", "phone": agent.ext, "target": "0501234567", "format": "JSON"},
    )
    assert await answer.json() == {
        "ERRORCODE": 1,
        "ERRORMESSAGE": "Action is missing",
        "CALLID": "",
    }
    assert agent.calls == []


async def test_an_unknown_click2call_action_hangs_nobody_up(client, sim):
    agent = next(iter(sim.model.agents.values()))
    agent.status = 1
    call = sim.model.ring_direct(agent.ext, "0547777777")
    for action in ("hangup", "cal", "TERMINATE "):
        answer = await client.get(
            "/ForwardDialer/click2call.aspx",
            params={"code": "demo-code", "phone": agent.ext, "action": action, "format": "JSON"},
        )
        body = await answer.json()
        if action == "TERMINATE ":  # the documented action, in any case
            assert body["ERRORCODE"] == 0
        else:
            assert body == {"ERRORCODE": 1, "ERRORMESSAGE": "Invalid action", "CALLID": ""}
            assert agent.calls == [call]
    assert agent.calls == []


@pytest.mark.parametrize("action", ["message", "callference"])
async def test_the_other_documented_click2call_actions_are_accepted(client, sim, action):
    agent = next(iter(sim.model.agents.values()))
    agent.status = 1
    answer = await client.get(
        "/ForwardDialer/click2call.aspx",
        params={"code": "demo-code", "phone": agent.ext, "action": action, "format": "JSON"},
    )
    body = await answer.json()
    assert (body["ERRORCODE"], len(body["CALLID"])) == (0, 32)


async def test_click2call_calls_an_extension_as_target_and_keeps_the_var_tags(client, sim):
    caller, called = list(sim.model.agents.values())[:2]
    caller.status = 1
    tags = {"var_contact": "42", "var_user": "dana"}
    answer = await client.post(
        "/ForwardDialer/click2call.aspx",
        data={"code": "demo-code", "phone": caller.ext, "target": called.ext, "action": "call",
              "format": "JSON", **tags},
    )  # fmt: skip
    assert (await answer.json())["ERRORCODE"] == 0
    assert caller.calls[0].phone == called.ext
    [asked] = sim.click2call_requests
    assert {k: asked[k] for k in tags} == tags
    assert "code" not in asked


async def test_click2call_refuses_more_than_ten_var_tags(client, sim):
    agent = next(iter(sim.model.agents.values()))
    agent.status = 1
    params = {"code": "demo-code", "phone": agent.ext, "target": "0501234567", "action": "call",
              "format": "JSON", **{f"var_t{i}": "x" for i in range(11)}}  # fmt: skip
    answer = await client.get("/ForwardDialer/click2call.aspx", params=params)
    assert (await answer.json())["ERRORCODE"] == 1
    assert agent.calls == []


def call_log_records(sim) -> None:
    """Three records on 15 November 2014 (wall clock), between the GET example's dates."""
    noon = datetime(2014, 11, 15, 12, 0, tzinfo=UTC).timestamp()
    sim.cdr_log.extend(
        [
            {"ivruniqueid": "a", "time": noon, "caller": "0547588535", "target": "Sales",
             "targetextension": "SipSip", "type": "Queue", "status": "ANSWER"},
            {"ivruniqueid": "b", "time": noon + 60, "caller": "972500000000",
             "target": "0722776772", "targetextension": "sipsip", "type": "Incoming Call"},
            {"ivruniqueid": "c", "time": noon + 120, "caller": "0547588535",
             "target": "0501111111", "callerextension": "OTHER", "type": "Extension Outgoing"},
        ]
    )  # fmt: skip


async def test_the_call_logs_get_form_counts_every_repeated_field_and_search(client, sim):
    call_log_records(sim)
    example = (REST_FIXTURES / "call_log_request_get.txt").read_text().strip()
    query = example.split("?", 1)[1].replace("xxxxxxxxxxxxxxxxxxxxxxxx", "demo-code")
    answer = await client.get(f"/hub/cdr/?{query}")
    body = await answer.json()
    assert (body["ERROR_NUMBER"], body["ERROR_DESCRIPTION"]) == (0, "OK")
    # the criteria together: a phone (972547588535: a's and c's caller, written nationally;
    # 0500000000: b's, written with 972) and the extension SipSip (a's and b's)
    assert [row["Date"] for row in body["CDR_LIST"]] == [
        "2014-11-15 12:00:00",
        "2014-11-15 12:01:00",
    ]
    assert all(set(row) == {"Date", "Type", "DID", "CallerNumber"} for row in body["CDR_LIST"])


async def test_the_call_logs_json_form_searches_phones_and_extensions(client, sim):
    call_log_records(sim)
    ask: dict[str, Any] = {"code": "demo-code", "format": "JSON", "fields": ["CallID"],
           "search": {"fromdate": "2014-11-15T00:00", "todate": "2014-11-16T00:00"}}  # fmt: skip
    ask["search"]["extensions"] = ["other"]
    by_extension = await (await client.post("/hub/cdr/", json=ask)).json()
    assert by_extension["CDR_LIST"] == [{"CallID": "c"}]
    ask["search"] = {**ask["search"], "extensions": [], "phones": ["972722776772"]}
    by_phone = await (await client.post("/hub/cdr/", json=ask)).json()
    assert by_phone["CDR_LIST"] == [{"CallID": "b"}]
    ask["search"]["phones"] = ["972547588535"]
    by_caller = await (await client.post("/hub/cdr/", json=ask)).json()
    assert by_caller["CDR_LIST"] == [{"CallID": "a"}, {"CallID": "c"}]
    del ask["search"]["phones"]
    everything = await (await client.post("/hub/cdr/", json=ask)).json()
    assert [row["CallID"] for row in everything["CDR_LIST"]] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "dates",
    [{}, {"fromdate": "yesterday", "todate": "2014-11-16T00:00"},
     {"fromdate": "2014-11-15T00:00", "todate": 20141116}],
)  # fmt: skip
async def test_a_call_log_without_readable_dates_gets_no_invented_error_number(client, dates):
    answer = await client.post("/hub/cdr/", json={"code": "demo-code", "search": dates})
    assert answer.status == 400
    assert "ERROR_NUMBER" not in await answer.text()


async def test_the_call_logs_errors_are_the_documented_ones(client, sim):
    wrong = await (await client.get("/hub/cdr/", params={"code": "wrong"})).json()
    assert wrong == {"ERROR_NUMBER": 2, "ERROR_DESCRIPTION": "Authorization failed."}
    sim.call_log_busy = 1
    busy = await (await client.get("/hub/cdr/", params={"code": "demo-code"})).json()
    assert busy == {
        "ERROR_NUMBER": 1,
        "ERROR_DESCRIPTION": "Request limit exceeded. Please try again later.",
    }
    sim.call_log_untrusted_ip = True
    untrusted = await (await client.get("/hub/cdr/", params={"code": "demo-code"})).json()
    assert untrusted["ERROR_NUMBER"] == 4
    assert re.fullmatch(r"IP address \S+ is not trusted\.", untrusted["ERROR_DESCRIPTION"])


async def test_only_engine_io_3_with_a_valid_token_may_open_the_socket(client):
    old = await client.get("/socket.io/", params={"EIO": "4", "transport": "websocket"})
    assert old.status == 400
    stranger = await client.get(
        "/socket.io/", params={"EIO": "3", "transport": "websocket", "token": "nope"}
    )
    assert stranger.status == 401


async def test_the_open_packet_carries_voicenters_documented_ping_interval_and_timeout(client):
    # the Real Time API page's "Initial message": pingInterval 60000, pingTimeout 180000
    login = await client.post("/monitorAPI/Login/Token", json={"token": "demo-token"})
    token = (await login.json())["Data"]["Socket"]["Token"]
    query = {"EIO": "3", "transport": "websocket", "token": token}
    async with client.ws_connect("/socket.io/", params=query) as ws:
        opening = await ws.receive_str()
        assert opening.startswith("0")
        packet = json.loads(opening[1:])
        documented = json.loads((FIXTURES / "realtime" / "initial_message.json").read_text())
        assert set(packet) == set(documented)
        assert {k: packet[k] for k in ("pingInterval", "pingTimeout", "upgrades")} == {
            k: documented[k] for k in ("pingInterval", "pingTimeout", "upgrades")
        }
        assert isinstance(packet["sid"], str)
        assert await ws.receive_str() == "40"
        await ws.send_str("2probe")  # the client pings, the server answers (Engine.IO 3)
        while (answer := await ws.receive_str()).startswith("42"):
            pass  # the snapshots come first
        assert answer == "3probe"


async def test_login_refuses_bad_credentials_with_401(client):
    answer = await client.post("/monitorAPI/Login/Token", json={"token": "wrong"})
    assert answer.status == 401
    good = await client.post("/monitorAPI/Login/Token", json={"token": "demo-token"})
    socket = (await good.json())["Data"]["Socket"]
    assert socket["Token"]
    assert socket["URLList"]


@pytest.mark.parametrize("path", ["GetExtensionsCalls", "GetQueuesCallers"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_the_active_calls_apis_refuse_a_wrong_code_as_documented(client, path, method):
    asked = {"params": {"code": "wrong"}} if method == "GET" else {"json": {"code": "wrong"}}
    answer = await client.request(method, f"/comet/API/{path}", **asked)
    assert await answer.json() == {"ERR": 1, "DESC": "Authorization failed."}


async def test_get_extensions_calls_lists_every_extension_with_its_calls_as_documented(client, sim):
    busy, idle = list(sim.model.agents.values())[:2]
    busy.status, idle.status = 1, 1
    busy.calls.clear()
    idle.calls.clear()
    call = sim.model.ring_direct(busy.ext, "0547777777", "Dana")
    answer = await client.get("/comet/API/GetExtensionsCalls", params={"code": "demo-code"})
    body = await answer.json()
    assert (body["ERR"], body["DESC"]) == (0, "OK")
    listed = {e["username"]: e for e in body["EXTENSIONS"]}
    assert set(listed) == set(sim.model.agents)
    assert listed[idle.ext]["calls"] == []
    assert set(listed[busy.ext]) == {"name", "representative", "peerstatus", "username", "calls"}
    assert listed[busy.ext]["calls"] == [
        {
            "callername": "Dana",
            "callerphone": "0547777777",
            "callstarted": call.started,
            "callanswered": 0,
            "answered": 0,
            "callstatus": "Ringing",
            "ivrid": call.ivrid,
            "direction": "Incoming",
        }
    ]


async def test_get_queues_callers_lists_every_queue_with_its_waiting_callers(client, sim):
    queue_id = min(sim.model.queues)
    caller = sim.model.join(queue_id, "0570000000", "Noa")
    answer = await client.post("/Comet/api/GetQueuesCallers", json={"code": "demo-code"})
    body = await answer.json()
    assert (body["ERR"], body["DESC"]) == (0, "OK")
    assert {q["ID"] for q in body["QUEUES"]} == set(sim.model.queues)
    [queue] = [q for q in body["QUEUES"] if q["ID"] == queue_id]
    assert queue["Name"] == sim.model.queues[queue_id].name
    assert {"Phone": "0570000000", "CallID": caller.ivrid, "JoinTime": caller.joined} in queue[
        "Callers"
    ]


async def test_the_active_calls_apis_answer_an_internal_error_as_documented(client, sim):
    sim.comet_internal_error = True
    answer = await client.get("/Comet/api/GetQueuesCallers", params={"code": "demo-code"})
    assert await answer.json() == {"ERR": 2, "DESC": "Internal error."}


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_get_extensions_refuses_a_wrong_code_with_err_1(client, sim, method):
    asked = {"params": {"code": "wrong"}} if method == "GET" else {"json": {"code": "wrong"}}
    wrong = await client.request(method, "/Comet/api/GetExtensions", **asked)
    assert await wrong.json() == {"ERR": 1, "DESC": "Unauthorized"}
    right = await client.get("/Comet/api/GetExtensions", params={"code": "demo-code", "showAll": 0})
    assert len((await right.json())["EXTENSIONS"]) == len(sim.model.agents)


async def test_get_extensions_answers_a_code_of_no_account_with_a_bare_empty_list(client, sim):
    sim.extensions_no_account = True
    wrong = await client.get("/Comet/api/GetExtensions", params={"code": "XXXXXXXXXXXX"})
    assert await wrong.json() == []
    right = await client.get("/Comet/api/GetExtensions", params={"code": "demo-code"})
    assert (await right.json())["ERR"] == 0


async def test_the_steady_load_sends_stamped_joins_never_faster_than_asked(
    client, sim, monkeypatch
):
    sent: list[tuple[str, Any]] = []
    monkeypatch.setattr(sim, "broadcast", sent.extend)
    assert (await client.post("/simulator/load", json={"rate": "x", "seconds": 1})).status == 400
    before = time.time() * 1000
    answer = await client.post("/simulator/load", json={"rate": 200, "seconds": 0.3})
    assert (await answer.json())["running"] is True

    async def done():
        progress = await (await client.get("/simulator/load")).json()
        return None if progress["running"] else progress

    progress = await until(done)
    # paced: never ahead of 200/s (the first may go at 0 s; a join may bring an agent's ring)
    assert 0 < progress["events"] <= 2 * (200 * 0.3 + 1)
    assert progress["events"] == len(sent)
    joins = [p for name, p in sent if name == "QueueEvent" and p["reason"] == "JOIN"]
    assert len(joins) == progress["stamped"] > 0
    stamps = [float(p["data"]["Calls"][-1]["CallerName"][1:]) for p in joins]
    assert stamps == sorted(stamps)
    assert before <= stamps[0] <= time.time() * 1000


@pytest.mark.pure  # the model alone: no I/O
def test_callers_who_gave_up_call_again_now_and_then_from_valid_numbers():
    import phonenumbers

    # few agents for many callers: many give up, and some of them call again
    model = CallCenter(agents=2, queues=1, calls_per_minute=30, speed=4, seed=3, now=NOW)
    events = model.snapshot_events()
    for step in range(2400):
        events += model.advance(NOW + step / 2)
    joins: dict[str, int] = {}
    numbers: dict[str, str] = {}
    for name, payload in events:
        if name == "QueueEvent" and payload["reason"] == "JOIN":
            calls = payload["data"]["Calls"]
            [caller] = [c for c in calls if c["ivrid"] == payload["ivruniqueid"]]
            numbers[payload["ivruniqueid"]] = caller["CallerID"]
    for number in numbers.values():
        joins[number] = joins.get(number, 0) + 1
    again = [n for n, times in joins.items() if times > 1]
    assert again, "no caller called again"
    assert len(again) < len(joins) / 2  # now and then, not always
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(n, "IL")) for n in numbers.values())


# --- call records (CDR notifications, API documentation rev 3.2 section 4) -------------------

CDR_DOCS = FIXTURES / "cdr"


def click2call_records(
    *, terminate_at: float | None = None, tags: dict[str, str] | None = None
) -> tuple[Any, list[dict]]:
    """A Click2Call from the first agent to a mobile, run to its end (or hung up at
    ``terminate_at`` seconds), and the records it left."""
    model = CallCenter(agents=2, queues=1, calls_per_minute=0, seed=3, now=NOW)
    agent = model.agents["SIM0100"]
    call = model.click2call(agent.ext, "0501234567", tags=tags)
    if terminate_at is not None:
        model.advance(NOW + terminate_at)
        model._end_call(agent, call)
    model.advance(NOW + 3600)
    return agent, [r for r in model.drain_cdrs() if r["ivruniqueid"] == call.ivrid]


@pytest.mark.pure  # the model alone: no I/O
def test_a_click2call_leaves_both_legs_records_the_agents_and_the_called_partys():
    from realtime.voicenter.cdr import parse

    agent, records = click2call_records()
    leg1, leg2 = (parse(json.dumps(r).encode())[0] for r in records)
    assert (leg1.type, leg2.type) == ("Click2Call leg1", "Click2Call leg2")
    assert leg1.call_id == leg2.call_id
    assert leg1.key != leg2.key
    # leg 1: Voicenter rings the agent's extension, which answers it
    assert (leg1.target_extension, leg1.agent_extension, leg1.agent_name) == (
        agent.ext, agent.ext, agent.name,
    )  # fmt: skip
    # leg 2: the agent's extension calls the destination (international, as documented)
    assert (leg2.caller_extension, leg2.agent_extension, leg2.target) == (
        agent.ext, agent.ext, "972501234567",
    )  # fmt: skip
    assert leg2.raw["callerextension_name"] == agent.name
    assert (leg1.status, leg2.status) == ("ANSWER", "ANSWER")
    assert leg2.started_at is not None
    assert leg1.started_at is not None
    assert leg2.started_at > leg1.started_at
    assert leg1.talk_s > leg2.talk_s > 0  # the agent's leg lasted from its own answer
    assert [type(r["price"]) for r in records] == [int, int]
    assert records[1]["price"] == -(-leg2.talk_s // 60) * 7  # agorot, each minute begun


@pytest.mark.pure  # the model alone: no I/O
def test_a_click2calls_var_tags_come_back_in_both_legs_records_and_no_other_call_has_any():
    from realtime.voicenter.cdr import parse

    tags = {"var_contact": "42", "var_user": "dana"}
    _, records = click2call_records(tags=tags)
    assert [parse(json.dumps(r).encode())[0].tags for r in records] == [tags, tags]
    _, untagged = click2call_records()
    assert [r.get("CustomData") for r in untagged] == [None, None]


def _json_kind(value: object) -> str:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return "number" if number else type(value).__name__


def _missing_or_retyped(documented: Any, got: Any, path: str) -> list[str]:
    """Where ``got`` lacks a field of ``documented`` or types it otherwise (each element of a
    list as the documented list's first)."""
    if isinstance(documented, dict):
        if not isinstance(got, dict):
            return [f"{path}: not an object"]
        return [
            problem
            for key, value in documented.items()
            for problem in (
                _missing_or_retyped(value, got[key], f"{path}.{key}")
                if key in got
                else [f"{path}.{key}: missing"]
            )
        ]
    if isinstance(documented, list):
        if not isinstance(got, list):
            return [f"{path}: not a list"]
        return [
            p for item in got if documented for p in _missing_or_retyped(documented[0], item, path)
        ]
    if _json_kind(documented) != _json_kind(got):
        return [f"{path}: {got!r} where the example has {documented!r}"]
    return []


def _reason(payload: dict) -> str:
    return str(payload.get("reason") or payload.get("data", {}).get("reason") or "")


def _current_direction(payload: dict) -> str:
    data = payload.get("data", payload)
    current = data.get("currentCall") or (data.get("calls") or [{}])[0]
    return str(current.get("direction", "")) if isinstance(current, dict) else ""


@pytest.mark.pure  # the model alone: no I/O
def test_every_simulated_event_has_each_field_of_the_documented_example_typed_alike():
    from tests.examples import doc_examples

    model = CallCenter(agents=10, queues=2, calls_per_minute=40, seed=5, now=NOW)
    events = list(model.snapshot_events())
    first = next(iter(model.agents.values()))
    model.click2call(first.ext, "0501234567")
    for second in range(1, 900):
        events += model.advance(NOW + second)
    model.set_status(first.ext, 3)
    events += model.drain()
    for name, documented in doc_examples():
        same = [
            payload
            for event, payload in events
            if event == name
            and _reason(payload) == _reason(documented)
            and _current_direction(documented) in ("", _current_direction(payload))
        ]
        assert same, (name, _reason(documented), _current_direction(documented))
        problems = {p for payload in same for p in _missing_or_retyped(documented, payload, name)}
        assert not problems, sorted(problems)[:10]


@pytest.mark.pure  # the model alone: no I/O
def test_a_click2call_hung_up_before_leg_2_leaves_leg_2_not_called():
    _, records = click2call_records(terminate_at=1)  # leg 1 rings for at least 2 s
    assert [(r["type"], r["status"]) for r in records] == [
        ("Click2Call leg1", "NOANSWER"), ("Click2Call leg2", "NOTCALLED"),
    ]  # fmt: skip
    assert [r["price"] for r in records] == [0, 0]


def documented_types(record: dict[str, object]) -> dict[str, type]:
    return {k.lower(): type(v) for k, v in record.items()}


@pytest.mark.pure  # the model alone: no I/O
def test_every_simulated_record_has_the_documented_fields_typed_as_the_documents_examples():
    examples = documented_types(
        json.loads(CDR_DOCS.joinpath("rev32_field_examples.json").read_text())
    )
    examples.pop("ivrunique-id")  # (the table's example spelling of ivruniqueid)
    examples.pop("originalivruniqueid")  # only for a call related to another
    examples.pop("seconds_waiting_in_queue")  # only for a call that waited in a queue
    json_example = documented_types(
        json.loads(CDR_DOCS.joinpath("rev32_json_request.json").read_text())
    )
    model = CallCenter(agents=20, queues=2, calls_per_minute=30, speed=4, seed=6, now=NOW)
    records = []
    for step in range(600):
        model.advance(NOW + step)
        records += model.drain_cdrs()
    model.click2call("SIM0100", "0501234567")
    model.dial_out("SIM0101", "0312345678")
    model.advance(NOW + 4000)
    records += model.drain_cdrs()
    types = {r["type"] for r in records}
    assert {"Queue", "Extension Outgoing", "Click2Call leg1", "Click2Call leg2"} <= types
    for record in records:
        fields = documented_types(record)
        waited = fields.pop("seconds_waiting_in_queue", None)
        assert waited in (None, int)
        assert fields | {"ivruniqueid": str} == examples | {"ivruniqueid": str}, record
        assert {k: fields[k] for k in json_example} == json_example


def test_the_xmlrpc_form_is_the_documents_and_reads_as_the_json_form():
    from realtime.simulator.server import cdr_body
    from realtime.voicenter.cdr import parse

    model = CallCenter(agents=2, queues=1, calls_per_minute=0, seed=3, now=NOW)
    model.join(1000, "0501234567", "Dana")
    model.advance(NOW + 3600)
    (record,) = [r for r in model.drain_cdrs() if r["type"] == "Queue"]
    assert "seconds_waiting_in_queue" in record
    xml, content_type = cdr_body(record, "xmlrpc")
    assert content_type == "text/xml"
    documented = CDR_DOCS.joinpath("rev32_xmlrpc_request.xml").read_text()
    for tag in ("<methodName>CDR</methodName>", "<i8>", "<i4>", "<string>", "<string />"):
        assert tag in documented
        assert tag in xml.decode()
    from_xml, fmt = parse(xml)
    from_json, _ = parse(cdr_body(record, "json")[0])
    assert fmt == "xmlrpc"
    assert from_xml.queue_wait_s is None  # a JSON-only field: not in the XML-RPC form
    assert from_json.queue_wait_s == record["seconds_waiting_in_queue"]
    assert from_xml.key == from_json.key
    assert (from_xml.agent_name, from_xml.talk_s) == (from_json.agent_name, from_json.talk_s)


@pytest.mark.parametrize("fmt", ["json", "xmlrpc"])
async def test_the_simulator_posts_each_record_in_the_accounts_format(fmt):
    from aiohttp import web

    from realtime.voicenter.cdr import answer, parse

    received = []

    async def receiver(request: web.Request) -> web.Response:
        record, body_format = parse(await request.read())
        assert record.tags == {"var_contact": "7", "var_user": "דנה"}
        received.append((record, body_format, request.content_type))
        body, content_type = answer(0, "OK", body_format)
        return web.Response(body=body, content_type=content_type)

    app = web.Application()
    app.router.add_post("/cdr/", receiver)
    async with TestServer(app) as server:
        _, records = click2call_records(tags={"var_contact": "7", "var_user": "דנה"})
        sim = Simulator(CallCenter(agents=0, queues=1, calls_per_minute=0), cdr_url=str(
            server.make_url("/cdr/")), cdr_format=fmt)  # fmt: skip
        async with TestClient(TestServer(sim.app)):
            sim._queue_cdrs(records)
            await until(lambda: sim.cdrs_posted == 2)
    assert [r.type for r, _, _ in received] == ["Click2Call leg1", "Click2Call leg2"]
    expected = "application/json" if fmt == "json" else "text/xml"
    assert {(f, c) for _, f, c in received} == {(fmt, expected)}


def test_a_cdr_format_voicenter_does_not_have_is_refused():
    with pytest.raises(ValueError, match="json, xmlrpc"):
        Simulator(None, cdr_format="form")


@pytest.mark.pure  # no I/O
@pytest.mark.parametrize(
    ("name", "err"),
    [
        ("rev32_json_answer.json", "0"),
        ("rev32_xmlrpc_answer.xml", 0),
        ("rev32_xmlrpc_error.xml", 2),
    ],
)
def test_the_simulator_reads_the_documented_answers_to_a_cdr(name, err):
    from realtime.simulator.server import cdr_reply

    reply = cdr_reply(CDR_DOCS.joinpath(name).read_bytes())
    assert reply["err"] == err
    assert reply["errdesc"] in ("OK", "Some error description")
    assert cdr_reply(b"<html>502</html>") == cdr_reply(b"{not json") == {}


def _applied(model: CallCenter, events: list, state=None):
    """The state after ``events`` (the model's snapshot first when no state is given), and
    every typed event they made."""
    typed = []
    if state is None:
        state = empty_state()
        events = model.snapshot_events() + list(events)
    for name, payload in events:
        for event in normalise(name, payload):
            assert not isinstance(event, Rejected), event
            typed.append(event)
            state, _ = reduce(state, event)
    return state, typed


@pytest.mark.pure  # the model alone: no I/O
def test_hold_and_unhold_are_voicenters_events_about_the_talking_call():
    model = CallCenter(agents=2, queues=1, calls_per_minute=0, seed=1, now=NOW)
    model.agents["SIM0100"].status = 1
    state, _ = _applied(model, [])
    call = model.ring_direct("SIM0100", "0501111111")
    with pytest.raises(ValueError, match="no call to put on hold"):
        model.hold("SIM0100")  # still ringing
    model.advance(NOW + 9)  # answered after at most 8 s of ringing
    state, _ = _applied(model, model.drain(), state)
    model.hold("SIM0100")
    held, typed = _applied(model, model.drain(), state)
    [event] = typed
    assert (event.reason, event.call_id) == ("HOLD", call.ivrid)
    assert [c["state"] for c in held["agents"]["SIM0100"]["calls"]] == ["Hold"]
    model.hold("SIM0100", on=False)
    back, typed = _applied(model, model.drain(), held)
    assert [e.reason for e in typed] == ["UNHOLD"]
    assert [c["state"] for c in back["agents"]["SIM0100"]["calls"]] == ["Talking"]


@pytest.mark.pure  # the model alone: no I/O
def test_a_ring_all_call_rings_every_free_agent_and_the_others_hear_answered_elsewhere():
    model = CallCenter(agents=3, queues=1, calls_per_minute=0, seed=1, now=NOW)
    for agent in model.agents.values():
        agent.status = 1
    state, _ = _applied(model, [])
    caller = model.join(1000, "0502222222", "Ring All", ring_all=True)
    state, typed = _applied(model, model.drain(), state)
    rung = {e.agent.extension for e in typed if getattr(e, "reason", "") == "NEWCALL"}
    assert rung == set(model.agents)
    assert all(a["calls"][0]["call_id"] == caller.ivrid for a in state["agents"].values())
    raw = model.advance(NOW + 9)
    state, typed = _applied(model, raw, state)
    [answered] = [e for e in typed if getattr(e, "reason", "") == "ANSWER"]
    hangups = [
        p["data"] for n, p in raw if n == "ExtensionEvent" and p["data"]["reason"] == "HANGUP"
    ]
    assert {h["extenUser"] for h in hangups} == set(model.agents) - {answered.agent.extension}
    for hangup in hangups:  # the documented fields of a HANGUP
        assert (hangup["cause"], hangup["ivruniqueid"]) == ("Answered elsewhere", caller.ivrid)
        assert hangup["callerID"] == "0502222222"
        assert hangup["calls"] == []
    with_call = {e for e, a in state["agents"].items() if a["calls"]}
    assert with_call == {answered.agent.extension}
    assert model.cdrs == []  # no record yet for the rings that were not answered


@pytest.mark.pure  # the model alone: no I/O
def test_a_click2call_leg_one_not_answered_is_a_hangup_call_rejected():
    model = CallCenter(agents=2, queues=1, calls_per_minute=0, seed=1, now=NOW)
    state, _ = _applied(model, [])
    call = model.click2call("SIM0100", "0501234567")
    model.reject("SIM0100")
    state, typed = _applied(model, model.drain(), state)
    assert [(e.reason, e.cause) for e in typed] == [("NEWCALL", ""), ("HANGUP", "Call Rejected")]
    assert typed[-1].call_id == call.ivrid
    assert state["agents"]["SIM0100"]["calls"] == []
    with pytest.raises(ValueError, match="no Click2Call leg 1"):
        model.reject("SIM0100")
    model.click2call("SIM0101", "0501234567", reject=True)  # not answered: rejected after a ring
    _, typed = _applied(model, model.advance(NOW + 9), state)
    assert [(e.reason, e.cause) for e in typed] == [("NEWCALL", ""), ("HANGUP", "Call Rejected")]


@pytest.mark.pure  # the model alone: no I/O
def test_the_call_centers_life_holds_rings_all_rejects_and_listens_in_at_random():
    # five simulated hours of a call center half busy
    model = CallCenter(agents=30, queues=3, calls_per_minute=6, speed=10, seed=5, now=NOW)
    events = model.snapshot_events()
    for step in range(1800):
        events += model.advance(NOW + step)
    _, typed = _applied(model, events, empty_state())
    seen = {(e.reason, e.cause) for e in typed if e.kind == "agent_changed"}
    assert {("HOLD", ""), ("UNHOLD", "")} <= seen
    assert {("HANGUP", "Answered elsewhere"), ("HANGUP", "Call Rejected")} <= seen
    supervisor = list(model.agents)[-1]
    spies = [
        c for e in typed if e.kind == "agent_changed" and e.agent.extension == supervisor
        for c in e.agent.calls or () if (c.direction, c.state) == ("Spy", "Spying")
    ]  # fmt: skip
    assert spies, "the supervisor never listened in"


async def test_paused_queues_offer_no_caller_until_switched_back(client, sim, monkeypatch):
    sent: list[tuple[str, Any]] = []
    monkeypatch.setattr(sim, "broadcast", sent.extend)
    for agent in sim.model.agents.values():
        agent.status = 1
    answer = await client.post("/simulator/knobs", json={"dispatch_paused": True})
    assert (await answer.json())["dispatch_paused"] is True
    await client.post("/simulator/join", json={"phone": "0501112233"})
    assert [p["reason"] for _, p in sent] == ["JOIN"]  # nobody rings
    await client.post("/simulator/knobs", json={"dispatch_paused": False})
    rung = [p["data"]["extenUser"] for _, p in sent if p.get("data", {}).get("reason") == "NEWCALL"]
    assert len(rung) == 1  # offered at once, to one agent
