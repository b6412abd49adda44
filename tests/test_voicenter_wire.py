"""The normaliser: Voicenter's wire format -> typed events."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from realtime.events import (
    AgentChanged,
    AgentsSnapshot,
    ConfigChanged,
    KeepaliveAnswer,
    LoginSuccess,
    QueueChanged,
    QueuesSnapshot,
    Rejected,
    VoicenterError,
)
from realtime.state import empty_state, reduce
from realtime.voicenter.wire import normalise, status_name
from tests.examples import doc_examples

pytestmark = pytest.mark.pure

JERUSALEM = ZoneInfo("Asia/Jerusalem")
DOC = doc_examples()


def doc(name: str, reason: str | None = None, nth: int = 0) -> dict:
    found = [
        payload
        for event, payload in DOC
        if event == name
        and (reason is None or (payload.get("reason") or payload["data"].get("reason")) == reason)
    ]
    return found[nth]


def one(name, payload, **kw):
    events = normalise(name, payload, **kw)
    assert len(events) == 1, events
    return events[0]


def test_login_success_carries_server_offset():
    event = one("loginSuccess", doc("loginSuccess"))
    assert event == LoginSuccess("login_success", 1597930812 - 180 * 60, 180)


def test_login_status_snapshot_has_every_queue_with_waiting_callers_in_utc():
    event = one("loginStatus", doc("loginStatus"), offset_min=180)
    assert isinstance(event, QueuesSnapshot)
    assert [q.id for q in event.queues] == ["12345678", "12345679"]
    [caller] = event.queues[0].waiting or ()
    assert caller.call_id == "2020082015645675456434324949c071d"
    assert (caller.caller_number, caller.caller_name) == ("0501234567", "John Doe")
    assert caller.joined_at == 1597941709 - 180 * 60
    assert event.queues[1].waiting == ()


def test_missing_offset_falls_back_to_the_account_time_zone_at_that_local_time():
    # August 2020: Israel is on summer time, UTC+3.
    summer = one("loginStatus", doc("loginStatus"), tz=JERUSALEM)
    assert summer.queues[0].waiting[0].joined_at == 1597941709 - 3 * 3600
    winter_payload = {
        "queues": [
            {
                "QueueID": 1,
                "QueueName": "Q",
                "Calls": [{"CallerID": "1", "IvrUniqueID": "x", "JoinTimeStamp": 1606908123}],
            }
        ]
    }
    winter = one("loginStatus", winter_payload, tz=JERUSALEM)
    assert winter.queues[0].waiting[0].joined_at == 1606908123 - 2 * 3600


def test_offset_in_the_payload_beats_the_callers():
    event = one("QueueEvent", doc("QueueEvent", "JOIN"), offset_min=0)
    assert event.queue.waiting[0].joined_at == 1598206105 - 180 * 60
    assert event.offset_min == 180


def test_all_extensions_status_builds_agents_with_status_and_ms_timestamp():
    event = one("AllExtensionsStatus", doc("AllExtensionsStatus"), offset_min=180)
    assert isinstance(event, AgentsSnapshot)
    clark, lois = event.agents
    assert (clark.extension, clark.status, clark.status_name) == ("SIPSIP1", 2, "Logout")
    assert clark.status_since is None  # representativeUpdated 0 = not set
    assert lois.status_since == 1597944933 - 180 * 60  # milliseconds in, seconds out
    assert (lois.agent_name, lois.number, lois.peer_status) == ("Lois Lane", "9876542", "OK")
    assert lois.calls == ()


def test_the_singular_all_extension_status_spelling_is_accepted():
    event = one("AllExtensionStatus", doc("AllExtensionsStatus"), offset_min=180)
    assert isinstance(event, AgentsSnapshot)


def test_queue_join_gives_the_full_waiting_list_and_the_call():
    event = one("QueueEvent", doc("QueueEvent", "JOIN"))
    assert isinstance(event, QueueChanged)
    assert (event.reason, event.call_id) == ("JOIN", "2020082015645675456434324949c071d")
    assert (event.queue.id, event.queue.name) == ("1234567", "Queue1")
    assert [c.caller_name for c in event.queue.waiting or ()] == ["John Doe"]


@pytest.mark.parametrize("reason", ["EXIT", "ABANDONED"])
def test_queue_exit_and_abandon_empty_the_list(reason):
    event = one("QueueEvent", doc("QueueEvent", reason))
    assert event.reason == reason
    assert event.queue.waiting == ()


def test_a_caller_that_left_is_dropped_even_if_the_list_still_names_it():
    payload = {
        "reason": "ABANDONED",
        "ivruniqueid": "gone",
        "servertimeoffset": 0,
        "data": {
            "QueueID": 1,
            "QueueName": "Q",
            "Calls": [
                {"CallerID": "1", "IvrUniqueID": "gone", "JoinTimeStamp": 10},
                {"CallerID": "2", "IvrUniqueID": "stays", "JoinTimeStamp": 11},
            ],
        },
    }
    event = one("QueueEvent", payload)
    assert [c.call_id for c in event.queue.waiting] == ["stays"]


@pytest.mark.parametrize("calls", [{}, {"Calls": None}])
def test_a_queue_event_without_calls_still_says_who_left(calls):
    payload = {"reason": "EXIT", "ivruniqueid": "gone", "data": {"QueueID": 1, **calls}}
    event = one("QueueEvent", payload)
    assert isinstance(event, QueueChanged)
    assert (event.queue.waiting, event.call_id, event.joined) == (None, "gone", None)


def test_a_join_without_calls_names_the_caller_from_the_event():
    payload = {"reason": "JOIN", "ivruniqueid": "new", "servertime": 1000,
               "servertimeoffset": 0, "CallerID": "0501234567", "data": {"QueueID": 1}}  # fmt: skip
    event = one("QueueEvent", payload)
    assert event.queue.waiting is None
    assert event.joined is not None
    joined = event.joined
    assert (joined.call_id, joined.caller_number, joined.joined_at) == ("new", "0501234567", 1000)


def test_a_queue_event_without_calls_or_ivruniqueid_is_rejected():
    event = one("QueueEvent", {"reason": "ABANDONED", "data": {"QueueID": 1}})
    assert isinstance(event, Rejected)
    assert "ivruniqueid" in event.problem


def test_incoming_newcall_rings_with_caller_and_times_in_utc():
    event = one("ExtensionEvent", doc("ExtensionEvent", "NEWCALL"))
    assert isinstance(event, AgentChanged)
    assert event.agent.calls is not None
    [call] = event.agent.calls
    assert (call.state, call.direction, call.number, call.name, call.did) == (
        "Ringing",
        "Incoming",
        "0501234567",
        "Test Voicenter",
        "0722776772",
    )
    assert call.started_at == 1606908123 - 120 * 60
    assert call.answered_at is None
    assert event.at == 1606908124 - 120 * 60
    assert event.call_id == "202012021122010135330b4f77"


def test_answer_turns_the_call_to_talking_with_answer_time():
    event = one("ExtensionEvent", doc("ExtensionEvent", "ANSWER"))
    [call] = event.agent.calls
    assert call.state == "Talking"
    assert call.answered_at == 1606908134 - 120 * 60


def test_hangup_carries_its_cause_and_leaves_no_call():
    event = one("ExtensionEvent", doc("ExtensionEvent", "HANGUP"))
    assert (event.reason, event.cause) == ("HANGUP", "Normal hangup")
    assert event.agent.calls == ()


def test_the_last_answered_and_ended_calls_are_read_in_utc_and_missing_is_unknown():
    event = one("ExtensionEvent", doc("ExtensionEvent", "HANGUP"))
    assert event.agent.last_answered_at == 1606908139 - 120 * 60  # lastAnsweredCallEventEpoch
    assert event.agent.last_hangup_at == 1606908139 - 120 * 60  # lastHangupCallEpoch
    snapshot = one("AllExtensionsStatus", doc("AllExtensionsStatus"), offset_min=180)
    clark = snapshot.agents[0]  # the doc's snapshot sends no lastHangupCallEpoch
    assert (clark.last_answered_at, clark.last_hangup_at) == (1545243466 - 180 * 60, None)


def test_hangup_drops_the_ended_call_even_if_calls_still_lists_it():
    payload = doc("ExtensionEvent", "NEWCALL")["data"]
    payload = {
        "data": {
            **payload,
            "reason": "HANGUP",
            "cause": "Answered elsewhere",
            "ivruniqueid": "202012021122010135330b4f77",
        }
    }
    event = one("ExtensionEvent", payload)
    assert event.cause == "Answered elsewhere"
    assert event.agent.calls == ()


def test_click2call_legs_are_marked():
    leg1 = one("ExtensionEvent", doc("ExtensionEvent", "NEWCALL", nth=1)).agent.calls[0]
    leg2 = one("ExtensionEvent", doc("ExtensionEvent", "NEWCALL", nth=2)).agent.calls[0]
    assert (leg1.direction, leg1.state, leg1.leg) == ("Click2Call", "Dialing", 1)
    assert (leg2.direction, leg2.leg) == ("Click2Call", 2)


def test_older_click2call_spelling_is_normalised():
    payload = doc("ExtensionEvent", "NEWCALL", nth=1)
    data = payload["data"]
    calls = [{**data["calls"][0], "direction": "Click2call"}]
    event = one("ExtensionEvent", {"data": {**data, "calls": calls}})
    assert event.agent.calls[0].direction == "Click2Call"


def test_hold_and_unhold_change_the_state_of_the_current_call():
    answer = doc("ExtensionEvent", "ANSWER")["data"]
    held = one("ExtensionEvent", {"data": {**answer, "reason": "HOLD"}})
    assert held.agent.calls[0].state == "Hold"
    calls = [{**answer["calls"][0], "callstatus": "Hold"}]
    resumed = one("ExtensionEvent", {"data": {**answer, "reason": "UNHOLD", "calls": calls}})
    assert resumed.agent.calls[0].state == "Talking"


def test_user_status_update_with_reason_beside_data():
    event = one("ExtensionEvent", doc("ExtensionEvent", "userStatusUpdate"))
    assert event.reason == "userStatusUpdate"
    assert (event.agent.status, event.agent.status_name) == (3, "Lunch")
    assert event.agent.status_since == 1606917164 - 120 * 60
    assert event.at == 1606917164 - 120 * 60


def test_user_status_update_with_reason_inside_data():
    outer = doc("ExtensionEvent", "userStatusUpdate")
    inner = {
        "data": {
            **outer["data"],
            "reason": "userStatusUpdate",
            "servertime": outer["servertime"],
            "servertimeoffset": 120,
        }
    }
    assert one("ExtensionEvent", inner) == one("ExtensionEvent", outer)


def test_keys_are_read_case_insensitively():
    payload = {
        "Reason": "JOIN",
        "ServerTime": 100,
        "ServerTimeOffset": 0,
        "IvrUniqueId": "a",
        "Data": {
            "queueid": 5,
            "queuename": "Q",
            "calls": [
                {"CallerId": "050", "CallerNme": "Dana", "ivrUniqueId": "a", "joinTimeStamp": 90}
            ],
        },
    }
    event = one("QueueEvent", payload)
    assert event.queue.waiting[0].caller_name == "Dana"
    assert event.queue.waiting[0].caller_number == "050"
    assert event.queue.waiting[0].joined_at == 90


def test_agent_name_is_who_works_the_extension_else_the_user():
    base = doc("ExtensionEvent", "userStatusUpdate")
    data = {**base["data"], "summery": {"representative": "Bruce Wayne"}}
    assert one("ExtensionEvent", {**base, "data": data}).agent.agent_name == "Bruce Wayne"
    data = {k: v for k, v in base["data"].items() if k != "summery"}
    assert one("ExtensionEvent", {**base, "data": data}).agent.agent_name == "Clark Kent"


def test_status_names_default_to_voicenters_and_unknown_ids_are_named():
    assert [status_name(s) for s in (1, 2, 13, 42, None)] == [
        "Login",
        "Logout",
        "Brief",
        "Status 42",
        "Unknown",
    ]


def test_keepalive_response_is_ok_without_error_code():
    assert one("keepaliveResponse", {"isOk": True}) == KeepaliveAnswer(
        "keepalive_response", True, 0, ""
    )
    bad = one("keepaliveResponse", {"isOk": False, "errorCode": 1, "errorDesc": "bad token"})
    assert (bad.ok, bad.error_code, bad.error_desc) == (False, 1, "bad token")


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("ExtensionsUpdated", "extensions"),
        ("QueuesUpdated", "queues"),
        ("DialersUpdated", "dialers"),
    ],
)
def test_configuration_changes_ask_for_resync(name, what):
    assert one(name, {}) == ConfigChanged("config_changed", what)


def test_snapshot_with_error_code_is_an_error_not_a_snapshot():
    event = one("loginStatus", {"errorCode": 3, "errorDesc": "no permission", "queues": []})
    assert event == VoicenterError("voicenter_error", "loginStatus", 3, "no permission")


def test_dialer_events_are_known_and_ignored():
    assert normalise("DialerEvent", {"anything": 1}) == ()


@pytest.mark.parametrize(
    ("name", "payload", "problem"),
    [
        ("SomethingNew", {}, "unknown event"),
        ("QueueEvent", [1, 2], "payload is list"),
        ("QueueEvent", {"reason": "JOIN"}, "data is missing"),
        ("QueueEvent", {"reason": "JOIN", "data": {"QueueID": 1}}, "Calls is missing"),
        ("QueueEvent", {"reason": "JOIN", "data": {"Calls": []}}, "no QueueID"),
        ("ExtensionEvent", {"data": {"reason": "NEWCALL", "calls": []}}, "no extenUser"),
        ("ExtensionEvent", {"data": {"extenUser": "S", "calls": []}}, "reason is missing"),
        (
            "ExtensionEvent",
            {"data": {"reason": "ANSWER", "extenUser": "S", "calls": "x"}},
            "calls is missing or not a list",
        ),
        ("loginStatus", {"queues": {"a": 1}}, "queues is missing"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(name, payload, problem):
    event = one(name, payload)
    assert isinstance(event, Rejected)
    assert event.event == name
    assert problem in event.problem


def test_one_bad_extension_in_a_snapshot_spares_the_rest():
    payload = {"extensions": [{"extenUser": "GOOD", "calls": []}, {"number": 5}, "junk"]}
    snapshot, *rejected = normalise("AllExtensionsStatus", payload)
    assert isinstance(snapshot, AgentsSnapshot)
    assert [a.extension for a in snapshot.agents] == ["GOOD"]
    assert len(rejected) == 2
    assert all(isinstance(r, Rejected) for r in rejected)


def test_long_strings_from_strangers_are_capped():
    payload = {
        "reason": "JOIN",
        "data": {"QueueID": 1, "Calls": [{"IvrUniqueID": "a", "CallerName": "x" * 10_000}]},
    }
    assert len(one("QueueEvent", payload).queue.waiting[0].caller_name) == 200


def test_a_queue_event_with_a_reason_we_do_not_know_still_updates_the_queue():
    payload = {"reason": "transfer", "data": {"QueueID": 1, "QueueName": "Q", "Calls": []}}
    event = one("QueueEvent", payload)
    assert isinstance(event, QueueChanged)
    assert (event.reason, event.queue.id, event.queue.waiting) == ("TRANSFER", "1", ())


def test_a_hebrew_queue_name_with_a_number_comes_through_as_it_is():
    payload = {
        "errorCode": 0, "servertime": 1_600_000_000, "servertimeoffset": 180,
        "queues": [{"QueueID": 7, "QueueName": "תמיכה 2", "Calls": []}],
    }  # fmt: skip
    [snapshot] = normalise("loginStatus", payload, offset_min=180)
    state, _ = reduce(empty_state(), snapshot)
    assert state["queues"]["7"]["name"] == "תמיכה 2"
