"""Dead letters: the original bytes and headers, untouched, plus why and where they failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from events.kafka import KafkaRecord

REASON = "pressroom_dlq_reason"
SOURCE_TOPIC = "pressroom_dlq_source_topic"
SOURCE_PARTITION = "pressroom_dlq_source_partition"
SOURCE_OFFSET = "pressroom_dlq_source_offset"
FAILED_AT = "pressroom_dlq_failed_at"
DLQ_HEADERS = (REASON, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET, FAILED_AT)


@dataclass(frozen=True)
class RecordOrigin:
    """Where a consumed record came from."""

    topic: str
    partition: int
    offset: int


def dead_letter(
    record: KafkaRecord, origin: RecordOrigin, reason: str, now: datetime
) -> KafkaRecord:
    """Same key, value and headers as the original; the DLQ headers are appended after them."""
    extra = {
        REASON: reason[:4000],
        SOURCE_TOPIC: origin.topic,
        SOURCE_PARTITION: str(origin.partition),
        SOURCE_OFFSET: str(origin.offset),
        FAILED_AT: now.isoformat(),
    }
    headers = [*record.headers, *((k, v.encode("utf-8")) for k, v in extra.items())]
    return KafkaRecord(key=record.key, value=record.value, headers=headers)


def original_of(dead: KafkaRecord) -> KafkaRecord:
    """Strips the DLQ headers again: what re-drive sends back to the source topic."""
    headers = [(k, v) for k, v in dead.headers if k not in DLQ_HEADERS]
    return KafkaRecord(key=dead.key, value=dead.value, headers=headers)
