"""The fence of the projector's partitions: a projector that lost a partition never writes it.

Kafka's group decides who reads a partition, but a member that stalled past its session (a long
pause, a frozen VM) does not know it was replaced until it next talks to the coordinator, and it
may be in the middle of a batch. So each assignment takes the partition's next epoch in
PostgreSQL, in the transaction that reads its stored offset; each batch checks, in the transaction
that writes its rows and offsets, that its writer still holds the latest epoch of every partition
it writes. A stale writer's transaction is refused and rolled back. The check takes a share lock
on the epoch rows, so a takeover waits for a batch already past the check, then reads its offsets.
The check rides in the statement that loads and locks the batch's release rows, ahead of them: a
refused writer locks no release (ProjectionStore.lock_releases_held).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection, Mapping
from typing import Any

from asyncpg import Record

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


def verdict_ctes(schema: str) -> str:
    """Two CTEs for the statement that loads a batch's rows: `fence`, the latest epoch of each
    partition held, share-locked (in a sorted order, so two checkers never deadlock) until the
    batch commits; `verdict`, one row: `fence_held` (every partition at the epoch held) and the
    epochs found. Parameters: $1 consumer, $2 topics, $3 partitions, $4 the epochs held."""
    return (
        f"fence AS MATERIALIZED (SELECT topic, partition, epoch FROM {schema}.partition_epochs"
        " WHERE consumer = $1 AND (topic, partition) IN"
        " (SELECT * FROM unnest($2::text[], $3::int[])) ORDER BY topic, partition FOR SHARE),"
        " verdict AS MATERIALIZED (SELECT"
        " coalesce(bool_and(f.epoch IS NOT DISTINCT FROM h.epoch), true) AS fence_held,"
        " array_agg(f.topic) AS fence_topics, array_agg(f.partition) AS fence_partitions,"
        " array_agg(f.epoch) AS fence_epochs"
        " FROM unnest($2::text[], $3::int[], $4::int[]) AS h(topic, partition, epoch)"
        " LEFT JOIN fence AS f ON f.topic = h.topic AND f.partition = h.partition)"
    )


def verdict_args(consumer: str, held: Mapping[Partition, int]) -> tuple[Any, ...]:
    """$1 to $4 of `verdict_ctes`."""
    ordered = sorted(held)
    return (
        consumer,
        [topic for topic, _ in ordered],
        [partition for _, partition in ordered],
        [held[tp] for tp in ordered],
    )


def raise_unless_held(held: Mapping[Partition, int], verdict: Record) -> None:
    """Raises PartitionsFenced unless the verdict found every partition at the epoch held,
    naming the partitions whose epoch moved on."""
    if verdict["fence_held"]:
        return
    found = zip(
        verdict["fence_topics"] or [],
        verdict["fence_partitions"] or [],
        verdict["fence_epochs"] or [],
        strict=True,
    )
    latest = {(topic, partition): epoch for topic, partition, epoch in found if topic is not None}
    raise PartitionsFenced([tp for tp, epoch in held.items() if latest.get(tp) != epoch])
