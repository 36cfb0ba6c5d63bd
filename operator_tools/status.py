"""`pressroom projections status`: each read model's position, lag and last event time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from operator_tools.positions import end_offsets, record_times
from operator_tools.schemas import LIVE, ensure_ops, schema_exists
from operator_tools.shadows import Shadow, all_shadows
from services.kit.consumer_groups import PROJECTED_TOPICS
from services.kit.db import Connection, Pool
from services.kit.kafka_meta import topic_partitions
from services.kit.settings import Settings
from services.projector.consumer import GROUP_ID
from services.projector.store import ProjectionStore

SHOWN_SHADOW_STATES = ("building", "built", "verified")


@dataclass(frozen=True)
class PartitionStatus:
    schema: str
    topic: str
    partition: int
    position: int  # the next offset the read model will apply
    end: int
    last_event_at: datetime | None  # Kafka time of the last record applied

    @property
    def lag(self) -> int:
        return max(0, self.end - self.position)


@dataclass(frozen=True)
class ProjectionStatus:
    partitions: list[PartitionStatus]
    shadows: list[Shadow]


async def projection_status(settings: Settings, pool: Pool) -> ProjectionStatus:
    async with pool.acquire() as conn:
        await ensure_ops(conn)
        shadows = await all_shadows(conn)
        stored = await _positions(conn, shadows)
    partitions = await topic_partitions(settings.kafka_bootstrap, *PROJECTED_TOPICS)
    ends = await end_offsets(settings.kafka_bootstrap, partitions)
    live = {tp: stored[LIVE].get((tp.topic, tp.partition), 0) for tp in partitions}
    times = await record_times(settings.kafka_bootstrap, {tp: n - 1 for tp, n in live.items()})
    rows = [
        PartitionStatus(schema, tp.topic, tp.partition, offsets.get((tp.topic, tp.partition), 0),
                        ends[tp], times.get(tp) if schema == LIVE else None)
        for schema, offsets in stored.items()
        for tp in partitions
    ]  # fmt: skip
    return ProjectionStatus(rows, shadows)


async def _positions(
    conn: Connection, shadows: list[Shadow]
) -> dict[str, dict[tuple[str, int], int]]:
    """Stored positions of the live read models and of each shadow that is not swapped yet."""
    listed = [LIVE, *(s.schema for s in shadows if s.state in SHOWN_SHADOW_STATES)]
    # A schema someone dropped by hand is no longer anybody's position.
    schemas = [name for name in listed if await schema_exists(conn, name)]
    return {
        schema: await ProjectionStore(schema).load_offsets(conn, GROUP_ID, PROJECTED_TOPICS)
        for schema in schemas
    }
