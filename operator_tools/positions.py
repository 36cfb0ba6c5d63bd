"""End offsets and the time of the record at an offset: what lag and status are made of."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

from aiokafka import TopicPartition

from operator_tools.kafka_io import reader
from operator_tools.times import from_millis
from services.kit.kafka_meta import end_offsets

__all__ = ["end_offsets", "record_times"]

# Waiting longer for one record than this means the broker is not answering.
FETCH_TIMEOUT_S = 10.0


async def record_times(
    bootstrap: str, offsets: Mapping[TopicPartition, int]
) -> dict[TopicPartition, datetime]:
    """The Kafka timestamp of the record at each given offset (where there is one)."""
    wanted = {tp: offset for tp, offset in offsets.items() if offset >= 0}
    if not wanted:
        return {}
    consumer = reader(bootstrap)
    await consumer.start()
    try:
        consumer.assign(list(wanted))
        for tp, offset in wanted.items():
            consumer.seek(tp, offset)
        found: dict[TopicPartition, datetime] = {}
        async with asyncio.timeout(FETCH_TIMEOUT_S):
            while len(found) < len(wanted):
                for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                    found.setdefault(tp, from_millis(records[0].timestamp))
                    consumer.pause(tp)
        return found
    except TimeoutError:
        return found
    finally:
        await consumer.stop()
