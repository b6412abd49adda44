"""``python manage.py voicenter_worker``: hold Voicenter's realtime socket (see
:mod:`realtime.worker`), or wait on standby while another worker does (the lease:
:mod:`realtime.lease`); run two or more for a worker that takes over. SIGTERM and Ctrl-C stop it
cleanly (the active one gives its lease up)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand

from realtime.lease import Lease
from realtime.worker import Standby, VoicenterWorker, WorkerConfig
from wallboard.contacts import directory
from wallboard.core import services
from wallboard.core.errors import count
from wallboard.reports import keeper, rules
from wallboard.reports.records import StoredRecords
from wallboard.worker import wiring


def worker_config() -> WorkerConfig:
    s = settings
    return WorkerConfig(
        login_type=s.VOICENTER_LOGIN_TYPE,
        credentials={
            "token": s.VOICENTER_TOKEN,
            "username": s.VOICENTER_USERNAME,
            "password": s.VOICENTER_PASSWORD,
            "email": s.VOICENTER_EMAIL,
            "pin": s.VOICENTER_PIN,
        },
        login_url=s.VOICENTER_LOGIN_URL,
        refresh_url=s.VOICENTER_REFRESH_URL,
        keepalive_s=s.VOICENTER_KEEPALIVE_S,
        dead_after_s=s.VOICENTER_DEAD_AFTER_S,
        reconnect_min_s=s.VOICENTER_RECONNECT_MIN_S,
        reconnect_max_s=s.VOICENTER_RECONNECT_MAX_S,
    )


log = logging.getLogger("wallboard.board.worker")
#: Seconds between two checks that the contact directory is still in Redis.
CONTACTS_CHECK_S = 30.0


class Command(BaseCommand):
    help = "Connect to Voicenter's realtime API and keep the wallboard state in Redis."

    def handle(self, *args: object, **options: Any) -> None:
        services.ensure_redis()
        self._publish_contacts()  # our contacts' names for the callers (Redis may have lost them)
        self._publish_rules()  # the queues' rules for today's numbers (likewise)
        # What was made at start (Django, the apps) lives as long as the process: out of the
        # collector's sight, so its full passes walk only the worker's own state, as the web
        # process does (wallboard/asgi.py; bench/bench_ingest.py starts its worker so too).
        gc.collect()
        gc.freeze()
        asyncio.run(self._run())

    def _publish_contacts(self) -> None:
        try:
            self.stdout.write(f"contact directory: {directory.publish_all()} numbers")
        except Exception:
            log.exception("contact directory not published")

    def _publish_rules(self) -> None:
        try:
            self.stdout.write(f"queue settings: {rules.publish_all()} queues")
        except Exception:
            log.exception("queue settings not published")

    async def _keep_contacts(self, lease: Lease) -> None:
        """While this worker holds the lease, publish the contact directory and the queues'
        rules again whenever Redis has lost them (the worker then reloads them,
        realtime/contacts.py): the web's data, not fenced (realtime/lease.py)."""
        while True:
            await asyncio.sleep(CONTACTS_CHECK_S)
            if lease.role != "active":
                continue
            try:
                if await sync_to_async(directory.lost)():
                    log.warning("the contact directory was gone from Redis: publishing it again")
                    await sync_to_async(self._publish_contacts)()
                if await sync_to_async(rules.lost)():
                    log.warning("the queue settings were gone from Redis: publishing them again")
                    await sync_to_async(self._publish_rules)()
            except Exception:  # Redis away: the worker's own reconnects report it
                log.debug("cannot check the contact directory", exc_info=True)

    async def _keep_reports(self, lease: Lease) -> None:
        """While this worker holds the lease, keep the reports ready (the agents' days in the
        database, the roll-ups folded: ``wallboard/reports/keeper.py``), on a thread of its own."""
        while True:
            await asyncio.sleep(settings.WALLBOARD_REPORTS_KEEP_S)
            if lease.role != "active":
                continue
            try:
                await sync_to_async(keeper.keep_on_thread, thread_sensitive=False)()
            except Exception:  # the database or Redis away: the next pass tries again
                log.exception("the reports were not kept ready")
                await sync_to_async(count)("reports:failed")

    async def _run(self) -> None:
        lease_redis = services.redis_client("wallboard-worker-lease")
        lease = Lease(lease_redis, settings.WALLBOARD_REDIS_PREFIX)
        wirings: dict[int, wiring.Ingest] = {}

        async def make(lease: Lease) -> VoicenterWorker:
            # (a fresh pipeline each term: it loads what the worker before left in Redis; the
            # stored call records settle the day's numbers, and rebuild a day Redis lost)
            wired = wiring.ingest(records=StoredRecords(), holder=lease.id)
            worker = VoicenterWorker(
                worker_config(),
                wired.pipeline,
                wired.store,
                on_link=wired.publisher.link_changed,
                lease=lease,
                rest=services.voicenter_client(),  # live calls while the socket is down
            )
            wirings[id(worker)] = wired
            return worker

        async def close(worker: VoicenterWorker) -> None:
            await worker.client.aclose()
            await worker.rest.aclose()
            await wirings.pop(id(worker)).aclose()

        standby = Standby(lease, make, close)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, standby.stop)
        self.stdout.write(
            f"Voicenter worker {lease.id}: logging in at {settings.VOICENTER_LOGIN_URL} "
            "once it holds the lease"
        )
        keeping = [
            asyncio.create_task(self._keep_contacts(lease)),
            asyncio.create_task(self._keep_reports(lease)),
        ]
        try:
            await standby.run()
        finally:
            for task in keeping:
                task.cancel()
            await lease_redis.aclose()
        self.stdout.write("Voicenter worker stopped")
