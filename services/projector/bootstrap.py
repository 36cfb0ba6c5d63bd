"""Wires the projector: tables and topics first, then the consumer loop until told to stop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
from aiokafka import AIOKafkaConsumer

from services.kit.kafka_clients import client_kwargs
from services.kit.migrations import apply_migrations
from services.kit.settings import Settings
from services.kit.topics_admin import ensure_topics
from services.projector.consumer import GROUP_ID, PROJECTED_TOPICS, Projector

SCHEMA = "projections"
MIGRATIONS = "services.projector.migrations"


async def prepare(settings: Settings) -> list[str]:
    """Creates the projections tables and the topics; returns the migrations applied now."""
    conn = await asyncpg.connect(settings.pg_dsn)
    try:
        applied = await apply_migrations(conn, SCHEMA, MIGRATIONS)
    finally:
        await conn.close()
    await ensure_topics(settings.kafka_bootstrap, settings.topic_partitions)
    return applied


async def run_projector(
    settings: Settings,
    stop: asyncio.Event,
    *,
    group_id: str = GROUP_ID,
    topics: Sequence[str] = PROJECTED_TOPICS,
) -> None:
    """Projects every events topic and the replies into `projections` until `stop` is set."""
    await prepare(settings)
    # Two connections: the batch transaction and the rebalance listener's offset read.
    pool = await asyncpg.create_pool(settings.pg_dsn, min_size=1, max_size=2)
    consumer = AIOKafkaConsumer(
        **client_kwargs(settings=settings),
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        await consumer.start()
        await Projector(consumer, pool, name=group_id, topics=tuple(topics)).run(stop)
    finally:
        await consumer.stop()
        await pool.close()
