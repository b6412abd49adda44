"""``python manage.py voicenter_worker``: hold Voicenter's realtime socket (see
:mod:`realtime.worker`). SIGTERM and Ctrl-C stop it cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from realtime.worker import VoicenterWorker, WorkerConfig
from wallboard.board import services


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


class Command(BaseCommand):
    help = "Connect to Voicenter's realtime API and keep the wallboard state in Redis."

    def handle(self, *args: object, **options: Any) -> None:
        services.ensure_redis()
        try:  # our contacts' names for the callers on the board (Redis may have lost them)
            from wallboard.contacts.directory import publish_all

            self.stdout.write(f"contact directory: {publish_all()} numbers")
        except Exception:
            logging.getLogger(__name__).exception("contact directory not published")
        asyncio.run(self._run())

    async def _run(self) -> None:
        wired = services.ingest()
        await wired.pipeline.load()
        worker = VoicenterWorker(
            worker_config(), wired.pipeline, wired.store, on_link=wired.publisher.link_changed
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stop)
        self.stdout.write(f"Voicenter worker: logging in at {settings.VOICENTER_LOGIN_URL}")
        try:
            await worker.run()
        finally:
            await worker.client.aclose()
            await wired.aclose()
        self.stdout.write("Voicenter worker stopped")
