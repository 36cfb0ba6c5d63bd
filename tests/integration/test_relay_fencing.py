"""The relay is fenced: when the connection holding its lock ends (PostgreSQL restarted, or an
operator terminated it), it stops publishing, and the relay that takes the lock over publishes
the rest, each row once (docs/reliability.md)."""

from __future__ import annotations

import asyncio
import uuid
import warnings
import zlib

import pytest

from events.catalog import REGISTRY
from services.kit.db import Pool
from services.kit.eventstore import EventStore
from services.kit.relay import OutboxRelay
from services.kit.settings import Settings
from services.kit.topic_specs import topic_specs
from services.kit.topics_admin import ensure_topics
from tests.integration.pg_faults import scratch_schema, write_numbered_rows
from tests.support import eventually, read_topic

pytestmark = pytest.mark.integration


async def _all_sent(pool: Pool, schema: str) -> bool:
    """Every row written so far is on Kafka: the relay deletes a row once Kafka acked it."""
    return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.outbox")) == 0


async def _lock_holder(pool: Pool, schema: str) -> int | None:
    key = zlib.crc32(f"relay:{schema}".encode())
    pid: int | None = await pool.fetchval(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint::oid"
        " AND granted",
        key,
    )
    return pid


async def test_a_relay_that_loses_its_lock_stops_and_the_next_publishes_each_row_once(
    infra: Settings,
) -> None:
    topic = f"pressroom.test.fence-{uuid.uuid4().hex[:8]}"
    one_partition = infra.model_copy(update={"topic_partitions": 1})
    await ensure_topics(infra.kafka_bootstrap, topic_specs(one_partition, (topic,)))
    async with scratch_schema(infra, "fence_test") as (pool, schema):
        store = EventStore(schema, REGISTRY)

        def relay() -> OutboxRelay:
            channel = store.notify_channel
            return OutboxRelay(pool, schema, infra.kafka_bootstrap, notify_channel=channel)

        stop = asyncio.Event()
        first = asyncio.create_task(relay().run(stop))
        await write_numbered_rows(pool, store, topic, range(10))
        await eventually(lambda: _all_sent(pool, schema), what="the first relay's rows")
        standby = relay()
        second = asyncio.create_task(standby.run(stop))
        holder = await eventually(lambda: _lock_holder(pool, schema), what="the lock's holder")
        await pool.execute("SELECT pg_terminate_backend($1)", holder)
        done, _ = await asyncio.wait({first}, timeout=30)
        assert first in done, "the relay went on publishing without its lock"
        assert first.exception() is not None
        await write_numbered_rows(pool, store, topic, range(10, 20))
        await eventually(lambda: _all_sent(pool, schema), what="the next relay's rows")
        stop.set()
        standby.wake.set()
        await asyncio.wait({second}, timeout=30)
    numbers = [r.header("n") for r in await read_topic(infra.kafka_bootstrap, topic)]
    assert sorted(numbers, key=lambda n: int(n or "0")) == [str(n) for n in range(20)]


async def test_a_relay_that_stops_gives_its_connection_back_without_its_listener(
    infra: Settings,
) -> None:
    """asyncpg warns of a connection released with a LISTEN callback still on it; the relay
    removes its own, as the scheduler does (the pool's reset would end the LISTEN anyway)."""
    topic = f"pressroom.test.fence-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, topic_specs(infra, (topic,)))
    async with scratch_schema(infra, "fence_test") as (pool, schema):
        store = EventStore(schema, REGISTRY)
        relay = OutboxRelay(
            pool, schema, infra.kafka_bootstrap, notify_channel=store.notify_channel
        )
        stop = asyncio.Event()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            running = asyncio.create_task(relay.run(stop))
            await write_numbered_rows(pool, store, topic, range(3))
            await eventually(lambda: _all_sent(pool, schema), what="the relay's rows")
            stop.set()
            relay.wake.set()
            await asyncio.wait_for(running, timeout=30)
        left_on = [str(w.message) for w in caught if "listener" in str(w.message)]
        assert left_on == []
