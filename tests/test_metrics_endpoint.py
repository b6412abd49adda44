"""``/metrics`` (wallboard/core/metrics.py, wallboard/board/metrics.py): Prometheus' text
format, who may read it, and numbers that move when things happen: the worker's events by
type against the simulator, a refused status change by outcome, the boards of this process.
(``tests/test_metrics.py`` is about the call center's numbers, not these.)"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import AsyncClient, Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from realtime import messages
from realtime.pipeline import Pipeline
from realtime.projections.board import BoardState
from realtime.publisher import channel, encode, pack, unpack
from realtime.scopes import WHOLE_ACCOUNT, scope
from realtime.simulator.model import CallCenter
from realtime.state import empty_state
from realtime.store import StateStore
from realtime.telemetry import BATCH_EVENTS, Telemetry
from realtime.worker import Health, VoicenterWorker
from tests.helpers import Screen, snap_with_agents, until, worker_config
from tests.served import serving
from wallboard.agents.onboarding import create_agent
from wallboard.board.fanout import fanout

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "metrics-test-token-0123456789"
PUBLIC = "203.0.113.7"  # (TEST-NET-3: a public address of no one)


def families(text: str) -> dict[str, Any]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(text: str, sample: str, default: float = math.nan, **labels: str) -> float:
    """The sample's value (``default`` when it is absent: NaN fails every comparison)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return default


class From(AsyncClient):
    """A client at ``address``: the ASGI scope's ``client``, as uvicorn passes the address it
    took (behind the proxy: from the proxy's X-Forwarded-For), which Django reads as
    REMOTE_ADDR."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def _base_scope(self, **request: Any) -> dict[str, Any]:
        scope: dict[str, Any] = super()._base_scope(**request)  # type: ignore[misc]
        scope["client"] = [self.address, 40000]
        return scope


async def get(address: str, **headers: str) -> HttpResponse:
    """``/metrics`` asked from ``address`` with these headers."""
    return cast(HttpResponse, await From(address).get("/metrics", headers=headers))


async def scrape() -> str:
    response = await get("10.1.2.3")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


# --- who may read ----------------------------------------------------------------------------


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


async def test_a_public_address_without_the_token_is_refused_with_no_number(use_prefix, token):
    response = await get(PUBLIC)
    assert response.status_code == 403
    assert b"wallboard_" not in response.content


async def test_a_forged_forwarded_for_from_a_public_address_does_not_pass(use_prefix, token):
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        for forged in ("10.0.0.1", "127.0.0.1", "for=10.0.0.1"):
            response = await get(PUBLIC, **{header: forged})
            assert response.status_code == 403, (header, forged)


def test_with_the_sync_client_remote_addr_decides_not_the_forwarded_header(use_prefix, token):
    forged = Client(REMOTE_ADDR=PUBLIC).get("/metrics", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert forged.status_code == 403
    private = Client(REMOTE_ADDR="10.0.0.1").get("/metrics", HTTP_X_FORWARDED_FOR=PUBLIC)
    assert private.status_code == 200


async def test_a_scraper_asking_by_the_processes_address_is_answered(use_prefix, token):
    for address, ok in (("172.30.57.5", 200), (PUBLIC, 400)):
        response = await From(address).get("/metrics", headers={"Host": "172.30.57.9:8000"})
        assert response.status_code == ok  # (a stranger: Django's own host check refuses)
    by_token = await From(PUBLIC).get(
        "/metrics", headers={"Host": "172.30.57.9:8000", "Authorization": f"Bearer {TOKEN}"}
    )
    assert by_token.status_code == 200


async def test_a_wrong_token_or_scheme_is_refused_and_the_right_one_passes(use_prefix, token):
    for wrong in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer ", TOKEN, f"Bearer{TOKEN}"):
        response = await get(PUBLIC, Authorization=wrong)
        assert response.status_code == 403, wrong
    right = await get(PUBLIC, Authorization=f"Bearer {TOKEN}")
    assert right.status_code == 200
    assert "wallboard_redis_up" in families(right.content.decode())


async def test_without_a_token_set_no_token_is_taken(use_prefix, settings):
    settings.METRICS_TOKEN = ""
    assert (await get(PUBLIC, Authorization="Bearer ")).status_code == 403


@pytest.mark.parametrize("address", ["10.1.2.3", "127.0.0.1", "192.168.4.5", "172.20.0.9",
                                     "::1", "fd00::5", "::ffff:10.0.0.8"])  # fmt: skip
async def test_loopback_and_private_addresses_are_allowed_by_default(use_prefix, address):
    assert (await get(address)).status_code == 200


async def test_the_allowed_networks_are_a_setting(use_prefix, settings):
    settings.METRICS_ALLOWED_CIDRS = ["198.51.100.0/24"]
    assert (await get("198.51.100.9")).status_code == 200
    assert (await get("10.1.2.3")).status_code == 403
    settings.METRICS_ALLOWED_CIDRS = []
    assert (await get("127.0.0.1")).status_code == 403


async def test_the_refusal_page_is_in_the_readers_language(use_prefix, token):
    response = await get(PUBLIC, Accept="text/html", **{"Accept-Language": "he"})
    assert response.status_code == 403
    assert "אינם" in response.content.decode()  # (the Hebrew of the refusal)


# --- the account's numbers -------------------------------------------------------------------


async def test_every_name_is_ours_counters_end_in_total_and_each_has_help(use_prefix, aredis):
    store = StateStore(aredis, use_prefix)
    await store.add_stats(
        {"events:QueueEvent": 3, "mystery": 2, "status:forbidden": 1, "cdr_stored": 4,
         "signin:refused:account": 5, "events_total": 3}
    )  # fmt: skip
    await store.write_health({"running": True, "updated_at": time.time(), "lease_age_s": 1.5})
    text = await scrape()
    found = families(text)
    assert found
    for name, family in found.items():
        assert name.startswith("wallboard_"), name
        assert family.documentation, name
        if family.type == "counter" and family.samples:  # (a family none counted yet: empty)
            assert any(s.name == f"{name}_total" for s in family.samples), name
    assert value(text, "wallboard_events_total", type="QueueEvent") == 3
    assert value(text, "wallboard_stat_total", name="mystery") == 2  # unknown: generic
    assert value(text, "wallboard_status_changes_total", outcome="forbidden") == 1
    assert value(text, "wallboard_call_records_total", outcome="stored") == 4
    assert value(text, "wallboard_signin_refused_total", limit="account") == 5
    assert value(text, "wallboard_stat_total", name="events_total") != 3  # folded, not generic
    assert value(text, "wallboard_worker_up") == 1
    assert value(text, "wallboard_worker_health", field="lease_age_s") == 1.5  # new: generic


async def test_a_stale_or_stopped_worker_is_down_and_redis_away_is_said(use_prefix, aredis):
    store = StateStore(aredis, use_prefix)
    await store.write_health({"running": True, "updated_at": time.time() - 60})
    text = await scrape()
    assert value(text, "wallboard_worker_up") == 0
    assert value(text, "wallboard_worker_health_age_seconds") >= 59
    assert value(text, "wallboard_redis_up") == 1


async def test_the_lease_the_workers_by_role_and_the_data_source_show(use_prefix, aredis):
    from realtime.lease import Lease

    active, standby = Lease(aredis, use_prefix, "a"), Lease(aredis, use_prefix, "b")
    assert await active.try_take()
    assert not await standby.try_take()
    await active.write_presence()
    await standby.write_presence()
    await StateStore(aredis, use_prefix).write_health(
        {"running": True, "connected": False, "source": "api", "updated_at": time.time()}
    )
    text = await scrape()
    assert value(text, "wallboard_worker_lease_held") == 1
    assert 0 < value(text, "wallboard_worker_lease_expires_in_seconds") <= 8
    assert value(text, "wallboard_workers", role="active") == 1
    assert value(text, "wallboard_workers", role="standby") == 1
    assert value(text, "wallboard_data_source", source="api") == 1
    assert value(text, "wallboard_data_source", source="socket") == 0


async def test_with_redis_out_of_reach_the_process_numbers_are_still_served(use_prefix):
    from wallboard.core import services

    with override_settings(REDIS_URL="redis://127.0.0.1:9/0"):  # nothing listens there
        services._shared.clear()  # this loop's store: built again from the setting
        try:
            text = await scrape()
        finally:
            services._shared.clear()
    assert value(text, "wallboard_redis_up") == 0
    assert "wallboard_boards" in families(text)
    assert "127.0.0.1:9" not in text


@pytest.fixture
async def sim():
    model = CallCenter(agents=6, queues=2, calls_per_minute=240, speed=20, seed=3, now=time.time())
    async with serving(model) as simulator:
        yield simulator


async def test_the_workers_events_by_type_and_its_batches_show(sim, store, use_prefix):
    pipeline = Pipeline([BoardState(store)])
    worker = VoicenterWorker(worker_config(sim.base), pipeline, store)
    task = asyncio.create_task(worker.run())
    try:
        await until(lambda: snap_with_agents(store))

        async def counted() -> dict[str, int] | None:
            stats = await store.stats()
            return (
                stats
                if stats.get("events:QueueEvent") and stats.get("telemetry:batch_events:sum")
                else None
            )

        stats = await until(counted, within_s=20)
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)
        await worker.client.aclose()
    text = await scrape()
    assert value(text, "wallboard_events_total", type="QueueEvent") >= stats["events:QueueEvent"]
    assert value(text, "wallboard_events_total", type="loginStatus") >= 1
    assert value(text, "wallboard_worker_running") == 0  # stopped cleanly
    found = families(text)
    for name in ("wallboard_worker_batch_events", "wallboard_worker_commit_seconds",
                 "wallboard_worker_event_age_seconds",
                 "wallboard_worker_redis_rtt_seconds"):  # fmt: skip
        assert found[name].type == "histogram"
    batches = value(text, "wallboard_worker_batch_events_count")
    assert batches >= 1
    assert value(text, "wallboard_worker_batch_events_bucket", le="+Inf") == batches
    assert value(text, "wallboard_worker_commit_seconds_count") == batches
    ages = value(text, "wallboard_worker_event_age_seconds_count")  # (Voicenter's times: ages)
    assert 1 <= ages <= batches
    assert value(text, "wallboard_worker_batch_events_sum") >= batches


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("roles_and_statuses", "close_thread_connections")
async def test_a_refused_status_change_shows_by_outcome(use_prefix, aredis, settings):
    settings.VOICENTER_API_CODE = "demo-code"
    live = empty_state()
    live["agents"] = cast(  # (cut down: what the status view reads)
        Any, {ext: {"extension": ext, "user_id": uid} for ext, uid in (("SIP1", 1), ("SIP2", 2))}
    )
    await StateStore(aredis, use_prefix).reset(live)
    await sync_to_async(create_agent)(
        "alice", password="pw-123456", voicenter_user_id="1", extension="SIP1"
    )
    client = AsyncClient()
    await client.aforce_login(await User.objects.aget(username="alice"))
    refused = await client.post("/agents/status", {"extension": "SIP2", "status": 2})
    assert refused.status_code == 403
    text = await scrape()
    assert value(text, "wallboard_status_changes_total", outcome="forbidden") == 1


# --- this process's boards -------------------------------------------------------------------


async def test_this_processes_boards_show_by_scope_with_their_frames(store, use_prefix):
    hub = fanout(store.redis, store.prefix)
    team = scope(["1"], ["SIP1"])
    screens = [(Screen(), WHOLE_ACCOUNT), (Screen(), team), (Screen(), team)]
    boards = []
    for screen, within in screens:
        board = await hub.join(screen, within)
        board.took_snapshot("E", 0)
        await board.go_live()
        boards.append(board)
    try:
        before = value(await scrape(), "wallboard_board_frames_total", default=0)
        for seq in (1, 2):
            frame = messages.delta("E", seq, {"agents": {"del": [f"X{seq}"]}})
            await store.redis.publish(channel(store.prefix), pack("delta", "E", seq, encode(frame)))
        await until(lambda: all(screen.texts for screen, _ in screens))
        text = await scrape()
        assert value(text, "wallboard_boards") == 3
        assert value(text, "wallboard_boards_by_scope", kind="account", scope="all") == 1
        assert value(text, "wallboard_boards_by_scope", kind="team", scope=team.key) == 2
        assert value(text, "wallboard_board_frames_total") >= before + 3
        assert value(text, "wallboard_board_messages_total") >= 2
        coalesced = value(text, "wallboard_board_coalesced_total")
        runs = [unpack(pack("delta", "E", seq, encode(messages.delta("E", seq, {}))))
                for seq in (3, 4, 5)]  # fmt: skip
        await hub.deliver(runs)  # three consecutive deltas: one frame
        assert value(await scrape(), "wallboard_board_coalesced_total") == coalesced + 2
    finally:
        for board in boards:
            await hub.leave(board)
    assert value(await scrape(), "wallboard_boards") == 0


# --- deploy/ ---------------------------------------------------------------------------------


async def test_the_dashboard_and_the_docs_name_only_metrics_we_serve(use_prefix, aredis):
    store = StateStore(aredis, use_prefix)
    await store.write_health(
        Health(running=True, last_event_at=time.time()).as_mapping(time.time())
    )
    labelled = (
        "events:QueueEvent",
        "rejected:QueueEvent",
        "day_offered",
        "status:ok",
        "click2call:ok",
        "callback:asked",
        "cdr_stored",
        "signin:refused:address",
    )
    await store.add_stats(dict.fromkeys(labelled, 1))  # (labelled families: a sample each)
    await store.add_stats(Telemetry().take() | {BATCH_EVENTS.keys[0]: 1})
    from realtime.lease import Lease

    assert await Lease(aredis, use_prefix, "active").try_take()  # (the lease's gauges)
    samples: set[str] = set()  # every name an expression may use
    named: set[str] = set()  # each metric as the docs name it
    for family in text_string_to_metric_families(await scrape()):
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum", ""]}
        samples |= {family.name + end for end in suffixes.get(family.type, [""])}
        named.add(family.name + ("_total" if family.type == "counter" else ""))
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 10
    assert {p["type"] for p in dashboard["panels"]} <= {"timeseries", "stat"}  # Grafana's kinds
    for expr in exprs:
        names = set(re.findall(r"\bwallboard_[a-z0-9_]+", expr))
        assert names, expr
        assert names <= samples, (expr, names - samples)
    deployment = (ROOT / "docs" / "deployment.md").read_text()
    monitoring = deployment[deployment.index("## Monitoring") :]
    documented = set(re.findall(r"`(wallboard_[a-z0-9_]+)", monitoring))
    assert len(documented) >= 30
    assert documented == named  # every metric served is documented, and only those


def test_the_scrape_config_reads_the_token_from_a_file():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "wallboard-web"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
    assert job["authorization"]["credentials_file"]


def test_the_public_proxy_serves_no_metrics():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    block = re.search(r"location = /metrics \{([^}]*)\}", conf)
    assert block is not None
    assert "return 404;" in block.group(1)
    assert "proxy_pass" not in block.group(1)
