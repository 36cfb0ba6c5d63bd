"""This machine's raw limits, measured against the running stack's own Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from rich.progress import Progress

from dev_tools.bench.report import percentile
from services.kit.kafka_clients import client_kwargs

VALUE_BYTES = 300  # about the data of a small Pressroom event
KEYS = 1_000  # keys spread the records over every partition, like many releases do
COPY_CHUNK = 2_000
COLUMNS = ("stream", "version", "data", "recorded_at")
# Shaped like an event-store row, with its (stream, version) uniqueness.
TABLE_DDL = (
    "CREATE TABLE bench.{} (stream text NOT NULL, version int NOT NULL, data jsonb NOT NULL,"
    " recorded_at timestamptz NOT NULL, PRIMARY KEY (stream, version))"
)


@dataclass(frozen=True)
class Rate:
    """`count` things done in `seconds`."""

    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("nan")


@dataclass(frozen=True)
class Latencies:
    """Samples in milliseconds."""

    samples_ms: list[float]

    def p(self, q: float) -> float:
        return percentile(self.samples_ms, q) if self.samples_ms else float("nan")


def payload(i: int) -> bytes:
    """A JSON object of exactly VALUE_BYTES bytes."""
    base = json.dumps({"n": i, "pad": ""}, separators=(",", ":"))
    return json.dumps(
        {"n": i, "pad": "x" * (VALUE_BYTES - len(base))}, separators=(",", ":")
    ).encode()


def kafka_producer(bootstrap: str) -> AIOKafkaProducer:
    """The durability the services use: every replica acks, no duplicates on retry."""
    return AIOKafkaProducer(**client_kwargs(bootstrap), acks="all", enable_idempotence=True)


@asynccontextmanager
async def bench_topic(bootstrap: str, partitions: int) -> AsyncIterator[str]:
    """A fresh topic for this run, deleted afterwards."""
    name = f"pressroom.bench.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, replication_factor=1)])
        yield name
    finally:
        await admin.delete_topics([name])
        await admin.close()


async def topic_consumer(bootstrap: str, topic: str, partitions: int) -> AIOKafkaConsumer:
    """One consumer, no group, reading every partition from the beginning."""
    consumer = AIOKafkaConsumer(
        **client_kwargs(bootstrap), enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
    return consumer


async def kafka_loop(
    producer: AIOKafkaProducer, consumer: AIOKafkaConsumer, topic: str, n: int, progress: Progress
) -> Rate:
    """N keyed records produced as fast as acks allow; timed until the consumer has them all."""
    values = [payload(i) for i in range(n)]
    task = progress.add_task("Kafka produce→consume", total=n)

    async def produce() -> None:
        acks = [
            await producer.send(topic, v, key=b"k%d" % (i % KEYS)) for i, v in enumerate(values)
        ]
        await asyncio.gather(*acks)

    async def consume() -> None:
        received = 0
        while received < n:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                received += len(records)
                progress.advance(task, len(records))

    start = time.perf_counter()
    await asyncio.gather(produce(), consume())
    return Rate(n, time.perf_counter() - start)


async def kafka_round_trips(
    producer: AIOKafkaProducer, consumer: AIOKafkaConsumer, topic: str, n: int, progress: Progress
) -> Latencies:
    """One record at a time: acked send, then wait until the consumer hands it over."""
    task = progress.add_task("Kafka single-record round trips", total=n)
    samples: list[float] = []
    for i in range(n):
        start = time.perf_counter()
        await producer.send_and_wait(topic, payload(i), key=b"round-trip")
        await consumer.getone()
        samples.append((time.perf_counter() - start) * 1000)
        progress.advance(task)
    return Latencies(samples)


@asynccontextmanager
async def bench_table(conn: asyncpg.Connection) -> AsyncIterator[str]:
    """A fresh table in the `bench` schema, dropped afterwards."""
    name = f"events_{uuid.uuid4().hex[:8]}"
    await conn.execute("CREATE SCHEMA IF NOT EXISTS bench")
    await conn.execute(TABLE_DDL.format(name))
    try:
        yield name
    finally:
        await conn.execute(f"DROP TABLE IF EXISTS bench.{name}")


def _row(stream: str, version: int) -> tuple[str, int, str, datetime]:
    return stream, version, payload(version).decode(), datetime.now(UTC)


async def pg_copy(conn: asyncpg.Connection, table: str, n: int, progress: Progress) -> Rate:
    """Rows/s through binary COPY (copy_records_to_table), chunked for the progress bar."""
    rows = [_row(f"copy-{i % KEYS}", i) for i in range(n)]
    task = progress.add_task("PostgreSQL COPY", total=n)
    start = time.perf_counter()
    for first in range(0, n, COPY_CHUNK):
        chunk = rows[first : first + COPY_CHUNK]
        await conn.copy_records_to_table(table, records=chunk, columns=COLUMNS, schema_name="bench")
        progress.advance(task, len(chunk))
    return Rate(n, time.perf_counter() - start)


async def pg_commits(
    conn: asyncpg.Connection, table: str, n: int, progress: Progress
) -> tuple[Rate, Latencies]:
    """One INSERT per transaction (autocommit), sequentially on one connection."""
    sql = f"INSERT INTO bench.{table} ({', '.join(COLUMNS)}) VALUES ($1, $2, $3, $4)"
    rows = [_row(f"commit-{i % KEYS}", i) for i in range(n)]
    task = progress.add_task("PostgreSQL single-row commits", total=n)
    samples: list[float] = []
    for row in rows:
        start = time.perf_counter()
        await conn.execute(sql, *row)
        samples.append((time.perf_counter() - start) * 1000)
        progress.advance(task)
    return Rate(n, sum(samples) / 1000), Latencies(samples)
