"""Wires the projector: tables and topics first, then the consumer loop until told to stop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
from aiokafka import AIOKafkaConsumer

from services.kit.consumer_groups import PROJECTED_TOPICS
from services.kit.db import Pool, keep_session, write_path_pool
from services.kit.group_watch import coordinator_known, watch_group
from services.kit.health import Readiness, kafka_answers, postgres_answers
from services.kit.kafka_clients import consumer_kwargs
from services.kit.migrations import apply_migrations
from services.kit.runtime import READINESS_EVERY_S
from services.kit.settings import Settings
from services.kit.topic_specs import topic_specs
from services.kit.topics_admin import ensure_topics_once_kafka_answers
from services.kit.transient import until_done, worth_waiting_at_start
from services.projector.consumer import GROUP_ID, Projector

SCHEMA = "projections"


class ConsumerGroupLost(Exception):
    """The projector stopped: its consumer lost its group for good (services/kit/group_watch.py)."""


MIGRATIONS = "services.projector.migrations"


async def prepare(settings: Settings) -> list[str]:
    """Creates the projections tables and the topics; returns the migrations applied now."""
    applied: list[str] = []

    async def migrate() -> None:  # PostgreSQL not up yet: wait for it, logged, not exit
        conn = await asyncpg.connect(settings.dsn_for("projector"))
        try:
            applied[:] = await apply_migrations(conn, SCHEMA, MIGRATIONS)
        finally:
            await conn.close()

    await until_done(migrate, "postgres", worth_waiting_at_start)
    await ensure_topics_once_kafka_answers(settings.kafka_bootstrap, topic_specs(settings))
    return applied


async def run_projector(
    settings: Settings,
    stop: asyncio.Event,
    *,
    group_id: str = GROUP_ID,
    topics: Sequence[str] = PROJECTED_TOPICS,
    readiness: Readiness | None = None,
) -> None:
    """Projects every events topic and the replies into `projections` until `stop` is set."""
    await prepare(settings)
    pool = await projector_pool(settings)
    consumer = AIOKafkaConsumer(
        **consumer_kwargs(settings=settings),
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    projector = Projector(consumer, pool, name=group_id, topics=tuple(topics))
    watcher = asyncio.create_task(_watch(readiness, pool, projector)) if readiness else None
    lost = asyncio.Event()

    def stop_for_good() -> None:
        lost.set()
        stop.set()  # the batch in hand is finished, as at SIGTERM

    async def broker_answers() -> bool:
        return await kafka_answers(consumer.topics, READINESS_EVERY_S)

    watching = asyncio.create_task(
        watch_group(group_id, lambda: consumer, broker_answers, settings.group_lost_after_s,
                    stop_for_good)
    )  # fmt: skip
    try:
        await consumer.start()
        await projector.run(stop)
    finally:
        watching.cancel()
        if watcher is not None:
            watcher.cancel()
        await consumer.stop()  # commits nothing (PostgreSQL holds the offsets), leaves the group
        await pool.close()
    if lost.is_set():
        raise ConsumerGroupLost(f"the projector's consumer lost its group {group_id}")


async def projector_pool(settings: Settings) -> Pool:
    """Two connections: the batch transaction and the rebalance listener's offset read.
    min_size=0, as in services/kit/runtime.py: no background refill racing a restart. No reset
    round trip after each batch: the batch's transaction sets no session state."""
    return await write_path_pool(
        settings.dsn_for("projector"), min_size=0, max_size=2, reset=keep_session
    )


async def _watch(readiness: Readiness, pool: asyncpg.Pool, projector: Projector) -> None:
    """Ready: PostgreSQL answers, the consumer sits in its group and a broker answers."""
    while True:
        readiness.set("postgres", await postgres_answers(pool, READINESS_EVERY_S))
        answers = await kafka_answers(projector.consumer.topics, READINESS_EVERY_S)
        in_group = coordinator_known(projector.consumer) is not False
        readiness.set("kafka", projector.joined and in_group and answers)
        readiness.beat()
        await asyncio.sleep(READINESS_EVERY_S)
