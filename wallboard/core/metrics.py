"""``/metrics``: the numbers a monitoring system reads, in Prometheus' text format.

Who may read them (:func:`allowed`): a client whose address is in ``METRICS_ALLOWED_CIDRS``
(default: loopback and the private networks), or a request with ``Authorization: Bearer
<METRICS_TOKEN>`` (compared in constant time; no token set: none is taken). The address is
``REMOTE_ADDR``, as the web server set it: behind the proxy, uvicorn takes it from the
``X-Forwarded-For`` that nginx overwrites, and only from the proxy's address
(``deploy/nginx.conf``, ``docker-compose.yml``, as the sign-in limits do:
``wallboard/core/signin.py``); this module never reads ``X-Forwarded-For`` itself, so a client
cannot choose its address. Anyone else gets a 403 in words and no number.

A scraper asks each web process by its address (``deploy/prometheus.yml``), so its ``Host`` is
that address, which is not in ``ALLOWED_HOSTS``: :class:`MetricsMiddleware` answers an allowed
``GET /metrics`` before Django checks the host (the numbers build no URL from it) and before
the session and the rest; anyone else goes the usual way, to the view's refusal.

Two kinds of numbers, each made at scrape time, never per event:

- **the account's**, the same whichever web process answers: the counters in ``P stats`` (the
  worker's and every web process's: ``docs/protocol.md``) mapped to labelled metrics
  (:data:`FAMILIES`; a key of no known family goes to ``wallboard_stat_total{name}``), the
  worker's batches (:mod:`realtime.telemetry`) as histograms, and the worker's health (``P
  health``: :mod:`realtime.worker`) as gauges; read in one pipelined round trip (:class:`Stored`).
- **this process's**: what the apps register in :data:`PROCESS` (the boards, their frames and
  snapshots: ``wallboard/board/metrics.py``). Several web processes each serve their own; a
  scraper asks each (``deploy/prometheus.yml``).

Every name starts with ``wallboard_``; counters end in ``_total``.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

import orjson
from asgiref.sync import markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from realtime import telemetry
from realtime.lease import lease_status, standby_count
from wallboard.core.services import shared_store

log = logging.getLogger("wallboard.core.metrics")

# No "<name>_created" series beside each counter and histogram: what the text format would
# show as gauges of their own, to no one's use here.
disable_created_metrics()  # type: ignore[no-untyped-call]

#: This web process's own metrics: each app registers its collectors here.
PROCESS = CollectorRegistry(auto_describe=True)
#: Seconds a scrape waits for Redis before serving without the account's numbers.
REDIS_WAIT_S = 2.0
#: The worker counts as up when it wrote its health this recently (as /readyz).
WORKER_UP_S = 10.0
#: A stats key keeps at most this many characters as a label value.
MAX_LABEL = 100


# --- who may read ----------------------------------------------------------------------------


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address_allowed(raw: str) -> bool:
    try:
        ip = ipaddress.ip_address(raw.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in _networks(tuple(settings.METRICS_ALLOWED_CIDRS)))


def _token_allowed(header: str) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = header.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def allowed(request: HttpRequest) -> bool:
    """Whether this request may read the metrics (see the module's docstring)."""
    if _token_allowed(str(request.META.get("HTTP_AUTHORIZATION", ""))):
        return True
    return _address_allowed(str(request.META.get("REMOTE_ADDR", "")))


# --- the account's numbers, from Redis -------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """Stats keys ``<prefix><value>`` as one counter, the value in ``label`` (or, with no
    label, the one key ``prefix``)."""

    prefix: str
    name: str
    help: str
    label: str = ""


#: The known families of ``P stats`` keys (``docs/protocol.md`` lists the keys), first match
#: wins. Keys that are totals of a family (``events_total``, ``rejected_total``) are left out:
#: Prometheus sums the labelled ones.
FAMILIES = (
    Family("events:", "wallboard_events_total",
           "Voicenter events the worker received, by event name (other: names Voicenter does "
           "not document)", "type"),
    Family("rejected:", "wallboard_events_rejected_total",
           "Voicenter events (or parts of them) the worker could not use, by event name "
           "(unreadable: messages the socket could not read)", "type"),
    Family("voicenter_errors", "wallboard_voicenter_errors_total",
           "Voicenter events that carried a non-zero errorCode"),
    Family("deltas_total", "wallboard_deltas_total",
           "Changes the worker committed and published to the boards"),
    Family("rebuilds_total", "wallboard_rebuilds_total",
           "Times the worker rebuilt the board's state from fresh snapshots (new epochs)"),
    Family("broadcast_errors", "wallboard_broadcast_errors_total",
           "Committed changes the worker could not publish to the boards"),
    Family("unmonitored_events", "wallboard_unmonitored_events_total",
           "Events about extensions Voicenter did not list"),
    Family("day_", "wallboard_day_counted_total",
           "The day's numbers as the worker counted them (offered, answered, abandoned, "
           "duplicates ignored, records settling...)", "what"),
    Family("status:", "wallboard_status_changes_total",
           "Status change requests, by outcome (asked, Voicenter's answer, or our refusal)",
           "outcome"),
    Family("click2call:", "wallboard_click2call_total",
           "Click2Call requests, by outcome (Voicenter's answer, or our refusal)", "outcome"),
    Family("callback:", "wallboard_callbacks_total",
           "Call-backs of callers who gave up, by outcome (asked, or our refusal)", "outcome"),
    Family("cdr_", "wallboard_call_records_total",
           "Voicenter's call records (CDR notifications), by outcome: stored, duplicate, "
           "refused, spooled (kept while the database is away), spool_stored, spool_failed",
           "outcome"),
    Family("reports:", "wallboard_reports_kept_total",
           "What the worker kept ready for the reports: agent_days copied to the database, "
           "hours_folded into the roll-ups, failed passes", "what"),
    Family("signin:refused:", "wallboard_signin_refused_total",
           "Sign-in attempts refused by a limit on guessing, by limit", "limit"),
    Family("signin:busy", "wallboard_signin_busy_total",
           "Sign-ins told to try again in a few seconds (too many password checks at once)"),
    Family("board:view_refused", "wallboard_board_view_refused_total",
           "Boards refused the view they asked for (a team not theirs)"),
    Family("http:", "wallboard_http_refused_total",
           "Requests answered with an error before any page: NUL characters, a body too large, "
           "the database unreachable", "reason"),
)  # fmt: skip
#: Keys folded into a family's labelled metric (their sum).
TOTALS = frozenset({"events_total", "rejected_total"})

#: The worker's health fields with a metric of their own; every other number or boolean in
#: ``P health`` is ``wallboard_worker_health{field}`` (new fields appear without code).
HEALTH_OWN = frozenset(
    {"running", "connected", "syncing", "updated_at", "last_event_at", "events_per_s",
     "reconnects", "login_errors"}
)  # fmt: skip

HISTOGRAM_HELP = {
    telemetry.BATCH_EVENTS.name: (
        "wallboard_worker_batch_events",
        "Events in each batch the worker committed",
    ),
    telemetry.EVENT_AGE.name: (
        "wallboard_worker_event_age_seconds",
        "Age of each committed batch's newest event: our commit time minus Voicenter's time",
    ),
    telemetry.COMMIT.name: (
        "wallboard_worker_commit_seconds",
        "Time to commit one batch (the projections' Redis round trips and the publish)",
    ),
    telemetry.REDIS_RTT.name: (
        "wallboard_worker_redis_rtt_seconds",
        "One Redis round trip as the active worker sees it (its lease renewal)",
    ),
}


@dataclass(frozen=True, eq=False)  # (a registry keys its collectors by identity)
class Stored(Collector):
    """The account's numbers as read from Redis at this scrape (``None``: Redis did not
    answer)."""

    stats: Mapping[str, int] | None
    health: Mapping[str, object] | None
    now: float
    lease: Mapping[str, object] | None = None  # realtime.lease.lease_status

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "wallboard_redis_up", "Whether this web process read Redis for this scrape (1) or not"
        )
        up.add_metric([], 0 if self.stats is None else 1)
        yield up
        if self.stats is not None:
            yield from _stats_families(self.stats)
        if self.health is not None:
            yield from _health_families(self.health, self.now)
        if self.lease is not None:
            yield from _lease_families(self.lease, self.health or {})


def _lease_families(lease: Mapping[str, object], health: Mapping[str, object]) -> Iterator[Metric]:
    """Who is active and how fresh its lease is (``realtime/lease.py``), how many workers by
    role, and where the board's data come from (``realtime/fallback.py``)."""
    held = GaugeMetricFamily(
        "wallboard_worker_lease_held", "Whether a worker holds the lease (is active)"
    )
    held.add_metric([], 1.0 if lease.get("active") else 0.0)
    yield held
    for name, key, help_text in (
        ("wallboard_worker_lease_expires_in_seconds", "lease_expires_in_s",
         "Seconds until the active worker's lease expires unless renewed"),
        ("wallboard_worker_lease_renewed_seconds_ago", "lease_renewed_s_ago",
         "Seconds since the active worker last renewed its lease"),
    ):  # fmt: skip
        value = _number(lease.get(key))
        if value is not None:
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], value)
            yield gauge
    roles = GaugeMetricFamily(
        "wallboard_workers",
        "Worker processes by role: the lease's holder, and those seen in the last 30 s waiting",
        labels=["role"],
    )
    roles.add_metric(["active"], 1.0 if lease.get("active") else 0.0)
    roles.add_metric(["standby"], float(standby_count(lease)))
    yield roles
    source = GaugeMetricFamily(
        "wallboard_data_source",
        "Where the board's data come from: Voicenter's socket, its Active calls API while the "
        "socket is down, or none (1 for the current one)",
        labels=["source"],
    )
    now = health.get("source") or "none"  # (the worker writes "socket" while connected)
    for name in ("socket", "api", "none"):
        source.add_metric([name], 1.0 if now == name else 0.0)
    yield source


def _stats_families(stats: Mapping[str, int]) -> Iterator[Metric]:
    labelled: dict[str, CounterMetricFamily] = {}
    for family in FAMILIES:
        labels = [family.label] if family.label else []
        labelled[family.name] = CounterMetricFamily(family.name, family.help, labels=labels)
    other = CounterMetricFamily(
        "wallboard_stat_total", "Other counters of the stats (P stats), by key", labels=["name"]
    )
    for key in sorted(stats):
        value = stats[key]
        if key in TOTALS or telemetry.is_telemetry(key):
            continue
        for family in FAMILIES:
            if family.label and key.startswith(family.prefix):
                labelled[family.name].add_metric([key[len(family.prefix) :][:MAX_LABEL]], value)
                break
            if not family.label and key == family.prefix:
                labelled[family.name].add_metric([], value)
                break
        else:
            other.add_metric([key[:MAX_LABEL]], value)
    for family in FAMILIES:
        metric = labelled[family.name]
        if not family.label and not metric.samples:
            metric.add_metric([], 0)  # a plain counter reads 0 until counted: rate() works
        yield metric
    yield other
    for name, stored in telemetry.read(stats).items():
        metric_name, help_text = HISTOGRAM_HELP[name]
        histogram = HistogramMetricFamily(metric_name, help_text)
        histogram.add_metric(
            [], [(_bound(b), float(c)) for b, c in stored.buckets], sum_value=stored.sum
        )
        yield histogram


def _bound(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else format(bound, "g")


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _health_families(health: Mapping[str, object], now: float) -> Iterator[Metric]:
    def gauge(name: str, help_text: str, value: float | None) -> Iterator[Metric]:
        if value is not None:
            metric = GaugeMetricFamily(name, help_text)
            metric.add_metric([], value)
            yield metric

    updated = _number(health.get("updated_at"))
    age = max(0.0, now - updated) if updated is not None else None
    running = bool(health.get("running"))
    is_up = running and age is not None and age <= WORKER_UP_S
    yield from gauge(
        "wallboard_worker_up",
        f"Whether the worker is running and wrote its health within {WORKER_UP_S:.0f} s",
        1.0 if is_up else 0.0,
    )
    yield from gauge("wallboard_worker_running", "Whether the worker said it runs",
                     _number(running))  # fmt: skip
    yield from gauge("wallboard_worker_connected", "Whether the worker holds Voicenter's socket",
                     _number(health.get("connected")))  # fmt: skip
    yield from gauge("wallboard_worker_syncing",
                     "Whether the worker is connected and waits for Voicenter's snapshots",
                     _number(health.get("syncing")))  # fmt: skip
    yield from gauge("wallboard_worker_health_age_seconds",
                     "Seconds since the worker last wrote its health", age)  # fmt: skip
    last_event = _number(health.get("last_event_at"))
    yield from gauge("wallboard_worker_last_event_age_seconds",
                     "Seconds since the worker last received an event from Voicenter",
                     max(0.0, now - last_event) if last_event is not None else None)  # fmt: skip
    yield from gauge("wallboard_worker_events_per_second",
                     "Events per second the worker received over the last 10 s",
                     _number(health.get("events_per_s")))  # fmt: skip
    for field, help_text in (
        ("reconnects", "Reconnects to Voicenter since the worker started"),
        ("login_errors", "Logins Voicenter refused since the worker started"),
    ):
        value = _number(health.get(field))
        if value is not None:
            counter = CounterMetricFamily(f"wallboard_worker_{field}", help_text)
            counter.add_metric([], value)
            yield counter
    generic = GaugeMetricFamily(
        "wallboard_worker_health",
        "The worker's other health fields that are numbers or booleans (P health), by field",
        labels=["field"],
    )
    for field in sorted(health):
        value = _number(health[field])
        if field not in HEALTH_OWN and value is not None:
            generic.add_metric([field[:MAX_LABEL]], value)
    yield generic


async def read_stored() -> Stored:
    """The stats and the worker's health in one pipelined round trip, the lease in another;
    Redis away or slow:
    neither (the scrape still serves this process's numbers)."""
    store = shared_store()
    try:
        async with asyncio.timeout(REDIS_WAIT_S):
            async with store.redis.pipeline(transaction=False) as pipe:
                pipe.hgetall(store.stats_key)
                pipe.hgetall(store.health_key)
                raw_stats, raw_health = await pipe.execute()
            lease = await lease_status(store.redis, store.prefix)
        stats = {_text(k): int(v) for k, v in raw_stats.items()}
        health = _health(raw_health)
    except Exception as exc:  # Redis away: that is a number too (wallboard_redis_up 0)
        log.warning("metrics without the stored numbers: Redis did not answer (%r)", exc)
        return Stored(None, None, time.time())
    return Stored(stats, health, time.time(), lease)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _health(raw: Mapping[bytes | str, bytes | str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in raw.items():
        try:
            out[_text(key)] = orjson.loads(value)
        except orjson.JSONDecodeError:
            continue
    return out


async def respond() -> HttpResponse:
    """The metrics, as ``/metrics`` answers them to whoever :func:`allowed`."""
    stored = await read_stored()
    # the classic text format's type, as prometheus_client's own server answers by default:
    # every Prometheus reads it
    return HttpResponse(exposition([stored]), content_type=CONTENT_TYPE_PLAIN_0_0_4)


class MetricsMiddleware:
    """``GET /metrics`` from whoever :func:`allowed`, answered here (see the module's
    docstring); every other request passes on. Async only: the web server's event loop."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]]) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info == "/metrics" and request.method == "GET" and allowed(request):
            return await respond()
        return await self.get_response(request)


def exposition(collectors: Iterable[Collector]) -> bytes:
    """The text format of ``collectors`` then of :data:`PROCESS`."""
    scrape = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        scrape.register(collector)
    return generate_latest(scrape) + generate_latest(PROCESS)
