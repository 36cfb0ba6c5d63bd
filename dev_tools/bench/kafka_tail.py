"""A consumer of some topics from their current end, read by a task of its own for as long as a
block runs: how the storm and the Kafka-driven lifecycle see the stack's answers to them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from aiokafka import AIOKafkaConsumer

from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_meta import topic_partitions


@contextlib.asynccontextmanager
async def tailing(
    bootstrap: str,
    topics: tuple[str, ...],
    read: Callable[[AIOKafkaConsumer], Coroutine[Any, Any, None]],
) -> AsyncIterator[None]:
    """Positioned at the end before the block sends anything, so `read` sees every answer."""
    consumer = AIOKafkaConsumer(**client_kwargs(bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, *topics)
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for partition in partitions:
            await consumer.position(partition)  # resolves the seek now, not at first fetch
        reading = asyncio.create_task(read(consumer))
        try:
            yield
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
    finally:
        await consumer.stop()
