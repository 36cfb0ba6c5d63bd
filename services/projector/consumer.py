"""The projector loop: one PostgreSQL transaction per batch, offsets stored with its effects."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from services.kit.consumer_groups import PROJECTED_TOPICS, PROJECTOR_GROUP
from services.kit.tracing import traced_batch
from services.kit.transient import is_transient, until_done
from services.projector import fencing
from services.projector.batch import BatchPlan, Consumed, plan_batch, release_ids, route
from services.projector.batch_io import consumed, log_batch, notice
from services.projector.fencing import Partition, PartitionsFenced
from services.projector.new_releases import again_if_begun_elsewhere
from services.projector.pacing import MIN_RECORDS, next_batch_size
from services.projector.store import ProjectionStore

log = structlog.get_logger()

GROUP_ID = PROJECTOR_GROUP
POLL_MS = 1000
# The Kafka commit only feeds `lag` tooling; it must never hold anything up for long.
KAFKA_COMMIT_TIMEOUT_S = 10.0
# Kafka hears the projector's offsets at most this often, as it hears the faust services' (their
# `broker_commit_interval`, services/kit/faust_app.py). A commit per batch was about a fifth of
# the broker's CPU at 20 HTTP writes/s (issue 15, docs/benchmarks.md).
KAFKA_COMMIT_EVERY_S = 1.0


@dataclass
class CommitsInBackground:
    """The offsets Kafka is told, committed beside the loop, only the latest of each partition:
    they feed broker-side lag tools only (PostgreSQL holds the offsets that count). An offset
    commit takes the broker a round trip (7 ms p50 on the dev stack), which the loop used to
    wait out after every batch before reading the next (docs/benchmarks.md); and at most one
    every `every_s`: the offsets of the batches meanwhile wait, only the latest kept."""

    consumer: AIOKafkaConsumer
    every_s: float = KAFKA_COMMIT_EVERY_S
    _pending: dict[TopicPartition, int] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, next_offsets: Mapping[tuple[str, int], int]) -> None:
        """Newer offsets replace older ones not yet sent: only the latest are worth a commit."""
        self._pending.update({TopicPartition(t, p): n for (t, p), n in next_offsets.items()})
        self._wake.set()

    def forget(self, partitions: Sequence[TopicPartition]) -> None:
        """Revoked: their next owner commits them from now on."""
        for tp in partitions:
            self._pending.pop(tp, None)

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            await self.flush()
            await asyncio.sleep(self.every_s)

    async def flush(self) -> None:
        self._wake.clear()
        offsets, self._pending = self._pending, {}
        if not offsets:
            return
        try:
            async with asyncio.timeout(KAFKA_COMMIT_TIMEOUT_S):
                await self.consumer.commit(offsets)
        except (KafkaError, TimeoutError) as error:
            # PostgreSQL already holds the truth; a rebalance or slow broker only delays `lag`.
            log.warning("kafka_commit_skipped", error=repr(error))


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
    # The epoch taken for each partition assigned to this projector (services/projector/fencing.py).
    epochs: dict[Partition, int] = field(default_factory=dict)
    owner: str = field(default_factory=fencing.owner_name)
    # How many records the next poll may return: follows the lag (services/projector/pacing.py).
    batch_size: int = MIN_RECORDS
    # The test seam: awaited with a batch in hand, before its transaction (a stalled process).
    before_write: Callable[[], Awaitable[None]] | None = None
    commits: CommitsInBackground = field(init=False)

    def __post_init__(self) -> None:
        self.commits = CommitsInBackground(self.consumer)

    async def run(self, stop: asyncio.Event) -> None:
        """Projects until `stop` is set; the caller starts and stops the consumer."""
        self.consumer.subscribe(list(self.topics), listener=SeekToStoredOffsets(self))
        log.info("projector_started", consumer=self.name, topics=self.topics)
        committing = asyncio.create_task(self.commits.run(), name="projector-kafka-commits")
        try:
            while not stop.is_set():
                batches = await self.consumer.getmany(
                    timeout_ms=POLL_MS, max_records=self.batch_size
                )
                if batches:
                    self.batch_size = next_batch_size(self._lag_after(batches))
                    await self._project_or_rewind(batches)
        finally:
            committing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await committing
        await self.commits.flush()  # the last batches' offsets, for `lag` after a clean stop
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
            await until_done(self.rewind)
            log.info("projector_resumed", consumer=self.name)

    async def project(self, batches: Mapping[TopicPartition, Sequence[Any]]) -> BatchPlan | None:
        """Writes one batch in one transaction, then tells Kafka in the background (for lag
        tooling only)."""
        async with self._writing:
            records = [consumed(r) for tp, rs in batches.items() if _key(tp) in self.epochs
                       for r in rs]  # fmt: skip
            if records and self.before_write is not None:
                await self.before_write()
            plan = await traced_batch(records, self._write_unless_fenced) if records else None
        if plan is not None:
            self.commits.offer(plan.next_offsets)
            log_batch(len(records), plan)
        return plan

    async def _write_unless_fenced(self, records: list[Consumed]) -> BatchPlan | None:
        """A refused batch wrote nothing: its lost partitions are dropped, and the ones still
        held are read again from their stored offsets."""
        try:
            return await again_if_begun_elsewhere(lambda: self._write(records), self.name)
        except PartitionsFenced as fenced:
            for partition in fenced.partitions:
                self.epochs.pop(partition, None)
            log.warning("partitions_fenced", consumer=self.name, owner=self.owner,
                        partitions=sorted(fenced.partitions), records=len(records))  # fmt: skip
            await self.rewind()
            return None

    async def _write(self, records: list[Consumed]) -> BatchPlan:
        routed = [(record, route(record)) for record in records]
        touched = release_ids(r for _, r in routed)
        written = {(r.topic, r.partition) for r in records}
        async with self.pool.acquire() as conn, conn.transaction():
            # The fence first: a stale writer is refused before it locks or writes anything.
            held = {partition: self.epochs[partition] for partition in written}
            stored = await self.store.lock_releases_held(conn, self.name, held, touched)
            plan = plan_batch(routed, stored)
            await self.store.write_batch(
                conn, self.name, plan, stored=stored.keys(), notice=notice(self.name, touched, plan)
            )
        return plan

    async def finish_in_flight(self, revoked: Sequence[TopicPartition]) -> None:
        """Waits for the batch being written: the next owner then reads its stored offsets."""
        self.joined = False
        async with self._writing:
            self.commits.forget(revoked)
            for tp in revoked:
                self.epochs.pop(_key(tp), None)

    async def take(self, assigned: Sequence[TopicPartition]) -> None:
        """Takes each assigned partition's next epoch and, in the same transaction, reads where
        the last committed batch stopped; starts each there, or at the beginning. PostgreSQL
        away: waits for it (a partition without its epoch would never be written)."""
        await until_done(lambda: self._take(assigned))

    async def _take(self, assigned: Sequence[TopicPartition]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            partitions = [_key(tp) for tp in assigned]
            epochs = await fencing.claim(conn, self.store.schema, self.name, self.owner, partitions)
            stored = await self.store.load_offsets(conn, self.name, {tp.topic for tp in assigned})
        self.epochs.update(epochs)
        await self._seek(assigned, stored)
        self.joined = True
        log.info("partitions_assigned", consumer=self.name, partitions=len(assigned),
                 epochs=sorted(epochs.items()))  # fmt: skip

    async def rewind(self) -> None:
        """Back to the stored offsets of the partitions still held (a batch was not written)."""
        held = [tp for tp in self.consumer.assignment() if _key(tp) in self.epochs]
        async with self.pool.acquire() as conn:
            stored = await self.store.load_offsets(conn, self.name, {tp.topic for tp in held})
        await self._seek(held, stored)

    async def _seek(
        self, partitions: Sequence[TopicPartition], stored: Mapping[Partition, int]
    ) -> None:
        for tp in partitions:
            next_offset = stored.get(_key(tp))
            if next_offset is None:
                await self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, next_offset)

    def _lag_after(self, batches: Mapping[TopicPartition, Sequence[Any]]) -> int:
        """Records left behind the ones in hand, by the high-water marks the fetch brought."""
        behind = (
            (self.consumer.highwater(tp) or 0) - (records[-1].offset + 1)
            for tp, records in batches.items()
            if records
        )
        return sum(max(0, lag) for lag in behind)


class SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    """On every assignment, seek to the offsets PostgreSQL stored with the read models."""

    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.projector.finish_in_flight(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.projector.take(assigned)


def _key(tp: TopicPartition) -> Partition:
    return (tp.topic, tp.partition)
