"""Every dead letter: the Kafka DLQs (pressroom.<svc>.dlq) and the projector's parked records
(projections.dead_letters), with reason, original bytes and headers, and re-drive status."""

from __future__ import annotations

from dataclasses import dataclass, replace

from events.topics import DLQ_TOPICS
from operator_tools.kafka_io import log_ranges, read_ranges
from services.kit.db import Connection
from services.kit.dlq import KAFKA, PROJECTOR, DeadLetter, from_kafka
from services.read_models.dead_letters import projector_dead_letters, redriven_results

__all__ = ["KAFKA", "PROJECTOR", "DeadLetter", "DeadLetterFilter", "list_dead_letters"]


@dataclass(frozen=True)
class DeadLetterFilter:
    where: str | None = None  # a part of the ce_type, e.g. DraftRevised or DraftRevised.v1
    release: str | None = None
    pending_only: bool = False

    def accepts(self, letter: DeadLetter) -> bool:
        return (
            (self.where is None or self.where in letter.ce_type)
            and (self.release is None or letter.release == self.release)
            and not (self.pending_only and letter.redriven is not None)
        )


async def kafka_dead_letters(bootstrap: str) -> list[DeadLetter]:
    ranges = await log_ranges(bootstrap, DLQ_TOPICS)
    return [
        from_kafka(r)
        for records in [x async for x in read_ranges(bootstrap, ranges)]
        for r in records
    ]


async def list_dead_letters(
    bootstrap: str, conn: Connection, where: DeadLetterFilter = DeadLetterFilter()
) -> list[DeadLetter]:
    """Kafka DLQs first, then the projector's; each marked with its re-drive result, if any."""
    letters = [*await kafka_dead_letters(bootstrap), *await projector_dead_letters(conn)]
    done = await redriven_results(conn)
    marked = [replace(x, redriven=done.get((x.topic, x.partition, x.offset))) for x in letters]
    return [letter for letter in marked if where.accepts(letter)]
