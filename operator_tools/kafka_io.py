"""Offset ranges of the log (from 0, from a time, up to stored positions) and reading them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from operator_tools.merge import TimeOrderedMerge
from operator_tools.times import to_millis
from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_meta import topic_partitions

BATCH = 2_000
BUFFERED_PER_PARTITION = 20_000
# Bigger fetches than aiokafka's defaults: a rebuild reads whole partitions, not a trickle.
FETCH_BYTES = 16 * 1024 * 1024

Positions = Mapping[TopicPartition, int]


@dataclass(frozen=True)
class OffsetRange:
    """Offsets [start, end) of one partition."""

    start: int
    end: int

    @property
    def count(self) -> int:
        return max(0, self.end - self.start)


Ranges = dict[TopicPartition, OffsetRange]


def reader(bootstrap: str) -> AIOKafkaConsumer:
    """A consumer outside any group: it commits nothing and moves nobody's position."""
    return AIOKafkaConsumer(
        **client_kwargs(bootstrap),
        enable_auto_commit=False,
        max_partition_fetch_bytes=FETCH_BYTES,
        fetch_max_bytes=FETCH_BYTES,
    )


async def log_ranges(
    bootstrap: str,
    topics: tuple[str, ...],
    since: datetime | None = None,
    stop_at: Positions | None = None,
) -> Ranges:
    """Every partition of `topics`: from its first offset, or the first stamped at or after
    `since` (offsets_for_times), to its current end, or to `stop_at` (0 where absent)."""
    partitions = await topic_partitions(bootstrap, *topics)
    if not partitions:
        return {}
    consumer = reader(bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
        starts = await _starts(consumer, partitions, since, ends)
    finally:
        await consumer.stop()
    limit = ends if stop_at is None else {tp: stop_at.get(tp, 0) for tp in partitions}
    return {tp: OffsetRange(starts[tp], min(limit[tp], ends[tp])) for tp in partitions}


async def _starts(
    consumer: AIOKafkaConsumer,
    partitions: list[TopicPartition],
    since: datetime | None,
    ends: Mapping[TopicPartition, int],
) -> dict[TopicPartition, int]:
    if since is None:
        return dict(await consumer.beginning_offsets(partitions))
    found = await consumer.offsets_for_times({tp: to_millis(since) for tp in partitions})
    # None: nothing in that partition is stamped that late, so its range starts at its end.
    return {tp: ends[tp] if hit is None else hit.offset for tp, hit in found.items()}


async def read_ranges(
    bootstrap: str, ranges: Mapping[TopicPartition, OffsetRange], batch: int = BATCH
) -> AsyncIterator[list[Any]]:
    """Every record of the ranges, merged across partitions in timestamp order (each partition
    in offset order), a batch at a time."""
    wanted = {tp: r for tp, r in ranges.items() if r.count > 0}
    if not wanted:
        return
    consumer = reader(bootstrap)
    await consumer.start()
    try:
        consumer.assign(list(wanted))
        for tp, offsets in wanted.items():
            consumer.seek(tp, offsets.start)
        merge = TimeOrderedMerge(wanted)
        while not merge.done:
            await _fetch(consumer, wanted, merge, batch)
            while records := merge.take(batch):
                yield records
    finally:
        await consumer.stop()


async def _fetch(
    consumer: AIOKafkaConsumer,
    wanted: Mapping[TopicPartition, OffsetRange],
    merge: TimeOrderedMerge,
    batch: int,
) -> None:
    """One fetch into the merge; a partition read to its range's end is closed and paused."""
    for tp in wanted:
        # A partition far ahead of the others waits, so the merge's buffers stay small.
        if tp in merge.open and merge.buffered(tp) > BUFFERED_PER_PARTITION:
            consumer.pause(tp)
        elif tp in merge.open:
            consumer.resume(tp)
    fetched = await consumer.getmany(timeout_ms=1000, max_records=batch)
    for tp, records in fetched.items():
        merge.add(tp, [r for r in records if r.offset < wanted[tp].end])
    for tp in list(merge.open):
        if await consumer.position(tp) >= wanted[tp].end:
            merge.close(tp)
            consumer.pause(tp)  # fetching on would only read records beyond the range
