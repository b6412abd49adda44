"""The worker's wiring: the pipeline with its projections, publishing to the boards, from the
settings. Used by the ``voicenter_worker`` and ``replay`` commands (and the benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from realtime.contacts import ContactNames
from realtime.pipeline import Pipeline, Step
from realtime.projections.board import BoardState
from realtime.projections.day import CallRecords, DayCounters
from realtime.publisher import Publisher
from realtime.store import StateStore
from wallboard.core.services import account_tz, day_store, redis_client, state_store


@dataclass(frozen=True)
class Ingest:
    """What the worker and ``replay`` feed events through, wired to the boards."""

    store: StateStore
    publisher: Publisher
    board: BoardState
    pipeline: Pipeline

    async def aclose(self) -> None:
        await self.store.redis.aclose()


def ingest(records: CallRecords | None = None, holder: str = "") -> Ingest:
    """The pipeline with its projections (the board's live state, then the day's numbers,
    which the board shows: loaded after the board's, so today's numbers as counted win over
    the stored board's) and its one step (the day's numbers a batch counted put on the board
    before it commits: ``realtime/pipeline.py``), publishing to the boards. With ``records``,
    the stored call records settle the day's numbers (the worker); with ``holder``, the active
    worker's lease id, every write is fenced by its lease (``realtime/lease.py``)."""
    store = state_store(redis_client("wallboard-worker"), holder)
    publisher = Publisher(store)
    board = BoardState(store, publisher)
    day = DayCounters(
        day_store(store.redis, holder),
        account_tz(),
        settings.WALLBOARD_DAY_START_HOUR,
        board=board,
        records=records,
    )
    contacts = ContactNames(region=settings.CONTACTS_DEFAULT_REGION)
    steps = [Step("today", day.show_counted)]
    pipeline = Pipeline([board, day], account_tz(), contacts, steps, enrichers=[day.enrich])
    return Ingest(store, publisher, board, pipeline)
