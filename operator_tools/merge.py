"""Records of many partitions merged into one stream in Kafka-timestamp order, each partition's
own order kept. A release's events sit on the same partition number of several topics; folding
them in time order (as the live projector saw them arrive) makes a rebuild deterministic and
equal to the live read models, whatever order the broker hands the partitions over in."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Hashable, Iterable
from typing import Any, Protocol


class Stamped(Protocol):
    topic: str
    partition: int
    offset: int
    timestamp: int


class TimeOrderedMerge:
    """Feed each partition's records in offset order; take them back merged by timestamp (ties:
    topic, partition). A partition still open with nothing buffered holds the merge back, since
    its next record may be the earliest.

    The partitions' next records wait in a heap by that order, so taking one costs a heap step,
    not a look at every partition (a log has a partition per topic and partition number)."""

    def __init__(self, partitions: Iterable[Hashable]) -> None:
        self.buffers: dict[Hashable, deque[Any]] = {tp: deque() for tp in partitions}
        self.open = set(self.buffers)
        self.starved = set(self.buffers)  # open, with nothing buffered
        # (order of the partition's next record, partition) for every partition with records;
        # orders name topic, partition and offset, so two entries never tie.
        self.heads: list[tuple[tuple[int, str, int, int], Hashable]] = []

    def add(self, partition: Hashable, records: Iterable[Any]) -> None:
        buffer = self.buffers[partition]
        was_empty = not buffer
        buffer.extend(records)
        if was_empty and buffer:
            self.starved.discard(partition)
            heapq.heappush(self.heads, (_order(buffer[0]), partition))

    def close(self, partition: Hashable) -> None:
        """No more records will come from this partition."""
        self.open.discard(partition)
        self.starved.discard(partition)

    def buffered(self, partition: Hashable) -> int:
        return len(self.buffers[partition])

    def take(self, limit: int) -> list[Any]:
        """Up to `limit` records that can safely come next."""
        taken: list[Any] = []
        heads, buffers = self.heads, self.buffers
        while len(taken) < limit and heads and not self.starved:
            _, partition = heapq.heappop(heads)
            buffer = buffers[partition]
            taken.append(buffer.popleft())
            if buffer:
                heapq.heappush(heads, (_order(buffer[0]), partition))
            elif partition in self.open:
                self.starved.add(partition)
        return taken

    @property
    def done(self) -> bool:
        return not self.open and not any(self.buffers.values())


def _order(record: Stamped) -> tuple[int, str, int, int]:
    return record.timestamp, record.topic, record.partition, record.offset
