"""How far behind each consumer group is, per partition: for `pressroom lag` and the gateway's
/metrics. The services' positions are their Kafka commits; the projector's true position is the one
it stores with its read models (projections.consumer_offsets), not its Kafka commit."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import TopicPartition

from services.kit.consumer_groups import GROUPS, PROJECTED_TOPICS, PROJECTOR_GROUP
from services.kit.db import Db
from services.kit.kafka_meta import committed_offsets, end_offsets

Positions = dict[TopicPartition, int]


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


async def consumer_lag(bootstrap: str, db: Db) -> tuple[list[PartitionLag], list[str]]:
    """Lag per group and partition, and the groups that have committed nothing (yet)."""
    committed: dict[tuple[str, str], Positions] = {}
    for group in GROUPS:
        if group == PROJECTOR_GROUP:
            committed[(group, "postgres")] = await projector_positions(db)
        else:
            committed[(group, "kafka")] = await committed_offsets(bootstrap, group)
    every = {tp for offsets in committed.values() for tp in offsets}
    ends = await end_offsets(bootstrap, every)
    rows = [
        PartitionLag(group, tp.topic, tp.partition, offset, ends.get(tp, offset), source)
        for (group, source), offsets in committed.items()
        for tp, offset in sorted(offsets.items())
    ]
    idle = [group for (group, _), offsets in committed.items() if not offsets]
    return rows, idle


async def projector_positions(db: Db) -> Positions:
    """The live projector's next offsets; none before the projector created its tables."""
    if await db.fetchval("SELECT to_regclass('projections.consumer_offsets')") is None:
        return {}
    rows = await db.fetch(
        "SELECT topic, partition, next_offset FROM projections.consumer_offsets"
        " WHERE consumer = $1 AND topic = ANY($2::text[])",
        PROJECTOR_GROUP,
        list(PROJECTED_TOPICS),
    )
    return {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}
