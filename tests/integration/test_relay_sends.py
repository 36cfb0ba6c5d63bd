"""The relay hands Kafka one record batch per partition (services/kit/relay_sends.py): each row on
the partition aiokafka's `send` would choose for its key, in order within it; and a batch Kafka
refuses for good costs only the row at fault, not the rows batched with it."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from events.catalog import REGISTRY
from events.kafka import KafkaRecord
from services.kit.db import Pool
from services.kit.eventstore import EventStore
from services.kit.kafka_clients import client_kwargs
from services.kit.relay import OutboxRelay
from services.kit.settings import Settings
from services.kit.topic_specs import TopicSpec, topic_specs
from services.kit.topics_admin import ensure_topics
from tests.integration.pg_faults import scratch_schema
from tests.support import eventually

pytestmark = pytest.mark.integration
KEYS = [f"release-{i}".encode() for i in range(12)]


async def test_each_row_goes_to_the_partition_send_would_choose_in_order(infra: Settings) -> None:
    topic = await _topic(infra, "sends")
    chosen = await _partitions_send_chooses(infra, topic, KEYS)
    rows = [(KEYS[n % len(KEYS)], str(n).encode()) for n in range(120)]
    async with scratch_schema(infra, "relay_sends") as (pool, schema), _relay(infra, pool, schema):
        await _to_outbox(pool, schema, topic, rows)
        await eventually(lambda: _emptied(pool, schema), 60, "the outbox emptied")
    placed = await _read_with_partitions(infra, topic, len(KEYS) + len(rows))
    by_key: dict[bytes, list[int]] = defaultdict(list)
    for partition, key, value in placed:
        if value.isdigit():  # not one of the probes `send` placed
            assert partition == chosen[key], f"{key!r} on {partition}, send chose {chosen[key]}"
            by_key[key].append(int(value))
    assert sum(len(numbers) for numbers in by_key.values()) == len(rows)
    for key, numbers in by_key.items():
        assert numbers == sorted(numbers), f"{key!r} out of order: {numbers}"


async def test_a_batch_kafka_refuses_sets_aside_only_the_row_at_fault(infra: Settings) -> None:
    # Kafka refuses a record batch larger than the topic's max.message.bytes, whole: every row of
    # one release shares a batch, so before, one row too large for this topic (within the
    # producer's own limit, so `send` took it) set aside the nine small rows sent with it.
    topic = await _topic(infra, "refused", {"max.message.bytes": "2000"})
    rows = [(b"one-release", str(n).encode()) for n in range(5)]
    rows += [(b"one-release", b"x" * 5000)]
    rows += [(b"one-release", str(n).encode()) for n in range(5, 10)]
    scratch = scratch_schema(infra, "relay_refused")
    async with scratch as (pool, schema), _relay(infra, pool, schema) as failures:
        await _to_outbox(pool, schema, topic, rows)
        await eventually(lambda: _only_set_aside_left(pool, schema), 60, "the outbox settled")
        aside = await pool.fetch(f"SELECT value, set_aside_reason FROM {schema}.outbox")
        # The relay started over with a new producer (aiokafka's idempotent one cannot send on
        # that partition again): what follows goes out.
        await eventually(lambda: _restarted(failures), 60, "the relay starting over")
        await _to_outbox(pool, schema, topic, [(b"one-release", b"10")])
        await eventually(lambda: _only_set_aside_left(pool, schema), 60, "the row after")
    assert [row["value"] for row in aside] == [b"x" * 5000]
    assert "MessageSizeTooLarge" in aside[0]["set_aside_reason"]
    placed = await _read_with_partitions(infra, topic, 11)
    assert [int(value) for _, _, value in placed] == list(range(11))
    assert [type(f).__name__ for f in failures] == ["ProducerSpent"]


async def _topic(infra: Settings, name: str, configs: dict[str, str] | None = None) -> str:
    topic = f"pressroom.test.{name}-{uuid.uuid4().hex[:8]}"
    spec = topic_specs(infra, (topic,))[0]
    spec = TopicSpec(spec.name, 4, spec.replication_factor, {**spec.configs, **(configs or {})})
    await ensure_topics(infra.kafka_bootstrap, [spec])
    return topic


async def _partitions_send_chooses(
    infra: Settings, topic: str, keys: Sequence[bytes]
) -> dict[bytes, int]:
    producer = AIOKafkaProducer(**client_kwargs(infra.kafka_bootstrap))
    await producer.start()
    try:
        return {key: (await producer.send_and_wait(topic, b"probe", key=key)).partition
                for key in keys}  # fmt: skip
    finally:
        await producer.stop()


@asynccontextmanager
async def _relay(infra: Settings, pool: Pool, schema: str) -> AsyncIterator[list[Exception]]:
    """The relay started over after a failure, as services/kit/runtime.py does; yields the
    failures it started over after."""
    store, stop, failures = EventStore(schema, REGISTRY), asyncio.Event(), []
    relays: list[OutboxRelay] = []

    async def supervised() -> None:
        while not stop.is_set():
            relays.append(OutboxRelay(pool, schema, infra.kafka_bootstrap, store.notify_channel))
            try:
                await relays[-1].run(stop)
            except Exception as error:
                failures.append(error)

    running = asyncio.create_task(supervised())
    await eventually(lambda: _led(relays), 60, "the relay leading")
    try:
        yield failures
    finally:
        stop.set()
        relays[-1].wake.set()
        await asyncio.wait_for(running, timeout=30)


async def _led(relays: list[OutboxRelay]) -> bool:
    return bool(relays) and relays[-1].led


async def _to_outbox(
    pool: Pool, schema: str, topic: str, rows: Sequence[tuple[bytes, bytes]]
) -> None:
    """In one transaction: the relay reads them in one batch."""
    store = EventStore(schema, REGISTRY)
    records = [(topic, KafkaRecord(key, value, [("test", b"relay-sends")])) for key, value in rows]
    async with pool.acquire() as conn, conn.transaction():
        await store.rows_to_outbox(conn, records)


async def _restarted(failures: list[Exception]) -> bool:
    return bool(failures)


async def _emptied(pool: Any, schema: str) -> bool:
    return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.outbox")) == 0


async def _only_set_aside_left(pool: Any, schema: str) -> bool:
    left = await pool.fetch(f"SELECT set_aside_at FROM {schema}.outbox")
    return all(row["set_aside_at"] is not None for row in left)


async def _read_with_partitions(
    infra: Settings, topic: str, count: int
) -> list[tuple[int, bytes, bytes]]:
    """(partition, key, value) of the first `count` records, in order within each partition."""
    consumer = AIOKafkaConsumer(
        topic, **client_kwargs(infra.kafka_bootstrap), auto_offset_reset="earliest",
        enable_auto_commit=False, group_id=None,
    )  # fmt: skip
    await consumer.start()
    found: list[tuple[int, bytes, bytes]] = []
    try:
        async with asyncio.timeout(60):
            while len(found) < count:
                for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                    found += [(tp.partition, r.key or b"", r.value or b"") for r in records]
    finally:
        await consumer.stop()
    return found
