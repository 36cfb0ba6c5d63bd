"""The projector loop: one PostgreSQL transaction per batch, offsets stored with its effects."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from services.kit.consumer_groups import PROJECTED_TOPICS, PROJECTOR_GROUP
from services.kit.transient import is_transient, until_done
from services.projector.batch import BatchPlan, Consumed, plan_batch, release_ids, route
from services.projector.store import ProjectionStore

log = structlog.get_logger()

GROUP_ID = PROJECTOR_GROUP
MAX_RECORDS = 500
POLL_MS = 1000
# The Kafka commit only feeds `lag` tooling; it must never hold the loop up for long.
KAFKA_COMMIT_TIMEOUT_S = 10.0
# A NOTIFY payload must stay under 8000 bytes.
NOTIFY_MAX_IDS = 50


@dataclass
class Projector:
    """Folds batches of records into the read models; PostgreSQL, not Kafka, owns the offsets."""

    consumer: AIOKafkaConsumer
    pool: asyncpg.Pool
    name: str = GROUP_ID
    topics: tuple[str, ...] = PROJECTED_TOPICS
    store: ProjectionStore = field(default_factory=ProjectionStore)
    # Held while a batch is written, so a rebalance waits for it instead of racing it.
    _writing: asyncio.Lock = field(default_factory=asyncio.Lock)
    # In its group with partitions (zero or more) assigned, not in the middle of a rebalance.
    joined: bool = False

    async def run(self, stop: asyncio.Event) -> None:
        """Projects until `stop` is set; the caller starts and stops the consumer."""
        self.consumer.subscribe(list(self.topics), listener=SeekToStoredOffsets(self))
        log.info("projector_started", consumer=self.name, topics=self.topics)
        while not stop.is_set():
            batches = await self.consumer.getmany(timeout_ms=POLL_MS, max_records=MAX_RECORDS)
            if batches:
                await self._project_or_rewind(batches)
        log.info("projector_stopped", consumer=self.name)

    async def _project_or_rewind(self, batches: Mapping[TopicPartition, Sequence[Any]]) -> None:
        """PostgreSQL away: the batch rolled back, so once it answers again every partition goes
        back to its stored offset and the batch is read anew. A bug still stops the projector."""
        try:
            await self.project(batches)
        except Exception as error:
            if not is_transient(error):
                raise
            log.warning("projector_waiting_for_postgres", consumer=self.name, error=repr(error))
            await until_done(lambda: self.seek_to_stored(list(self.consumer.assignment())))
            log.info("projector_resumed", consumer=self.name)

    async def project(self, batches: Mapping[TopicPartition, Sequence[Any]]) -> BatchPlan | None:
        """Writes one batch in one transaction, then tells Kafka (for lag tooling only)."""
        async with self._writing:
            owned = self.consumer.assignment()
            records = [_consumed(r) for tp, rs in batches.items() if tp in owned for r in rs]
            plan = await self._write(records) if records else None
        if plan is not None:
            await self._commit_to_kafka(plan.next_offsets)
            _log_batch(len(records), plan)
        return plan

    async def _write(self, records: list[Consumed]) -> BatchPlan:
        routed = [(record, route(record)) for record in records]
        touched = release_ids(r for _, r in routed)
        async with self.pool.acquire() as conn, conn.transaction():
            plan = plan_batch(routed, await self.store.lock_releases(conn, touched))
            await self.store.write_batch(conn, self.name, plan)
            await self.store.notify_advanced(conn, _notice(self.name, touched, plan))
        return plan

    async def _commit_to_kafka(self, next_offsets: Mapping[tuple[str, int], int]) -> None:
        offsets = {TopicPartition(t, p): n for (t, p), n in next_offsets.items()}
        try:
            async with asyncio.timeout(KAFKA_COMMIT_TIMEOUT_S):
                await self.consumer.commit(offsets)
        except (KafkaError, TimeoutError) as error:
            # PostgreSQL already holds the truth; a rebalance or slow broker only delays `lag`.
            log.warning("kafka_commit_skipped", error=repr(error))

    async def finish_in_flight(self) -> None:
        """Waits for the batch being written: the next owner then reads its stored offsets."""
        self.joined = False
        async with self._writing:
            pass

    async def seek_to_stored(self, assigned: Sequence[TopicPartition]) -> None:
        """Starts each assigned partition where the last committed batch stopped, or at 0."""
        async with self.pool.acquire() as conn:
            stored = await self.store.load_offsets(conn, self.name, {tp.topic for tp in assigned})
        for tp in assigned:
            next_offset = stored.get((tp.topic, tp.partition))
            if next_offset is None:
                await self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, next_offset)
        self.joined = True
        log.info("partitions_assigned", consumer=self.name, partitions=len(assigned))


class SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    """On every assignment, seek to the offsets PostgreSQL stored with the read models."""

    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.projector.finish_in_flight()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.projector.seek_to_stored(assigned)


def _consumed(record: Any) -> Consumed:
    # A header without a value (Kafka allows one) stays None: decoding dead-letters it.
    headers = tuple((str(k), None if v is None else bytes(v)) for k, v in (record.headers or ()))
    return Consumed(
        record.topic, record.partition, record.offset, record.key, record.value, headers
    )


def _notice(consumer: str, touched: set[str], plan: BatchPlan) -> dict[str, Any]:
    # Every release the batch saw, changed or not: another projector may have got there first.
    releases = sorted(touched)
    commands = [o.command_id for o in plan.outcomes]
    return {
        "consumer": consumer,
        "releases": releases[:NOTIFY_MAX_IDS],
        "commands": commands[:NOTIFY_MAX_IDS],
        "truncated": len(releases) > NOTIFY_MAX_IDS or len(commands) > NOTIFY_MAX_IDS,
    }


def _log_batch(count: int, plan: BatchPlan) -> None:
    for letter in plan.dead_letters:
        record = letter.record
        log.warning(
            "dead_letter",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=letter.reason,
        )
    log.debug(
        "batch_projected",
        records=count,
        releases=len(plan.releases),
        history=len(plan.history),
        outcomes=len(plan.outcomes),
    )
