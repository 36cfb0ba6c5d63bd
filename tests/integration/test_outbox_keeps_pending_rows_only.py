"""An outbox holds what is still to send (or set aside), not what Kafka already has: the relay
deletes each row once acked, and migration 005 deletes the rows earlier versions marked published
and kept. A kept row grew the table, its primary key and every vacuum of it, which since 004 runs
every 2,000 rows sent: after a day of benchmarks drafting's outbox was 200 MB with nothing to send
(docs/decisions.md 45)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from events.catalog import REGISTRY
from events.kafka import KafkaRecord
from services.kit.db import Pool
from services.kit.eventstore import EventStore
from services.kit.migrations import KIT_SQL, apply_migrations
from services.kit.relay import OutboxRelay
from services.kit.settings import Settings
from services.kit.topic_specs import topic_specs
from services.kit.topics_admin import ensure_topics
from tests.integration.pg_faults import scratch_schema, write_numbered_rows
from tests.support import eventually, read_topic

pytestmark = pytest.mark.integration
MIGRATION = "005_outbox_keeps_pending_rows_only.sql"
LONG_AGO = datetime(2026, 12, 1, tzinfo=UTC)


async def _rows_left(pool: Pool, schema: str) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.outbox"))


async def test_the_relay_deletes_each_row_kafka_acked(infra: Settings) -> None:
    topic = f"pressroom.test.outbox-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, topic_specs(infra, (topic,)))
    async with scratch_schema(infra, "outbox_rows") as (pool, schema):
        store = EventStore(schema, REGISTRY)
        relay = OutboxRelay(pool, schema, infra.kafka_bootstrap, store.notify_channel)
        stop = asyncio.Event()
        running = asyncio.create_task(relay.run(stop))
        try:
            await write_numbered_rows(pool, store, topic, range(30))
            on_kafka = await eventually(
                lambda: _all_on_kafka(infra, topic, 30), 60, "the 30 records on Kafka"
            )
            emptied = await eventually(
                lambda: _none_left(pool, schema), 60, "the outbox emptied of sent rows"
            )
        finally:
            stop.set()
            relay.wake.set()
            await asyncio.wait_for(running, timeout=30)
    assert sorted(int(r.header("n") or "-1") for r in on_kafka) == list(range(30))
    assert emptied


async def _all_on_kafka(infra: Settings, topic: str, count: int) -> list[KafkaRecord] | None:
    records = await read_topic(infra.kafka_bootstrap, topic)
    return records if len(records) >= count else None


async def _none_left(pool: Pool, schema: str) -> bool:
    return await _rows_left(pool, schema) == 0


async def test_the_migration_deletes_rows_kept_as_published_and_keeps_the_rest(
    infra: Settings,
) -> None:
    async with scratch_schema(infra, "outbox_migration") as (pool, schema):
        insert = (
            f"INSERT INTO {schema}.outbox (topic, key, value, header_keys, header_values,"
            " published_at, set_aside_at, set_aside_reason)"
            " SELECT 't', NULL, $1::bytea, '{}', '{}', $2, $3, $4 FROM generate_series(1, $5)"
        )
        await pool.execute(insert, b"sent", LONG_AGO, None, None, 500)  # as versions before 005
        await pool.execute(insert, b"pending", None, None, None, 7)
        await pool.execute(insert, b"refused", None, LONG_AGO, "too large", 2)
        await pool.execute(
            f"DELETE FROM {schema}.schema_migrations WHERE name = $1", f"{KIT_SQL}:{MIGRATION}"
        )
        async with pool.acquire() as conn:
            applied = await apply_migrations(conn, schema, KIT_SQL)
        kept = await pool.fetch(
            f"SELECT convert_from(value, 'UTF8') AS what, count(*) FROM {schema}.outbox"
            " GROUP BY 1 ORDER BY 1"
        )
    assert applied == [MIGRATION]
    assert [(r["what"], r["count"]) for r in kept] == [("pending", 7), ("refused", 2)]
