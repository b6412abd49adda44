"""``replay`` and ``dump_state``: the live path, minus the socket."""

from __future__ import annotations

import io

import orjson
import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.examples import DOC_FILE


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def dump() -> dict:
    return orjson.loads(run("dump_state")[0])


def test_replaying_the_doc_examples_gives_callers_statuses_and_no_stale_calls(use_prefix):
    out, _ = run("replay", str(DOC_FILE))
    assert "replayed 15 events, skipped 0 bad lines" in out
    doc = dump()
    assert doc["seq"] == 13
    assert doc["epoch"]
    # the examples are of 2020: counted on their own day, not on today's board
    assert doc["state"]["today"] == {}
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.exists(f"{use_prefix}day:2020-08-23:queues")
    client.close()
    queues, agents = doc["state"]["queues"], doc["state"]["agents"]
    assert [c["caller_name"] for c in queues["12345678"]["waiting"]] == ["John Doe"]
    assert queues["1234567"]["waiting"] == []
    assert {ext: a["status_name"] for ext, a in agents.items()} == {
        "SIPSIP1": "Lunch",
        "SIPSIP2": "Login",
    }
    assert agents["SIPSIP1"]["calls"] == []  # every call of the examples hung up
    assert doc["stats"]["events_total"] == 15


def test_bad_lines_are_reported_with_their_number_and_skipped(use_prefix, tmp_path):
    lines = DOC_FILE.read_text().splitlines()
    raw_doc_join = lines[3].replace('"John Doe"', '"John Doe\u201d')  # as the doc prints it
    source = tmp_path / "events.jsonl"
    source.write_text(
        "\n".join([lines[0], "# a comment", raw_doc_join, "{not json", '{"a": 1}', "", lines[1]])
    )
    out, err = run("replay", str(source))
    assert "replayed 2 events, skipped 3 bad lines" in out
    assert "line 3: not JSON" in err
    assert "line 4: not JSON" in err
    assert 'line 5: not an ["EventName", {payload}] array' in err
    assert list(dump()["state"]["queues"]) == ["12345678", "12345679"]


def test_a_line_nested_too_deep_is_a_bad_line_and_the_replay_goes_on(use_prefix, tmp_path):
    lines = DOC_FILE.read_text().splitlines()
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join([lines[0], "[" * 100_000 + "]" * 100_000, lines[1]]))
    out, err = run("replay", str(source))
    assert "replayed 2 events, skipped 1 bad lines" in out
    assert "line 2: not JSON (nested too deep)" in err
    assert "Traceback" not in err


def test_replay_continues_the_stored_state_and_reset_starts_a_new_epoch(use_prefix):
    run("replay", str(DOC_FILE))
    first = dump()
    run("replay", str(DOC_FILE))
    again = dump()
    assert again["epoch"] == first["epoch"]
    assert again["state"] == first["state"]
    run("replay", "--reset", str(DOC_FILE))
    reset = dump()
    assert reset["epoch"] != first["epoch"]
    assert reset["state"] == first["state"]


def test_a_missing_file_is_a_clear_error(use_prefix, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("replay", str(tmp_path / "nope.jsonl"))


def test_dump_state_of_an_empty_store(use_prefix):
    assert dump() == {
        "epoch": None,
        "seq": 0,
        "state": {"queues": {}, "agents": {}, "today": {}},
        "stats": {},
        "health": {},
        "lease": {"active": None, "workers": []},  # no worker has run
    }


def test_dump_state_says_which_worker_is_active_how_old_its_lease_is_and_who_waits(use_prefix):
    import asyncio

    import redis.asyncio as aioredis

    from realtime.lease import Lease

    async def two_workers() -> None:
        client = aioredis.from_url(settings.REDIS_URL)
        try:
            active, waiting = Lease(client, use_prefix, "w-active"), Lease(client, use_prefix, "w2")
            assert await active.try_take()
            assert not await waiting.try_take()
            await active.write_presence()
            await waiting.write_presence()
        finally:
            await client.aclose()

    asyncio.run(two_workers())
    lease = dump()["lease"]
    assert lease["active"] == "w-active"
    assert 0 < lease["lease_expires_in_s"] <= 8
    assert lease["lease_renewed_s_ago"] >= 0
    assert sorted((w["id"], w["role"]) for w in lease["workers"]) == [
        ("w-active", "active"), ("w2", "standby"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_demo_people_can_sign_in_even_after_a_password_change():
    from django.contrib.auth import authenticate, get_user_model

    from wallboard.agents.roles import role_of
    from wallboard.worker.management.commands.demo import DEMO_EXTENSION, demo_people

    first_link = demo_people("supervisor", "agent", "wallboard-demo")
    user = get_user_model().objects.get(username="supervisor")
    user.set_password("changed")
    user.save()
    again = demo_people("supervisor", "agent", "wallboard-demo")  # the demo starts again
    boss = authenticate(username="supervisor", password="wallboard-demo")
    agent = authenticate(username="agent", password="wallboard-demo")
    assert boss is not None
    assert role_of(boss).supervisor
    assert agent is not None
    assert role_of(agent).extension == DEMO_EXTENSION
    assert role_of(agent).agent
    assert not role_of(agent).supervisor
    assert get_user_model().objects.filter(username="supervisor").count() == 1
    assert again == first_link  # one display link, not one per start
