"""Reads records straight from the Kafka log (not a read model), offset 0 to the current end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

from events.base import Message
from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import KafkaRecord, UndecodableMessage, decode
from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_meta import topic_partitions

RecordFilter = Callable[[KafkaRecord], bool]


async def read_records(bootstrap: str, topics: tuple[str, ...]) -> list[Any]:
    """Every record now on the topics (aiokafka ConsumerRecords, with their positions), in log
    order per partition; read outside any consumer group."""
    partitions = await topic_partitions(bootstrap, *topics)
    if not partitions:  # not created yet: services create their topics as they start
        return []
    consumer = AIOKafkaConsumer(**client_kwargs(bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[Any] = []
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                found += records
        return found
    finally:
        await consumer.stop()


async def read_log(
    bootstrap: str, topics: tuple[str, ...], keep: RecordFilter = lambda _: True
) -> list[KafkaRecord]:
    """Every record now on the topics that `keep` accepts, in log order per partition."""
    records = [
        KafkaRecord(r.key, r.value, list(r.headers or ()))
        for r in await read_records(bootstrap, topics)
    ]
    return [record for record in records if keep(record)]


async def release_events(
    bootstrap: str, release_id: str, topics: tuple[str, ...]
) -> list[Envelope[Message]]:
    """Every event keyed by the release, ordered by time across topics (sequence within one)."""
    key = release_id.encode()
    records = await read_log(bootstrap, topics, lambda record: record.key == key)
    envelopes = [e for e in map(_decoded, records) if e is not None]
    return sorted(envelopes, key=lambda e: (e.time, e.sequence or 0))


def _decoded(record: KafkaRecord) -> Envelope[Message] | None:
    try:
        return decode(record, REGISTRY)
    except UndecodableMessage:
        return None  # the history shows what can be read; the projector's DLQ names the rest
