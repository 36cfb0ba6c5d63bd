"""Creates Pressroom's topics at start, with the same partition count everywhere."""

from __future__ import annotations

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from events.topics import ALL_TOPICS, EVENT_TOPICS
from services.kit.kafka_clients import client_kwargs

log = structlog.get_logger()
# Event topics are the shared, replayable log every consumer and rebuild reads (each service's
# PostgreSQL event store is written first): kept forever, never compacted. docs/architecture.md.
EVENT_TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete"}


async def ensure_topics(
    bootstrap: str, partitions: int, topics: tuple[str, ...] = ALL_TOPICS
) -> list[str]:
    """Creates the missing topics; returns their names. Existing topics are left as they are."""
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            await admin.create_topics([_new_topic(t, partitions) for t in missing])
            log.info("topics_created", topics=missing)
        return missing
    finally:
        await admin.close()


def _new_topic(name: str, partitions: int) -> NewTopic:
    config = EVENT_TOPIC_CONFIG if name in EVENT_TOPICS else {}
    return NewTopic(
        name=name, num_partitions=partitions, replication_factor=1, topic_configs=config
    )
