"""Reads one release's events straight from the Kafka log (not from a read model)."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer

from events.base import Message
from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import KafkaRecord, UndecodableMessage, decode
from services.kit.kafka_meta import topic_partitions


async def release_events(
    bootstrap: str, release_id: str, topics: tuple[str, ...]
) -> list[Envelope[Message]]:
    """Every event keyed by the release on the given topics, from offset 0 to the current end,
    in log order per topic and then by time across topics."""
    partitions = await topic_partitions(bootstrap, *topics)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[Envelope[Message] | None] = []
        key = release_id.encode()
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                found += [_decoded(r) for r in records if r.key == key]
    finally:
        await consumer.stop()
    envelopes = [e for e in found if e is not None]
    return sorted(envelopes, key=lambda e: (e.time, e.sequence or 0))


def _decoded(record: object) -> Envelope[Message] | None:
    try:
        return decode(KafkaRecord(record.key, record.value, list(record.headers or ())), REGISTRY)  # type: ignore[attr-defined]
    except UndecodableMessage:
        return None  # the history shows what can be read; the projector's DLQ names the rest
