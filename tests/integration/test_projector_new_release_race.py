"""Two projector instances that both fold the first events of one release, on the real
PostgreSQL: one holds drafting's partition, the other approval's, and neither finds the release's
row, since neither has committed it. The later writer must fold over the first one's row, not
over nothing: the chaos suite (seed 335234594) found release rows that had lost every column
another instance had written first (`projections verify`: not what a fresh fold gives)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from events.approval import ApprovalRequested
from events.base import Event, Message
from events.drafting import DraftCreated
from events.envelope import Envelope
from events.kafka import encode
from events.schemas.examples import RELEASE_ID, examples
from events.topics import APPROVAL_EVENTS, DRAFTING_EVENTS
from services.kit.migrations import apply_migrations
from services.kit.settings import Settings
from services.projector import fencing
from services.projector.bootstrap import MIGRATIONS, SCHEMA
from services.projector.consumer import Projector
from services.projector.store import ProjectionStore
from tests.integration.own_database import database_of_its_own
from tests.support import eventually

pytestmark = pytest.mark.integration
WAIT_S = 30.0
GROUP = "race"


@pytest_asyncio.fixture
async def pool(infra: Settings) -> AsyncIterator[asyncpg.Pool]:
    async with database_of_its_own(infra, "new_release_race") as dsn:
        connection = await asyncpg.connect(dsn)
        try:
            await apply_migrations(connection, SCHEMA, MIGRATIONS)
        finally:
            await connection.close()
        created = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
        try:
            yield created
        finally:
            await created.close()


@dataclass(frozen=True)
class HeldOpen(ProjectionStore):
    """The live tables; the batch's transaction stays open after its last statement until
    `go` is set (a slower commit)."""

    written: asyncio.Event = field(default_factory=asyncio.Event)
    go: asyncio.Event = field(default_factory=asyncio.Event)

    async def store_offsets(
        self,
        db: Any,
        consumer: str,
        next_offsets: Mapping[tuple[str, int], int],
        notice: Mapping[str, Any] | None = None,
        *rows: Any,
    ) -> None:
        await super().store_offsets(db, consumer, next_offsets, notice, *rows)
        self.written.set()
        await asyncio.wait_for(self.go.wait(), WAIT_S)


def first_of(kind: type[Event]) -> Envelope[Message]:
    return next(
        e
        for e in sorted(examples().values(), key=lambda envelope: envelope.time)
        if isinstance(e.data, kind) and e.data.release_id == RELEASE_ID
    )


def batch_of(topic: str, envelope: Envelope[Message]) -> dict[TopicPartition, list[Any]]:
    record = encode(envelope)
    value = record.value or b""
    consumed = ConsumerRecord(
        topic, 0, 0, 0, 0, record.key, value, None, len(record.key or b""), len(value),
        list(record.headers),
    )  # fmt: skip
    return {TopicPartition(topic, 0): [consumed]}


async def instance(pool: asyncpg.Pool, topic: str, store: ProjectionStore) -> Projector:
    """A projector instance holding partition 0 of `topic` (its Kafka consumer never starts:
    the batch is handed over as a poll would hand it)."""
    projector = Projector(AIOKafkaConsumer(), pool, name=GROUP, topics=(topic,), store=store)
    async with pool.acquire() as conn:
        projector.epochs = await fencing.claim(conn, SCHEMA, GROUP, topic, [(topic, 0)])
    return projector


async def waiting_on_a_lock(pool: asyncpg.Pool) -> bool:
    waiting = await pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return bool(waiting)


async def both_at_once(
    pool: asyncpg.Pool, first: HeldOpen, drafting: Projector, approval: Projector
) -> None:
    """Drafting's batch writes the release's row and holds its transaction open; approval's
    batch, begun meanwhile, finds no row and waits on a lock; then the first one commits."""
    created = first_of(DraftCreated)
    begun = asyncio.create_task(drafting.project(batch_of(DRAFTING_EVENTS, created)))
    await asyncio.wait_for(first.written.wait(), WAIT_S)  # its row written, not yet committed
    asked = first_of(ApprovalRequested)
    later = asyncio.create_task(approval.project(batch_of(APPROVAL_EVENTS, asked)))
    await eventually(lambda: waiting_on_a_lock(pool), WAIT_S, "the approval batch to wait")
    first.go.set()
    await asyncio.wait_for(asyncio.gather(begun, later), WAIT_S)


async def test_the_later_of_two_instances_folds_over_the_row_the_first_one_began(
    pool: asyncpg.Pool,
) -> None:
    first = HeldOpen()
    drafting = await instance(pool, DRAFTING_EVENTS, first)
    approval = await instance(pool, APPROVAL_EVENTS, ProjectionStore())
    try:
        await both_at_once(pool, first, drafting, approval)
    finally:
        await drafting.consumer.stop()
        await approval.consumer.stop()

    row = await pool.fetchrow(
        "SELECT title, versions, approval_status FROM projections.releases WHERE release_id = $1",
        RELEASE_ID,
    )
    assert row is not None
    created = first_of(DraftCreated).data
    assert isinstance(created, DraftCreated)
    assert json.loads(row["versions"]) == {"drafting": 1, "approval": 1}, dict(row)
    assert row["title"] == created.content.title
    assert row["approval_status"] != "none"  # what ApprovalRequested said is kept too
    offsets = await pool.fetch(
        "SELECT topic, next_offset FROM projections.consumer_offsets WHERE consumer = $1", GROUP
    )
    assert {r["topic"]: r["next_offset"] for r in offsets} == {
        DRAFTING_EVENTS: 1,
        APPROVAL_EVENTS: 1,
    }
