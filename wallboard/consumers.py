"""The wallboard websocket (``/ws/wallboard/``): a snapshot, then the broadcast frames.

Only signed-in users get data (Django session, through ``AuthMiddlewareStack``); the ASGI
router also checks the Origin against ``ALLOWED_HOSTS``. The frames are specified in
:mod:`realtime.messages`; this module only moves them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import orjson
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from realtime import messages
from wallboard.broadcast import GROUP, encode
from wallboard.services import shared_store

log = logging.getLogger("wallboard.consumers")

#: Close code for "not signed in" (4000-4999 are the application's; 4401 mirrors HTTP 401).
CLOSE_UNAUTHENTICATED = 4401


class BoardConsumer(AsyncWebsocketConsumer):
    epoch: str | None = None
    seq = 0
    _heartbeat: asyncio.Task | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)  # before accept: the handshake fails
            return
        self.store = shared_store()
        await self.accept()
        # Join first, then read: a delta committed meanwhile waits in our channel and is
        # dropped below if the snapshot already holds it.
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.send_snapshot()
        self._heartbeat = asyncio.create_task(self._beat())

    async def disconnect(self, code) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            request = messages.parse_client_message(orjson.loads(text_data or bytes_data or b""))
        except orjson.JSONDecodeError:
            await self._error("bad_json", "a message must be JSON text")
            return
        except messages.BadMessage as exc:
            await self._error(exc.code, str(exc))
            return
        if request == "resync":
            await self.send_snapshot()

    async def board_frame(self, event: dict) -> None:
        """A frame broadcast by the worker (see ``wallboard/broadcast.py``)."""
        kind, epoch, seq = event["kind"], event["epoch"], event["seq"]
        if kind == "delta":
            if not messages.forward_delta(self.epoch, self.seq, epoch, seq):
                return  # already in the snapshot this board got
            if epoch == self.epoch:
                self.seq = seq
        elif kind == "snapshot":
            self.epoch, self.seq = epoch, seq
        await self.send(text_data=event["text"])

    async def send_snapshot(self) -> None:
        snap = await self.store.snapshot()
        health = await self.store.health()
        self.epoch, self.seq = snap.epoch, snap.seq
        frame = messages.snapshot(
            snap.epoch, snap.seq, snap.state, server_time=time.time(), health=health
        )
        await self.send(text_data=encode(frame))

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(settings.WALLBOARD_HEARTBEAT_S)
            try:
                epoch, seq, health = await self.store.position()
            except Exception:  # Redis away: the board sees no heartbeat and says so
                log.exception("heartbeat: cannot read the state's position")
                continue
            frame = messages.heartbeat(epoch, seq, server_time=time.time(), health=health)
            await self.send(text_data=encode(frame))

    async def _error(self, code: str, message: str) -> None:
        log.info("bad message from a board: %s", message)
        await self.send(text_data=encode(messages.error(self.epoch, self.seq, code, message)))
