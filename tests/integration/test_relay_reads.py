"""The relay reads the outbox once per wake-up, not once more to find it empty: a read that came
back short of a batch saw every row committed before it, and a row committed after it wakes the
relay by its NOTIFY (issue 15: one statement less per batch in every service)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

import pytest

from events.catalog import REGISTRY
from services.kit import relay as relay_module
from services.kit.db import Pool
from services.kit.eventstore import EventStore
from services.kit.relay import OutboxRelay
from services.kit.settings import Settings
from services.kit.topic_specs import topic_specs
from services.kit.topics_admin import ensure_topics
from tests.integration.pg_faults import scratch_schema, write_numbered_rows
from tests.integration.test_command_batches import StatementsSeen
from tests.support import eventually, read_topic

pytestmark = pytest.mark.integration


async def test_each_wake_up_is_one_read_of_the_outbox(
    infra: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fallback look every few seconds would add reads on a slow machine: out of the way.
    monkeypatch.setattr(relay_module, "IDLE_POLL_S", 600.0)
    topic = f"pressroom.test.reads-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, topic_specs(infra, (topic,)))
    async with scratch_schema(infra, "relay_reads") as (pool, schema):
        store = EventStore(schema, REGISTRY)
        watched = StatementsSeen(pool, schema)
        relay = OutboxRelay(
            cast(Pool, watched), schema, infra.kafka_bootstrap, store.notify_channel
        )
        await write_numbered_rows(pool, store, topic, range(0, 20))  # before the relay LISTENs
        stop = asyncio.Event()
        running = asyncio.create_task(relay.run(stop))
        try:
            await eventually(lambda: _on_kafka(infra, topic, 20), 60, "the first 20 on Kafka")
            await eventually(lambda: _emptied(pool, schema), 60, "the first rows deleted")
            await write_numbered_rows(pool, store, topic, range(20, 30))  # wakes it (NOTIFY)
            await eventually(lambda: _on_kafka(infra, topic, 30), 60, "all 30 on Kafka")
            await eventually(lambda: _emptied(pool, schema), 60, "the outbox emptied")
        finally:
            stop.set()
            relay.wake.set()
            await asyncio.wait_for(running, timeout=30)
    # Reconciling with Kafka looks at what is pending once, on taking the lead; then each batch
    # is one read and one delete. Before: a read finding nothing after each batch (5 reads).
    reconcile, first_batch, second_batch = (
        ["SELECT ID,"],
        ["SELECT ID,", "WITH SENT"],
        ["SELECT ID,", "WITH SENT"],
    )
    assert watched.seen == reconcile + first_batch + second_batch


async def _on_kafka(infra: Settings, topic: str, count: int) -> bool:
    return len(await read_topic(infra.kafka_bootstrap, topic)) >= count


async def _emptied(pool: Any, schema: str) -> bool:
    return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.outbox")) == 0
