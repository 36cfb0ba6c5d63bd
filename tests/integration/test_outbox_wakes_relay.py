"""The outbox wakes its relay by itself: a transaction that adds rows sends no NOTIFY of its own
(one round trip less in every service's transactions, docs/benchmarks.md), and the relay's
LISTEN still hears of the rows, once they are committed and never before."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from events.catalog import REGISTRY
from events.kafka import KafkaRecord
from services.kit.eventstore import EventStore
from services.kit.settings import Settings
from tests.integration.pg_faults import scratch_schema

pytestmark = pytest.mark.integration
WAIT_S = 10.0


async def test_adding_outbox_rows_wakes_the_relay_at_commit(infra: Settings) -> None:
    async with scratch_schema(infra, "wakes") as (pool, schema):
        store = EventStore(schema=schema, registry=REGISTRY)
        heard: asyncio.Queue[str] = asyncio.Queue()
        listener = await asyncpg.connect(infra.pg_dsn)
        try:
            await listener.add_listener(
                store.notify_channel, lambda *args: heard.put_nowait(args[2])
            )
            async with pool.acquire() as conn, conn.transaction():
                rows = [("pressroom.test", KafkaRecord(key=b"k", value=b"v", headers=[]))] * 3
                await store.rows_to_outbox(conn, rows)
                await store.rows_to_outbox(conn, rows)
                # Nothing is heard before the commit: the rows are not there for the relay yet.
                assert heard.empty()
            channel = await asyncio.wait_for(heard.get(), WAIT_S)
            assert channel == store.notify_channel
        finally:
            await listener.close()
