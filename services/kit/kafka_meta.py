"""Small metadata look-ups that aiokafka's consumer only answers for topics it subscribed to."""

from __future__ import annotations

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.kit.kafka_clients import client_kwargs


async def topic_partitions(bootstrap: str, *topics: str) -> list[TopicPartition]:
    """Every partition of the given topics that exist; unknown topics contribute none."""
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return sorted(
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if d.get("error_code", 0) == 0
        for p in d["partitions"]
    )
