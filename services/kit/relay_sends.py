"""The relay's sends: one record batch per partition, filled by hand and handed to the producer
whole, so that the relay knows which rows share a batch: Kafka judges a batch whole, and
aiokafka's `send` batches a partition's records together anyway, so a row Kafka refused for good
took every row sent with it (tests/integration/test_relay_sends.py). It is cheaper too in
isolation (aiokafka's `send` 20 µs a record, a filled BatchBuilder 6 µs with the partitioner);
in drafting the difference is within the spread (issue 15, docs/benchmarks.md).

Nothing else changes. A row goes to the partition `send` would choose (Kafka's murmur2 over
the topic's partitions, sorted: services/kit/partitioner.py); rows keep their order within a
partition (a full batch is handed over before the next is opened, and aiokafka keeps one
partition's batches in order); each row's outcome is its batch's. A row with no key (a random
partition) or too large for one request takes `send`'s own path, which names what Kafka refuses;
a batch Kafka refused for good is sent again row by row (by a producer of its own, one request
each), so that only the row at fault is set aside; then the relay starts over with a new
producer, as aiokafka leaves an idempotent producer's sequence on that partition spent (its next
batch there would fail with OutOfOrderSequenceNumber)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from services.kit.limits import PRODUCER_MAX_REQUEST_BYTES
from services.kit.partitioner import PARTITIONER
from services.kit.relay_rows import OUTBOX_ROW_KEY, REFUSED_FOR_GOOD, OutboxRow, Sent

Partition = tuple[str, int]


class ProducerSpent(Exception):
    """Kafka refused a batch: this producer's sequence on its partition is spent."""


def with_row_key(row: OutboxRow) -> list[tuple[str, bytes]]:
    """The row's headers and its own de-duplication key (services/kit/relay_rows.py)."""
    return [*row.headers, (OUTBOX_ROW_KEY, row.row_key.encode())]


async def send_one(producer: AIOKafkaProducer, row: OutboxRow, sent: Sent) -> None:
    """One row through aiokafka's `send`: what it refuses at once is noted against the row."""
    try:
        # Keyed by release id: the producer's partitioner keeps one release on one partition.
        future = await producer.send(row.topic, row.value, key=row.key, headers=with_row_key(row))
    except REFUSED_FOR_GOOD as error:
        sent.refused.append((row, error))
    except KafkaError as error:
        sent.failure = sent.failure or error
    else:
        sent.futures.append((row, future))


@dataclass
class _Open:
    builder: Any  # aiokafka's BatchBuilder
    rows: list[OutboxRow] = field(default_factory=list)


@dataclass
class PartitionBatches:
    """The rows of one relay batch, in id order, as one record batch per partition."""

    producer: AIOKafkaProducer
    sent: Sent
    # Makes the producer that sends a refused batch's rows one by one: not idempotent, so that a
    # refusal leaves it able to send the rows after it.
    one_by_one: Callable[[], AIOKafkaProducer]
    open: dict[Partition, _Open] = field(default_factory=dict)
    handed: list[tuple[Any, list[OutboxRow]]] = field(default_factory=list)
    partitions: dict[str, list[int]] = field(default_factory=dict)

    async def add(self, row: OutboxRow) -> None:
        headers = with_row_key(row)
        if row.key is None or _too_large(row, headers):
            await self._hand_over_all()  # what came before it goes first
            await send_one(self.producer, row, self.sent)
            return
        where = (row.topic, await self._partition_of(row.topic, row.key))
        batch = self.open.get(where)
        if batch is not None and not _append(batch, row, headers):
            await self._hand_over(where)
            batch = None
        if batch is None:
            batch = self.open[where] = _Open(self.producer.create_batch())
            if not _append(batch, row, headers):  # not seen: an empty batch takes any record
                del self.open[where]
                await send_one(self.producer, row, self.sent)

    async def finish(self) -> None:
        """Hands over what is open and waits for every batch: each row's outcome is then in
        `sent`, as `send_one` leaves it."""
        await self._hand_over_all()
        results = await asyncio.gather(*(f for f, _ in self.handed), return_exceptions=True)
        for (future, rows), result in zip(self.handed, results, strict=True):
            if not isinstance(result, REFUSED_FOR_GOOD):
                self.sent.futures.extend((row, future) for row in rows)
                continue
            if len(rows) > 1:
                await self._one_at_a_time(rows)  # which one? each alone: the others go out
            else:
                self.sent.refused.append((rows[0], result))
            spent = ProducerSpent(f"Kafka refused a batch on {rows[0].topic}: {result!r}")
            self.sent.failure = self.sent.failure or spent

    async def _one_at_a_time(self, rows: list[OutboxRow]) -> None:
        """Each row in a produce request of its own (`send` alone would batch them again), so
        that Kafka judges each alone."""
        producer = self.one_by_one()
        await producer.start()
        try:
            for row in rows:
                await send_one(producer, row, self.sent)
                last = self.sent.futures[-1] if self.sent.futures else None
                if last is not None and last[0] is row:
                    await asyncio.wait([last[1]])
        finally:
            await producer.stop()

    async def _partition_of(self, topic: str, key: bytes) -> int:
        partitions = self.partitions.get(topic)
        if partitions is None:
            partitions = self.partitions[topic] = sorted(await self.producer.partitions_for(topic))
        partition: int = PARTITIONER(key, partitions, partitions)
        return partition

    async def _hand_over_all(self) -> None:
        for where in list(self.open):
            await self._hand_over(where)

    async def _hand_over(self, where: Partition) -> None:
        batch = self.open.pop(where)
        try:
            future = await self.producer.send_batch(batch.builder, where[0], partition=where[1])
        except KafkaError as error:  # the producer is failing: these rows wait for the next try
            self.sent.failure = self.sent.failure or error
            return
        self.handed.append((future, batch.rows))


def _append(batch: _Open, row: OutboxRow, headers: list[tuple[str, bytes]]) -> bool:
    if batch.builder.append(timestamp=None, key=row.key, value=row.value, headers=headers) is None:
        return False
    batch.rows.append(row)
    return True


def _too_large(row: OutboxRow, headers: list[tuple[str, bytes]]) -> bool:
    size: int = DefaultRecordBatchBuilder.estimate_size_in_bytes(row.key, row.value, headers)
    return size > PRODUCER_MAX_REQUEST_BYTES
