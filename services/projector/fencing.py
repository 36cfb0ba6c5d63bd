"""The fence of the projector's partitions: a projector that lost a partition never writes it.

Kafka's group decides who reads a partition, but a member that stalled past its session (a long
pause, a frozen VM) does not know it was replaced until it next talks to the coordinator, and it
may be in the middle of a batch. So each assignment takes the partition's next epoch in
PostgreSQL, in the transaction that reads its stored offset; each batch checks, in the transaction
that writes its rows and offsets, that its writer still holds the latest epoch of every partition
it writes. A stale writer's transaction is refused and rolled back. The check takes a share lock
on the epoch rows, so a takeover waits for a batch already past the check, then reads its offsets.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection, Mapping

from services.kit.db import Db

Partition = tuple[str, int]


class PartitionsFenced(Exception):
    """Another projector took these partitions since this one was assigned them."""

    def __init__(self, partitions: Collection[Partition]) -> None:
        self.partitions = frozenset(partitions)
        named = ", ".join(f"{topic}[{partition}]" for topic, partition in sorted(partitions))
        super().__init__(f"partitions taken over by another projector: {named}")


def owner_name() -> str:
    """Which process holds an epoch: shown to operators, never used to decide."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def claim(
    db: Db, schema: str, consumer: str, owner: str, partitions: Collection[Partition]
) -> dict[Partition, int]:
    """Takes the next epoch of each partition (in a sorted order, so two claimers never
    deadlock); call in the transaction that then reads the stored offsets."""
    ordered = sorted(partitions)
    rows = await db.fetch(
        f"INSERT INTO {schema}.partition_epochs (consumer, topic, partition, epoch, owner)"
        " SELECT $1, topic, partition, 1, $2"
        " FROM unnest($3::text[], $4::int[]) WITH ORDINALITY AS p(topic, partition, n) ORDER BY n"
        " ON CONFLICT (consumer, topic, partition) DO UPDATE SET"
        " epoch = partition_epochs.epoch + 1, owner = EXCLUDED.owner, claimed_at = now()"
        " RETURNING topic, partition, epoch",
        consumer,
        owner,
        [topic for topic, _ in ordered],
        [partition for _, partition in ordered],
    )
    return {(row["topic"], row["partition"]): row["epoch"] for row in rows}


async def check(db: Db, schema: str, consumer: str, held: Mapping[Partition, int]) -> None:
    """Raises PartitionsFenced unless every partition's latest epoch is the one held; the share
    lock it takes lasts until the batch commits. Call first in the batch's transaction."""
    ordered = sorted(held)
    rows = await db.fetch(
        f"SELECT topic, partition, epoch FROM {schema}.partition_epochs"
        " WHERE consumer = $1 AND (topic, partition) IN"
        " (SELECT * FROM unnest($2::text[], $3::int[]))"
        " ORDER BY topic, partition FOR SHARE",
        consumer,
        [topic for topic, _ in ordered],
        [partition for _, partition in ordered],
    )
    latest = {(row["topic"], row["partition"]): row["epoch"] for row in rows}
    lost = [tp for tp, epoch in held.items() if latest.get(tp) != epoch]
    if lost:
        raise PartitionsFenced(lost)
