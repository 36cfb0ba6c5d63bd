"""`pressroom lag`: how far behind each service's consumer group is, per partition.

aiokafka's describe_consumer_groups cannot decode Kafka 4's answer, so committed offsets come
from list_consumer_group_offsets for each known group. The projector's true position is the
one it stores with its read models (projections.consumer_offsets), not its Kafka commit."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from operator_tools.deciders import DECIDERS
from operator_tools.positions import end_offsets
from services.kit.db import Pool
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings
from services.projector.consumer import GROUP_ID, PROJECTED_TOPICS
from services.projector.store import ProjectionStore

PROJECTOR = GROUP_ID


def known_groups() -> list[str]:
    """One faust app (= group) per service with a decider, then the projector."""
    return [*(f"pressroom-{service}" for service in sorted(DECIDERS)), PROJECTOR]


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int
    end: int
    source: str  # where the position comes from: "kafka" or "postgres"

    @property
    def lag(self) -> int:
        return max(0, self.end - self.committed)


async def consumer_lag(settings: Settings, pool: Pool) -> tuple[list[PartitionLag], list[str]]:
    """Lag per group and partition, and the groups that have committed nothing (yet)."""
    committed: dict[tuple[str, str], dict[TopicPartition, int]] = {}
    for group in known_groups():
        if group == PROJECTOR:
            committed[(group, "postgres")] = await _projector_positions(pool)
        else:
            committed[(group, "kafka")] = await _kafka_positions(settings.kafka_bootstrap, group)
    every = {tp for offsets in committed.values() for tp in offsets}
    ends = await end_offsets(settings.kafka_bootstrap, every)
    rows = [
        PartitionLag(group, tp.topic, tp.partition, offset, ends.get(tp, offset), source)
        for (group, source), offsets in committed.items()
        for tp, offset in sorted(offsets.items())
    ]
    idle = [group for (group, _), offsets in committed.items() if not offsets]
    return rows, idle


async def _kafka_positions(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


async def _projector_positions(pool: Pool) -> dict[TopicPartition, int]:
    async with pool.acquire() as conn:
        exists = await conn.fetchval("SELECT to_regclass('projections.consumer_offsets')")
        if exists is None:
            return {}
        stored = await ProjectionStore().load_offsets(conn, GROUP_ID, PROJECTED_TOPICS)
    return {TopicPartition(t, p): n for (t, p), n in stored.items()}
