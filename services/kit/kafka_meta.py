"""Small metadata look-ups that aiokafka's consumer only answers for topics it subscribed to."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.kit.kafka_clients import client_kwargs


async def end_offsets(
    bootstrap: str, partitions: Iterable[TopicPartition]
) -> dict[TopicPartition, int]:
    """The next offset each partition will write; asked outside any group (moves no position)."""
    wanted = sorted(set(partitions))
    if not wanted:
        return {}
    consumer = AIOKafkaConsumer(**client_kwargs(bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(wanted))
    finally:
        await consumer.stop()


async def committed_offsets(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    """What `group` committed per partition (none for a group that has committed nothing).
    aiokafka's describe_consumer_groups cannot decode Kafka 4's answer; this call can."""
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


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
