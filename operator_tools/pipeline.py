"""Folding offset ranges of the log into a target, batch by batch, as fast as it safely goes.

A target whose rows may change under it (the live read models, a shadow being caught up) is
folded one batch after the other: each batch locks and reads its rows, folds, writes, commits.

A fresh target (a new schema with one writer, whose rows are all in its cache) needs nothing from
its tables to fold, so its batches are pipelined: batch k+1 is decoded and folded in a thread
while the event loop writes batch k and aiokafka fetches what comes next. One writer task
writes the batches in log order, each in its own transaction, exactly as `fold_records` would
have; PostgreSQL's work on a batch overlaps Python's on the next."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

from aiokafka import TopicPartition

from operator_tools.fold import (
    FoldStats,
    FoldTarget,
    PlannedBatch,
    Window,
    fold_records,
    plan_from_memory,
    write_planned,
)
from operator_tools.kafka_io import BATCH, OffsetRange, read_ranges
from operator_tools.progress import Advance
from services.kit.db import Pool

IN_TURN_BATCH = BATCH
# A fresh target's batches are bigger: fewer transactions, statements and hand-overs per record
# (measured: 2,000 is a quarter slower, 10,000 no faster).
FRESH_BATCH = 5_000
# Batches folded ahead of the one being written; each holds its rows in memory until written.
PLANNED_AHEAD = 2

Planned = asyncio.Queue[PlannedBatch | None]  # None: no more batches
Planner = Callable[[FoldTarget, list[Any], Window], Awaitable[PlannedBatch]]


async def fold_log(
    bootstrap: str,
    pool: Pool,
    ranges: Mapping[TopicPartition, OffsetRange],
    target: FoldTarget,
    window: Window,
    advance: Advance,
    fold_in_thread: bool = True,
) -> FoldStats:
    """Every record of the ranges folded into the target; offsets stored batch by batch.

    `fold_in_thread`: a fresh target's batches are folded in a thread, so that PostgreSQL writes
    one batch while Python folds the next. When other processes fold beside this one they keep
    the CPUs busy already, and the hand-overs between the threads only cost (measured: 5%)."""
    stats = FoldStats()
    plan = _in_thread if fold_in_thread else _on_loop
    with collector_paused():
        if target.fresh:
            await _fold_pipelined(bootstrap, pool, ranges, target, window, stats, advance, plan)
            # Freed now by reference counting, not walked by the collector once it resumes.
            target.let_go()
        else:
            async for records in read_ranges(bootstrap, ranges, IN_TURN_BATCH):
                await _fold_one(pool, target, records, window, stats, advance)
    return stats


async def _fold_one(
    pool: Pool,
    target: FoldTarget,
    records: list[Any],
    window: Window,
    stats: FoldStats,
    advance: Advance,
) -> None:
    """One batch read, folded and written in one transaction, rows read from the tables."""
    async with pool.acquire() as conn:
        plan = await fold_records(conn, target, records, window)
    inside = sum(1 for record in records if window.holds(record.timestamp))
    stats.add(len(records), inside, len(plan.dead_letters))
    advance(len(records))


async def _fold_pipelined(
    bootstrap: str,
    pool: Pool,
    ranges: Mapping[TopicPartition, OffsetRange],
    target: FoldTarget,
    window: Window,
    stats: FoldStats,
    advance: Advance,
    plan: Planner,
) -> None:
    planned: Planned = asyncio.Queue(maxsize=PLANNED_AHEAD)
    writer = asyncio.create_task(_write_in_order(pool, target, planned, stats, advance))
    try:
        async for records in read_ranges(bootstrap, ranges, FRESH_BATCH):
            if target.fresh:
                await _hand_over(planned, await plan(target, records, window), writer)
            else:  # the cache outgrew its bound: rows come from the tables from now on
                await _finish(planned, writer)
                await _fold_one(pool, target, records, window, stats, advance)
        await _finish(planned, writer)
    finally:
        if not writer.done():
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer


async def _in_thread(target: FoldTarget, records: list[Any], window: Window) -> PlannedBatch:
    """The batch decoded and folded in a thread, so that the event loop goes on meanwhile: the
    interpreter switches threads every few milliseconds, so the writer sends its next statement
    soon after PostgreSQL answers the last, instead of after the whole batch is folded (a third
    faster than folding on the loop). Only this thread touches the target's cache meanwhile;
    the writer reads finished plans only."""
    return await asyncio.to_thread(plan_from_memory, target, records, window)


async def _on_loop(target: FoldTarget, records: list[Any], window: Window) -> PlannedBatch:
    return plan_from_memory(target, records, window)


async def _write_in_order(
    pool: Pool, target: FoldTarget, planned: Planned, stats: FoldStats, advance: Advance
) -> None:
    async with pool.acquire() as conn:
        while (batch := await planned.get()) is not None:
            await write_planned(conn, target, batch)
            stats.add(batch.read, batch.inside, len(batch.plan.dead_letters))
            advance(batch.read)


async def _hand_over(
    planned: Planned, batch: PlannedBatch | None, writer: asyncio.Task[None]
) -> None:
    """Queues a batch for the writer, waiting while it is PLANNED_AHEAD behind; a writer that
    failed raises its error here rather than leave the reader waiting for room forever."""
    put = asyncio.ensure_future(planned.put(batch))
    await asyncio.wait({put, writer}, return_when=asyncio.FIRST_COMPLETED)
    if not put.done():
        put.cancel()
    if writer.done():
        writer.result()  # the writer's error, if it had one
        if batch is not None:
            raise RuntimeError("the rebuild's writer stopped before the last batch")


async def _finish(planned: Planned, writer: asyncio.Task[None]) -> None:
    """Lets the writer write what is queued, and waits for it to end."""
    if not writer.done():
        await _hand_over(planned, None, writer)
    await writer


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """A fold allocates millions of objects (envelopes, rows, parameters) that reference
    counting frees, next to a cache of rows that keeps growing: Python's cycle collector,
    walking the survivors again and again, took a fifth of a rebuild, and found nothing to
    free (the fold makes no reference cycles). It is paused for the fold and resumed after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
