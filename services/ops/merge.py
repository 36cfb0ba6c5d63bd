"""Records of many partitions merged into one stream in Kafka-timestamp order, each partition's
own order kept. A release's events sit on the same partition number of several topics; folding
them in time order (as the live projector saw them arrive) makes a rebuild deterministic and
equal to the live read models, whatever order the broker hands the partitions over in."""

from __future__ import annotations

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
    its next record may be the earliest."""

    def __init__(self, partitions: Iterable[Hashable]) -> None:
        self.buffers: dict[Hashable, deque[Any]] = {tp: deque() for tp in partitions}
        self.open = set(self.buffers)

    def add(self, partition: Hashable, records: Iterable[Any]) -> None:
        self.buffers[partition].extend(records)

    def close(self, partition: Hashable) -> None:
        """No more records will come from this partition."""
        self.open.discard(partition)

    def buffered(self, partition: Hashable) -> int:
        return len(self.buffers[partition])

    def take(self, limit: int) -> list[Any]:
        """Up to `limit` records that can safely come next."""
        taken: list[Any] = []
        while len(taken) < limit:
            if any(not self.buffers[tp] for tp in self.open):
                break
            heads = [buffer for buffer in self.buffers.values() if buffer]
            if not heads:
                break
            taken.append(min(heads, key=lambda b: _order(b[0])).popleft())
        return taken

    @property
    def done(self) -> bool:
        return not self.open and not any(self.buffers.values())


def _order(record: Stamped) -> tuple[int, str, int, int]:
    return record.timestamp, record.topic, record.partition, record.offset
