"""The relay's rows: reading them and deleting those Kafka acked, on the fenced connection,
setting aside what Kafka refuses for good, and reconciling with Kafka after a crash by each row's
own random key. An outbox holds only rows still to send or set aside: the events themselves stay
in the event store, and a published row kept would only grow the table and its vacuums."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
)

from events.topics import REPLIES
from services.kit.db import Connection
from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_meta import topic_partitions

log = structlog.get_logger()
# The de-duplication key on every record the relay writes: the outbox row's random uuid. Never
# its bigserial id, which a restored backup hands out again while Kafka keeps the newer records.
OUTBOX_ROW_KEY = "pressroom_outbox_row"
# Kafka will refuse these again however often they are sent (InvalidMessageError is the same
# class as CorruptRecordException in aiokafka).
REFUSED_FOR_GOOD: tuple[type[KafkaError], ...] = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
    InvalidTopicError,
)
# published_at is set by no version since 005 (rows are deleted once sent); kept in the
# predicate because the partial index outbox_pending is defined with it.
PENDING = "published_at IS NULL AND set_aside_at IS NULL"
# The lock test makes the fence explicit: deletes commit only on the session holding the lock.
HOLDS_LOCK = (
    "EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    " AND objid = $2::bigint::oid AND granted)"
)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    row_key: str
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


@dataclass
class Sent:
    """What became of one batch: acked ids, rows refused for good, the first other failure."""

    futures: list[tuple[OutboxRow, Any]] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)
    refused: list[tuple[OutboxRow, Exception]] = field(default_factory=list)
    failure: Exception | None = None

    async def settle(self) -> Exception | None:
        results = await asyncio.gather(*(f for _, f in self.futures), return_exceptions=True)
        for (row, _), result in zip(self.futures, results, strict=True):
            if isinstance(result, REFUSED_FOR_GOOD):
                self.refused.append((row, result))
            elif isinstance(result, Exception):
                self.failure = self.failure or result
            else:
                self.acked.append(row.id)
        return self.failure


async def pending_rows(conn: Connection, schema: str, limit: int) -> list[OutboxRow]:
    rows = await conn.fetch(
        "SELECT id, row_key, topic, key, value, header_keys, header_values"
        f" FROM {schema}.outbox WHERE {PENDING} ORDER BY id LIMIT $1",
        limit,
    )
    return [
        OutboxRow(
            r["id"],
            str(r["row_key"]),
            r["topic"],
            r["key"],
            r["value"],
            list(zip(r["header_keys"], r["header_values"], strict=True)),
        )
        for r in rows
    ]


async def delete_published(conn: Connection, schema: str, lock_key: int, ids: list[int]) -> None:
    """Fenced: deletes nothing unless this session still holds the relay's lock. A DELETE, not an
    UPDATE marking the row: no new row version, no new index entry, and a table the size of
    what is in flight, so its vacuums stay small (docs/decisions.md 45)."""
    if not ids:
        return
    deleted = await conn.fetchval(
        f"WITH sent AS (DELETE FROM {schema}.outbox"
        f" WHERE id = ANY($1::bigint[]) AND {HOLDS_LOCK} RETURNING 1) SELECT count(*) FROM sent",
        ids,
        lock_key,
    )
    if deleted != len(ids):
        raise RuntimeError(f"the relay of {schema} no longer holds its lock: {deleted} deleted")


async def set_aside(
    conn: Connection, schema: str, refused: list[tuple[OutboxRow, Exception]]
) -> None:
    """Kafka will never take these: kept, with why, for `pressroom stuck`; never retried."""
    for row, error in refused:
        size = len(row.value or b"")
        log.error("outbox_row_set_aside", schema=schema, id=row.id, topic=row.topic,
                  value_bytes=size, error=repr(error))  # fmt: skip
    await conn.executemany(
        f"UPDATE {schema}.outbox SET set_aside_at = now(), set_aside_reason = $2 WHERE id = $1",
        [(row.id, f"{type(e).__name__}: {e}"[:4000]) for row, e in refused],
    )


async def reconcile_with_kafka(conn: Connection, schema: str, bootstrap: str) -> None:
    """Deletes rows that reached Kafka before a crash, so a restart never publishes them twice."""
    pending = await pending_rows(conn, schema, 100_000)
    by_topic: dict[str, int] = defaultdict(int)
    for row in pending:
        by_topic[row.topic] += 1
    found: set[bytes] = set()
    for topic, count in by_topic.items():
        found |= await _recent_row_keys(bootstrap, topic, count)
    already = [r.id for r in pending if r.row_key.encode() in found]
    if already:
        await conn.execute(f"DELETE FROM {schema}.outbox WHERE id = ANY($1::bigint[])", already)
    log.info("relay_reconciled", schema=schema, pending=len(pending), already_on_kafka=len(already))


async def _recent_row_keys(bootstrap: str, topic: str, depth: int) -> set[bytes]:
    # Only this relay writes its own topics, so its unpublished rows, if on Kafka at all, are
    # within the last `depth` records of each partition. Replies are shared by every service:
    # scan a generous tail there too; a duplicate reply is harmless (keyed by command id).
    depth = depth * 4 + 100 if topic == REPLIES else depth
    partitions = await topic_partitions(bootstrap, topic)
    consumer = AIOKafkaConsumer(**client_kwargs(bootstrap), enable_auto_commit=False)
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
                found |= {v for k, v in (record.headers or ()) if k == OUTBOX_ROW_KEY}
    return found
