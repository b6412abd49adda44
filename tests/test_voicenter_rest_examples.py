"""Voicenter's documented REST examples (``tests/fixtures/voicenter_rest/``: each example
request and answer of Click2Call, the Call log, the active calls and the extension list, as the
API documentation rev. 3.2 and the Hebrew extension-list page print them, made valid JSON), read
by the product's parsers, matched by the product's requests, and answered by the simulator in
the documented shape and field types."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

import pytest
from aiohttp.test_utils import TestClient, TestServer

from realtime.simulator.model import CallCenter
from realtime.simulator.server import Simulator
from realtime.voicenter.cdr import call_log_request
from realtime.voicenter.rest import (
    ActiveCall,
    ActiveRefused,
    ExtensionCalls,
    ExtensionsCalls,
    QueueCaller,
    QueueCallers,
    QueuesCallers,
    RestRefused,
    active_calls_request,
    click2call_request,
    extensions_request,
    parse_click2call_answer,
    parse_extensions,
    parse_extensions_calls,
    parse_queues_callers,
)

pytestmark = pytest.mark.pure  # the simulator on a local port; no Redis, no database

EXAMPLES = Path(__file__).parent / "fixtures" / "voicenter_rest"


def example(name: str) -> Any:
    text = (EXAMPLES / name).read_text()
    return json.loads(text) if name.endswith(".json") else text.strip()


def query(name: str) -> tuple[str, list[tuple[str, str]]]:
    """A documented GET request: (its path, its query's fields in order)."""
    url = urlsplit(example(name))
    return url.path, parse_qsl(url.query)


def same_shape(documented: Any, got: Any, path: str = "$") -> None:
    """``got`` has the documented keys and value types, recursively (each element of a list as
    the documented list's first element)."""
    if isinstance(documented, dict):
        assert isinstance(got, dict), path
        assert set(got) == set(documented), (path, set(got) ^ set(documented))
        for key, value in documented.items():
            same_shape(value, got[key], f"{path}.{key}")
    elif isinstance(documented, list):
        assert isinstance(got, list), path
        for item in got if documented else ():
            same_shape(documented[0], item, f"{path}[]")
    else:
        assert type(got) is type(documented), (path, got, documented)


# --- the product's parsers --------------------------------------------------------------------


def test_the_documented_extensions_calls_are_read():
    assert parse_extensions_calls(example("active_calls_extensions_answer.json")) == (
        ExtensionsCalls(
            (
                ExtensionCalls("aaaaaaa", "Desk 1", "Dodod", "Reachable", (
                    ActiveCall("xxxxXxxxXxxxXxxxXxxxXxxxXxxxXxxx", "0547777777", "0547777777",
                               1402233117, 1402233123, True, "Talking", "Outgoing"),
                )),
                ExtensionCalls("ttttttt", "Desk 2", "", "Unknown", ()),
            )
        )
    )  # fmt: skip


def test_the_documented_queues_callers_are_read():
    assert parse_queues_callers(example("active_calls_queues_answer.json")) == QueuesCallers(
        (
            QueueCallers(
                10035,
                "Sales",
                (QueueCaller("0570000000", "xxxxXxxxXxxxXxxxXxxxXxxxXxxxXxxx", 1402235247),),
            ),
        )
    )


@pytest.mark.parametrize("parse", [parse_extensions_calls, parse_queues_callers])
def test_the_documented_bad_answers_are_refusals_with_their_err(parse):
    assert parse(example("active_calls_refused.json")) == ActiveRefused(
        "refused", 1, "ERR 1, Authorization failed."
    )
    assert parse(example("active_calls_internal_error.json")) == ActiveRefused(
        "refused", 2, "ERR 2, Internal error."
    )


def test_the_documented_click2call_answers_are_read():
    refused = parse_click2call_answer(example("click2call_answer.xml"))
    assert (refused.ok, refused.reason, refused.said, refused.call_id) == (
        False, "bad_parameters", "ERRORCODE 1, Phone is missing", ""
    )  # fmt: skip
    done = parse_click2call_answer((EXAMPLES / "click2call_answer.json").read_text())
    assert (done.ok, done.call_id) == (True, "sdfsdfsdfsdfsdfsdfsdfsdfsdf0brp")


@pytest.mark.parametrize("name", ["extensions_answer.he.json", "extensions_answer.rev3.2.json"])
def test_both_documented_extension_lists_are_read(name):
    rows, skipped = parse_extensions(example(name))
    assert skipped == 0
    assert len(rows) == 2
    assert all(row.sip and row.speed_dial and row.account_id for row in rows)


def test_the_hebrew_pages_empty_array_is_a_code_of_no_account():
    with pytest.raises(RestRefused) as refused:
        parse_extensions(example("extensions_no_account.he.json"))
    assert refused.value.code == "no_account"


# --- the product's requests -------------------------------------------------------------------

#: Click2Call's parameters (section 1.2; ``var_*`` its custom tags).
CLICK2CALL_PARAMETERS = {
    "phone", "target", "code", "action", "record", "phonecallerid", "phonecallername",
    "targetcallerid", "targetcallername", "phonemaxdialtime", "targetmaxdialtime",
    "maxduration", "phoneautoanswer", "targetautoanswer", "checkphonedevicestate",
    "checktargetdevicestate", "language", "vm_id", "format",
}  # fmt: skip
#: The Call log's ``fields`` options (section 3).
CALL_LOG_OPTIONS = {
    "date", "type", "did", "callernumber", "callerextension", "targetnumber", "targetextension",
    "targetprefixname", "duration", "price", "recordurl", "recordexpect", "representativename",
    "representativecode", "dtmfdata", "callid", "queuename", "dialstatus", "dialstatus2",
    "ringtime", "customdata", "departmentname", "departmentid",
}  # fmt: skip


def test_a_click2call_request_holds_the_documented_fields_and_only_documented_ones():
    _, documented = query("click2call_request.txt")
    fields = click2call_request(
        "C", "SIPSIP1", "0501234567", record=True, caller_id="0722776772", tags={"user": "dana"}
    )
    assert {name for name, _ in documented} <= set(fields)
    assert {n for n in fields if not n.startswith("var_")} <= CLICK2CALL_PARAMETERS
    assert fields["action"] == dict(documented)["action"]


def test_a_call_log_request_is_shaped_as_the_documented_one():
    from datetime import datetime

    documented = example("call_log_request.json")
    ours = call_log_request("C", datetime(2015, 5, 14, 8), datetime(2015, 5, 14, 16, 30))
    assert set(ours) == set(documented)
    assert ours["search"] == {
        k: v for k, v in documented["search"].items() if k in ("fromdate", "todate")
    }
    fields: Any = ours["fields"]
    assert {name.lower() for name in fields} <= CALL_LOG_OPTIONS
    assert {name.lower() for name in documented["fields"]} <= CALL_LOG_OPTIONS


def test_an_extension_list_request_is_the_documented_one():
    same_shape(example("extensions_request.json"), extensions_request("C", show_all=False))
    assert extensions_request("C", show_all=False)["showAll"] == 0
    _, documented = query("extensions_request_get.txt")
    assert {name for name, _ in documented} == set(extensions_request("C"))


@pytest.mark.parametrize(
    "name", ["active_calls_extensions_request.txt", "active_calls_queues_request.txt"]
)
def test_an_active_calls_request_is_the_documented_query(name):
    _, documented = query(name)
    assert {n for n, _ in documented} == set(active_calls_request("C"))


# --- the simulator ----------------------------------------------------------------------------


@pytest.fixture
def sim():
    model = CallCenter(agents=3, queues=2, calls_per_minute=0, seed=1, now=time.time())
    return Simulator(model)


@pytest.fixture
async def client(sim):
    async with TestClient(TestServer(sim.app)) as test_client:
        yield test_client


def with_code(name: str, code: str, **values: str) -> tuple[str, dict[str, str]]:
    """A documented GET request, its code (and any ``values``) replaced."""
    path, fields = query(name)
    params = {k: values.get(k, v) for k, v in fields}
    params["code"] = code
    return path, params


async def test_the_simulators_extensions_calls_are_shaped_as_documented(client, sim):
    busy = next(iter(sim.model.agents.values()))
    busy.status = 1
    sim.model.ring_direct(busy.ext, "0547777777", "Dana")
    path, params = with_code("active_calls_extensions_request.txt", "demo-code")
    body = await (await client.get(path, params=params)).json()
    same_shape(example("active_calls_extensions_answer.json"), body)
    assert len(body["EXTENSIONS"]) == 3
    assert sum(len(e["calls"]) for e in body["EXTENSIONS"]) == 1
    wrong = await client.get(path, params={"code": "wrong"})
    assert await wrong.json() == example("active_calls_refused.json")


async def test_the_simulators_queues_callers_are_shaped_as_documented(client, sim):
    sim.model.join(min(sim.model.queues), "0570000000")
    path, params = with_code("active_calls_queues_request.txt", "demo-code")
    body = await (await client.get(path, params=params)).json()
    same_shape(example("active_calls_queues_answer.json"), body)
    assert sum(len(q["Callers"]) for q in body["QUEUES"]) == 1
    wrong = await client.post(path, json={"code": "wrong"})
    assert await wrong.json() == example("active_calls_refused.json")
    sim.comet_internal_error = True
    failed = await client.get(path, params=params)
    assert await failed.json() == example("active_calls_internal_error.json")


async def test_the_simulators_extension_list_is_shaped_as_the_hebrew_page(client):
    path, params = with_code("extensions_request_get.txt", "demo-code")
    by_get = await (await client.get(path, params=params)).json()
    documented = example("extensions_answer.he.json")
    same_shape(documented, by_get)
    assert set(example("extensions_answer.rev3.2.json")["EXTENSIONS"][0]) <= set(
        by_get["EXTENSIONS"][0]
    )
    body = {**example("extensions_request.json"), "code": "demo-code"}
    by_json = await (await client.post(path, json=body)).json()
    assert by_json == by_get


def xml_shape(element: ElementTree.Element) -> list[object]:
    """An XML answer's element names, and the struct's member names, in order."""
    return [
        (e.tag, (e.findtext("name") or "") if e.tag == "member" else "") for e in element.iter()
    ]


async def test_the_simulators_click2call_answers_as_the_documented_examples(client, sim):
    agent = next(iter(sim.model.agents.values()))
    agent.status = 1
    path, params = with_code(
        "click2call_request.txt", "demo-code", phone=agent.ext, target="0312345678"
    )
    xml = await (await client.get(path, params=params)).text()
    documented = ElementTree.fromstring(example("click2call_answer.xml"))
    assert xml_shape(ElementTree.fromstring(xml)) == xml_shape(documented)
    as_json = await (await client.get(path, params={**params, "format": "JSON"})).json()
    same_shape(example("click2call_answer.json"), as_json)
    assert len(as_json["CALLID"]) > 0
    missing = await client.get(path, params={"code": "demo-code", "action": "call"})
    assert await missing.text() == "".join(
        line.strip() for line in example("click2call_answer.xml").splitlines()
    )


async def test_the_php_samples_request_without_an_action_is_refused_and_with_one_is_a_call(
    client, sim
):
    # section 1.7's sample POSTs no action, which every parameter table calls mandatory: the
    # simulator keeps to the tables (docs/voicenter.md, "Click2Call"); we always send one
    agent = next(iter(sim.model.agents.values()))
    agent.status = 1
    sample = dict(parse_qsl(example("click2call_php_sample.txt")))
    sample |= {"code": "demo-code", "phone": agent.ext, "target": "0312345678"}
    assert {k for k in sample if k != "action"} <= CLICK2CALL_PARAMETERS
    path = urlsplit(example("click2call_request.txt")).path
    refused = ElementTree.fromstring(await (await client.post(path, data=sample)).text())
    assert _xml_member(refused, "ERRORCODE") == "1"
    assert agent.calls == []
    answered = ElementTree.fromstring(
        await (await client.post(path, data={**sample, "action": "call"})).text()
    )
    # read as the sample reads it: params/param/value/struct/member named CALLID
    assert _xml_member(answered, "ERRORCODE") == "0"
    assert _xml_member(answered, "CALLID") == agent.calls[0].ivrid


def _xml_member(answer: ElementTree.Element, name: str) -> str:
    for member in answer.iterfind("params/param/value/struct/member"):
        if member.findtext("name") == name:
            return member.findtext("value/string") or ""
    raise AssertionError(f"no {name} in the answer")


async def test_the_simulators_call_log_answers_the_documented_request(client, sim):
    from datetime import UTC, datetime

    started = datetime(2015, 5, 14, 9, 0, tzinfo=UTC).timestamp()  # the account's wall clock
    sim.cdr_log.append(
        {"ivruniqueid": "x1", "time": started, "caller": "97272776772", "target": "0501234567",
         "type": "Incoming Call", "did": "0722776772", "duration": 33, "record": "",
         "callerextension": "", "representative_name": "Walter Melon"}
    )  # fmt: skip
    request = {**example("call_log_request.json"), "code": "demo-code"}
    body = await (await client.post("/hub/cdr/", json=request)).json()
    assert (body["ERROR_NUMBER"], body["ERROR_DESCRIPTION"]) == (0, "OK")
    [row] = body["CDR_LIST"]
    assert set(row) == set(request["fields"])
    assert (row["Duration"], row["RepresentativeName"]) == (33, "Walter Melon")
