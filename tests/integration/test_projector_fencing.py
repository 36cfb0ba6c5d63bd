"""The projector's partitions are fenced: a projector that stalled past its session while another
took its partitions writes nothing of the batch it held when it wakes (projector/fencing.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings
from services.kit.topic_specs import topic_specs
from services.kit.topics_admin import ensure_topics
from services.projector.consumer import CommitsInBackground, Projector
from services.projector.store import ProjectionStore
from tests.integration.test_projector import WAIT_S, lifecycle, pool, produce
from tests.support import eventually

pytestmark = pytest.mark.integration
__all__ = ["pool"]
PARTITIONS = 2
# The stalled member is dropped from the group after this long without rejoining.
REBALANCE_TIMEOUT_MS = 10_000


class RecordingStore(ProjectionStore):
    """The live tables, noting each offsets write (it commits unless the batch is refused)."""

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "offset_writes", [])

    async def store_offsets(
        self,
        db: Any,
        consumer: str,
        next_offsets: Mapping[tuple[str, int], int],
        notice: Mapping[str, Any] | None = None,
        *rows: Any,
    ) -> None:
        self.offset_writes.append(dict(next_offsets))  # type: ignore[attr-defined]
        await super().store_offsets(db, consumer, next_offsets, notice, *rows)


@asynccontextmanager
async def running(projector: Projector) -> AsyncIterator[Projector]:
    stop = asyncio.Event()
    await projector.consumer.start()
    task = asyncio.create_task(projector.run(stop))
    try:
        yield projector
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_S)
        await projector.consumer.stop()


def projector(infra: Settings, pool: asyncpg.Pool, group: str, topic: str, **kw: Any) -> Projector:
    consumer = AIOKafkaConsumer(
        **client_kwargs(settings=infra), group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", max_poll_interval_ms=REBALANCE_TIMEOUT_MS,
        session_timeout_ms=6000, heartbeat_interval_ms=1000,
    )  # fmt: skip
    return Projector(consumer, pool, name=group, topics=(topic,), **kw)


async def ends(infra: Settings, topic: str) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(**client_kwargs(settings=infra))
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        return {
            (tp.topic, tp.partition): n for tp, n in (await consumer.end_offsets(parts)).items()
        }
    finally:
        await consumer.stop()


async def records_for(infra: Settings, topic: str, releases: int) -> None:
    org = f"org-{uuid.uuid4().hex[:8]}"
    batch = [r for _ in range(releases) for r in lifecycle(str(uuid.uuid4()), org, revisions=2)]
    await produce(infra, topic, batch)


async def test_a_projector_that_stalled_past_its_session_writes_nothing_once_replaced(
    infra: Settings, pool: asyncpg.Pool
) -> None:
    topic, group = f"pressroom.test.fence-{uuid.uuid4().hex[:8]}", f"fence-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, topic_specs(
        infra.model_copy(update={"topic_partitions": PARTITIONS}), (topic,)))  # fmt: skip
    await records_for(infra, topic, releases=20)
    stalled, resume = asyncio.Event(), asyncio.Event()

    async def stall_once() -> None:
        if not stalled.is_set():
            stalled.set()
            await resume.wait()  # a frozen process: its batch in hand, the group moving on

    store = RecordingStore()
    stale = projector(infra, pool, group, topic, store=store, before_write=stall_once)
    successor = projector(infra, pool, group, topic)
    async with running(stale):
        await eventually(lambda: _is_set(stalled), WAIT_S, "the first projector to hold a batch")
        async with running(successor):
            # Dropped from the group, the stalled one's partitions all go to the successor.
            await eventually(lambda: _owns_all(successor, topic), WAIT_S, "the takeover")
            await records_for(infra, topic, releases=10)
            target = await ends(infra, topic)
            await eventually(lambda: _reached(pool, group, target), WAIT_S, "the successor")
            resume.set()
            await eventually(lambda: _rejoined(stale), WAIT_S, "the stale one to rejoin")
            assert store.offset_writes == [], "the stale projector wrote its batch"  # type: ignore[attr-defined]
            offsets = await ProjectionStore().load_offsets(pool, group, [topic])
            assert all(offsets[key] >= end for key, end in target.items()), offsets


async def _is_set(event: asyncio.Event) -> bool:
    return event.is_set()


async def _owns_all(projector: Projector, topic: str) -> bool:
    return projector.joined and len(projector.epochs) == PARTITIONS


async def _reached(pool: asyncpg.Pool, group: str, target: dict[tuple[str, int], int]) -> bool:
    offsets = await ProjectionStore().load_offsets(pool, group, [t for t, _ in target])
    return all(offsets.get(key, 0) >= end for key, end in target.items())


async def _rejoined(projector: Projector) -> bool:
    return projector.joined


async def test_kafka_hears_the_projected_offsets_though_the_loop_no_longer_waits_for_it(
    infra: Settings, pool: asyncpg.Pool
) -> None:
    """The Kafka commit is made beside the loop (CommitsInBackground): the group's committed
    offsets, which broker-side lag tools read, still reach the end of what was projected."""
    topic, group = (
        f"pressroom.test.commits-{uuid.uuid4().hex[:8]}",
        f"commits-{uuid.uuid4().hex[:8]}",
    )
    await ensure_topics(infra.kafka_bootstrap, topic_specs(
        infra.model_copy(update={"topic_partitions": PARTITIONS}), (topic,)))  # fmt: skip
    await records_for(infra, topic, releases=10)
    target = await ends(infra, topic)
    async with running(projector(infra, pool, group, topic)) as running_one:
        await eventually(lambda: _reached(pool, group, target), WAIT_S, "the read models")
        await eventually(
            lambda: _committed(running_one, target), WAIT_S, "Kafka's committed offsets"
        )


async def _committed(projector: Projector, target: dict[tuple[str, int], int]) -> bool:
    committed = [await projector.consumer.committed(TopicPartition(*key)) for key in target]
    return all((got or 0) >= end for got, end in zip(committed, target.values(), strict=True))


async def test_kafka_hears_the_projectors_offsets_at_most_once_an_interval(infra: Settings) -> None:
    """Issue 15: a commit per batch was a fifth of the broker's CPU at 20 HTTP writes/s. The
    offsets offered meanwhile wait out the interval; only the latest is sent, and a stop sends
    it at once (as `Projector.run` does)."""
    topic, group = f"pressroom.test.every-{uuid.uuid4().hex[:8]}", f"every-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, topic_specs(
        infra.model_copy(update={"topic_partitions": 1}), (topic,)))  # fmt: skip
    consumer = AIOKafkaConsumer(
        group_id=group, enable_auto_commit=False, **client_kwargs(settings=infra)
    )
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    await consumer.start()
    sent: list[dict[TopicPartition, int]] = []
    kafka_commit = consumer.commit

    async def noted_commit(offsets: dict[TopicPartition, int]) -> None:
        sent.append(dict(offsets))
        await kafka_commit(offsets)

    consumer.commit = noted_commit
    commits = CommitsInBackground(consumer, every_s=3600)
    running_commits = asyncio.create_task(commits.run())
    try:
        commits.offer({(topic, 0): 1})
        await eventually(lambda: _committed_at(consumer, partition, 1), WAIT_S, "the first")
        for offset in range(2, 50):
            commits.offer({(topic, 0): offset})
            await asyncio.sleep(0)  # the loop may run: it is sleeping out its interval
        assert sent == [{partition: 1}]
    finally:
        running_commits.cancel()
        await commits.flush()
        await consumer.stop()
    assert sent == [{partition: 1}, {partition: 49}]


async def _committed_at(consumer: AIOKafkaConsumer, partition: TopicPartition, at: int) -> bool:
    return bool(await consumer.committed(partition) == at)
