"""`pressroom bench-rebuild`: how fast a read model rebuilds from offset 0, next to the raw
aiokafka consume rate and the raw asyncpg COPY rate measured in the same run, on a topic and a
schema of its own (both removed afterwards), so the stack's data is never touched."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaProducer
from rich.progress import Progress

from dev_tools.bench import raw
from dev_tools.bench.cpu_use import CpuUse, ceiling, cpu_use
from dev_tools.bench.machine import conditions, cpu_times, load_average, machine, postgres_settings
from dev_tools.bench.rebuild_events import lifecycle_records
from dev_tools.bench.report import Figure, Report
from events.kafka import KafkaRecord
from operator_tools.fold import WHOLE_LOG, FoldTarget
from operator_tools.kafka_io import BATCH, Ranges, log_ranges, reader
from operator_tools.progress import Advance
from operator_tools.replay import fold_ranges
from operator_tools.schemas import create_projection_schema, drop_schema
from services.kit.settings import Settings

SECTION = "Rebuild from offset 0"
TARGET_SHARE = 0.40  # of the slower raw rate
REAPED_AFTER_S = 0.5


@dataclass(frozen=True)
class RebuildResults:
    events: int
    consume: raw.Rate
    copy: raw.Rate
    rebuild: raw.Rate
    cpu: CpuUse  # during the rebuild
    cpus: int

    @property
    def slower_raw(self) -> float:
        return min(self.consume.per_second, self.copy.per_second)


async def produce(
    bootstrap: str, topic: str, records: list[KafkaRecord], progress: Progress
) -> None:
    task = progress.add_task("Producing the events", total=len(records))
    producer = raw.kafka_producer(bootstrap)
    await producer.start()
    try:
        for first in range(0, len(records), raw.COPY_CHUNK):
            chunk = records[first : first + raw.COPY_CHUNK]
            acks = [await _send(producer, topic, r) for r in chunk]
            await asyncio.gather(*acks)
            progress.advance(task, len(chunk))
    finally:
        await producer.stop()


async def _send(
    producer: AIOKafkaProducer, topic: str, record: KafkaRecord
) -> asyncio.Future[object]:
    ack: asyncio.Future[object] = await producer.send(
        topic, record.value, key=record.key, headers=record.headers
    )
    return ack


async def raw_consume(bootstrap: str, ranges: Ranges, progress: Progress) -> raw.Rate:
    """A plain aiokafka consumer (the rebuild's fetch sizes) reading every record, nothing else."""
    total = sum(r.count for r in ranges.values())
    task = progress.add_task("Raw aiokafka consume", total=total)
    consumer = reader(bootstrap)
    await consumer.start()
    try:
        consumer.assign(list(ranges))
        for tp, offsets in ranges.items():
            consumer.seek(tp, offsets.start)
        count, start = 0, time.perf_counter()
        while count < total:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=BATCH)).values():
                count += len(records)
                progress.advance(task, len(records))
        return raw.Rate(count, time.perf_counter() - start)
    finally:
        await consumer.stop()


async def rebuild(
    settings: Settings, topic_ranges: Ranges, schema: str, progress: Progress
) -> tuple[raw.Rate, CpuUse]:
    pool = await asyncpg.create_pool(settings.pg_dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await create_projection_schema(conn, schema)
        sink = _ProgressSink(progress)
        before = cpu_use(settings)
        # The whole call, the worker processes' start, the last offsets and the collector's
        # catching up included.
        start = time.perf_counter()
        stats = await fold_ranges(settings, pool, topic_ranges, FoldTarget(schema), WHOLE_LOG, sink)
        seconds = time.perf_counter() - start
    finally:
        await pool.close()
    # The postmaster adds a backend's CPU to its own count when it reaps the backend, a moment
    # after the connection closed.
    await asyncio.sleep(REAPED_AFTER_S)
    return raw.Rate(stats.read, seconds), cpu_use(settings) - before


class _ProgressSink:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def task(self, description: str, total: int | None) -> Advance:
        task = self.progress.add_task("Rebuild (shadow schema)", total=total)
        return lambda steps: self.progress.advance(task, steps)


@asynccontextmanager
async def scratch(settings: Settings) -> AsyncIterator[tuple[str, str]]:
    """A topic and a schema name of this run; both are removed afterwards."""
    async with raw.bench_topic(settings.kafka_bootstrap, settings.topic_partitions) as topic:
        schema = f"bench_rebuild_{uuid.uuid4().hex[:8]}"
        try:
            yield topic, schema
        finally:
            conn = await asyncpg.connect(settings.pg_dsn)
            try:
                await drop_schema(conn, schema)
            finally:
                await conn.close()


async def measure(settings: Settings, events: int, progress: Progress) -> RebuildResults:
    records = lifecycle_records(events, datetime.now(UTC) - timedelta(hours=1))
    async with scratch(settings) as (topic, schema):
        await produce(settings.kafka_bootstrap, topic, records, progress)
        ranges = await log_ranges(settings.kafka_bootstrap, (topic,))
        consume = await raw_consume(settings.kafka_bootstrap, ranges, progress)
        conn = await asyncpg.connect(settings.pg_dsn)
        try:
            async with raw.bench_table(conn) as table:
                copy = await raw.pg_copy(conn, table, len(records), progress)
        finally:
            await conn.close()
        rebuilt, cpu = await rebuild(settings, ranges, schema, progress)
    return RebuildResults(len(records), consume, copy, rebuilt, cpu, len(os.sched_getaffinity(0)))


def figures(r: RebuildResults) -> list[Figure]:
    name, rate = "Rebuild: events folded into a shadow schema", r.rebuild.per_second
    return [
        Figure(SECTION, "Raw aiokafka consume", r.consume.per_second, "msg/s"),
        Figure(SECTION, "Raw asyncpg COPY", r.copy.per_second, "rows/s"),
        Figure(SECTION, name, rate, "events/s", "aiokafka consume", r.consume.per_second, "msg/s"),
        Figure(SECTION, name, rate, "events/s", "asyncpg COPY", r.copy.per_second, "rows/s"),
        Figure(
            SECTION,
            name,
            rate,
            "events/s",
            f"target {TARGET_SHARE:.0%} of the slower raw",
            TARGET_SHARE * r.slower_raw,
            "events/s",
        ),
        *cpu_figures(r),
    ]


def cpu_figures(r: RebuildResults) -> list[Figure]:
    """The CPU the rebuild took per event, by whom, and the rate the machine's CPUs allow at
    that cost (the rebuild is CPU-bound: a faster rebuild needs less CPU per event or more CPUs)."""
    per_event = {
        "Rebuild CPU per event: Python (this process and its workers)": r.cpu.python,
        "Rebuild CPU per event: PostgreSQL backends": r.cpu.postgres,
        "Rebuild CPU per event: Kafka broker": r.cpu.kafka,
    }
    figures = [
        Figure(SECTION, name, seconds / r.events * 1e6, "µs")
        for name, seconds in per_event.items()
        if seconds is not None
    ]
    name = f"Rebuild ceiling: {r.cpus} CPUs / CPU per event"
    top = ceiling(r.cpus, r.cpu.total / r.events)
    target = TARGET_SHARE * r.slower_raw
    return [*figures, Figure(SECTION, name, top, "events/s", "target", target, "events/s")]


async def run_rebuild_bench(settings: Settings, events: int, progress: Progress) -> Report:
    load_before, cpu_before = load_average(), cpu_times()
    conn = await asyncpg.connect(settings.pg_dsn)
    try:
        pg = await postgres_settings(conn)
    finally:
        await conn.close()
    results = await measure(settings, events, progress)
    return Report(
        title=f"pressroom bench-rebuild, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine=machine(settings, pg) | conditions(load_before, cpu_before),
        settings={
            "events": f"{results.events:,} (drafting lifecycles: created, 2 revisions, submitted)",
            "partitions": str(settings.topic_partitions),
        },
        figures=figures(results),
    )
