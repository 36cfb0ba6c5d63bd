"""The faust app of a service: one app id (= one consumer group) per service, raw bytes in."""

from __future__ import annotations

import faust

from events.kafka import KafkaRecord
from services.kit.dlq import RecordOrigin
from services.kit.settings import Settings


def create_app(service: str, settings: Settings) -> faust.App:
    return faust.App(
        f"pressroom-{service}",
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="memory://",
        # Decisions live in PostgreSQL, not in faust tables: nothing to recover on start.
        topic_partitions=settings.topic_partitions,
        topic_allow_declare=False,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )


def raw_topic(app: faust.App, name: str) -> faust.TopicT:
    """Our agents read bytes and decode them themselves, so bad input reaches the DLQ, not a crash."""
    return app.topic(name, key_serializer="raw", value_serializer="raw")


def record_of(event: faust.EventT) -> tuple[KafkaRecord, RecordOrigin]:
    message = event.message
    headers = [(k, v if isinstance(v, bytes) else str(v).encode()) for k, v in (message.headers or [])]
    return (
        KafkaRecord(key=message.key, value=message.value, headers=headers),
        RecordOrigin(topic=message.topic, partition=message.partition, offset=message.offset),
    )
