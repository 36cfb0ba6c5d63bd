"""The outbox relay: publishes committed outbox rows to Kafka in order, exactly once per row."""

from __future__ import annotations

import asyncio
import os
import signal
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from events.topics import REPLIES
from services.kit.db import Connection, Pool
from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_meta import topic_partitions

log = structlog.get_logger()
OUTBOX_ID = "pressroom_outbox_id"
BATCH = 500
# Bytes per partition per produce request: a burst of rows goes out in a few requests, not in
# one per 16 KiB (aiokafka's default), each waiting for the one before it to drain.
MAX_BATCH_BYTES = 512 * 1024
# Fallback wake-up in case a NOTIFY was missed while the listener reconnected.
IDLE_POLL_S = 5.0


@dataclass(frozen=True)
class OutboxRow:
    id: int
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


@dataclass
class OutboxRelay:
    """One active relay per schema (advisory lock); others wait to take over."""

    pool: Pool
    schema: str
    bootstrap: str
    notify_channel: str
    fault: str = ""
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, stop: asyncio.Event) -> None:
        async with self.pool.acquire() as lock_conn:
            await self._become_leader(lock_conn, stop)
            await lock_conn.add_listener(self.notify_channel, lambda *_: self.wake.set())
            producer = AIOKafkaProducer(
                **client_kwargs(self.bootstrap),
                enable_idempotence=True,
                acks="all",
                linger_ms=2,
                max_batch_size=MAX_BATCH_BYTES,
            )
            await producer.start()
            try:
                await self._reconcile_with_kafka()
                await self._publish_until(stop, producer)
            finally:
                await producer.stop()

    async def _become_leader(self, conn: Connection, stop: asyncio.Event) -> None:
        lock = zlib.crc32(f"relay:{self.schema}".encode())
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock):
            if stop.is_set():
                raise asyncio.CancelledError
            await asyncio.sleep(1.0)
        log.info("relay_leader", schema=self.schema)

    async def _publish_until(self, stop: asyncio.Event, producer: AIOKafkaProducer) -> None:
        while not stop.is_set():
            self.wake.clear()
            published = await self.publish_batch(producer)
            if published == 0:
                await _wait_any(self.wake, stop, IDLE_POLL_S)

    async def publish_batch(self, producer: AIOKafkaProducer) -> int:
        rows = await self._unpublished(BATCH)
        if not rows:
            return 0
        futures = []
        for row in rows:
            headers = [*row.headers, (OUTBOX_ID, self._outbox_id(row.id))]
            # Keyed by release id: the producer's partitioner keeps one release on one partition.
            futures.append(await producer.send(row.topic, row.value, key=row.key, headers=headers))
        # Every ack before marking: a crash in between is repaired by _reconcile_with_kafka.
        await asyncio.gather(*futures)
        if self.fault == "kill-after-publish":
            os.kill(os.getpid(), signal.SIGKILL)
        await self._mark_published([r.id for r in rows])
        return len(rows)

    def _outbox_id(self, row_id: int) -> bytes:
        return f"{self.schema}:{row_id}".encode()

    async def _unpublished(self, limit: int) -> list[OutboxRow]:
        rows = await self.pool.fetch(
            f"SELECT id, topic, key, value, header_keys, header_values FROM {self.schema}.outbox"
            " WHERE published_at IS NULL ORDER BY id LIMIT $1",
            limit,
        )
        return [
            OutboxRow(
                r["id"],
                r["topic"],
                r["key"],
                r["value"],
                list(zip(r["header_keys"], r["header_values"], strict=True)),
            )
            for r in rows
        ]

    async def _mark_published(self, ids: list[int]) -> None:
        await self.pool.execute(
            f"UPDATE {self.schema}.outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
            ids,
        )

    async def _reconcile_with_kafka(self) -> None:
        """Marks rows that reached Kafka before a crash, so a restart never publishes them twice."""
        pending = await self._unpublished(100_000)
        by_topic: dict[str, int] = defaultdict(int)
        for row in pending:
            by_topic[row.topic] += 1
        found: set[bytes] = set()
        for topic, count in by_topic.items():
            found |= await self._recent_outbox_ids(topic, count)
        already = [r.id for r in pending if self._outbox_id(r.id) in found]
        if already:
            await self._mark_published(already)
        log.info("relay_reconciled", pending=len(pending), already_on_kafka=len(already))

    async def _recent_outbox_ids(self, topic: str, depth: int) -> set[bytes]:
        # Only this relay writes its own topics, so its unpublished rows, if on Kafka at all, are
        # within the last `depth` records of each partition. Replies are shared by every service:
        # scan a generous tail there too; a duplicate reply is harmless (keyed by command id).
        depth = depth * 4 + 100 if topic == REPLIES else depth
        partitions = await topic_partitions(self.bootstrap, topic)
        consumer = AIOKafkaConsumer(**client_kwargs(self.bootstrap), enable_auto_commit=False)
        await consumer.start()
        try:
            return await _tail_headers(consumer, partitions, depth)
        finally:
            await consumer.stop()


async def _tail_headers(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], depth: int
) -> set[bytes]:
    if not partitions:
        return set()
    consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions)
    found: set[bytes] = set()
    for tp in partitions:
        start = max(0, ends[tp] - depth)
        consumer.seek(tp, start)
        while ends[tp] > start and await consumer.position(tp) < ends[tp]:
            batch = await consumer.getmany(tp, timeout_ms=1000)
            for record in batch.get(tp, []):
                found |= {v for k, v in (record.headers or ()) if k == OUTBOX_ID}
    return found


async def _wait_any(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
