"""A web process's task that runs while it has boards: the first board to join starts it, the
last to leave stops it (``wallboard/board/heartbeat.py``, ``wallboard/teams/live.py``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Generic, TypeVar

B = TypeVar("B")


class WhileBoards(Generic[B]):
    """``boards`` joined; :meth:`_run` runs while there are any (it returns once there are
    none, or is cancelled by the last :meth:`leave`)."""

    def __init__(self) -> None:
        self.boards: set[B] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def join(self, board: B) -> None:
        self.boards.add(board)
        if not self.running:
            self._task = asyncio.create_task(self._run())

    async def leave(self, board: B) -> None:
        self.boards.discard(board)
        if not self.boards and self._task is not None:
            task, self._task = self._task, None
            if task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        raise NotImplementedError
