"""Dead letters: the original bytes and headers, untouched, plus why and where they failed; and
one dead letter as it is read back, from a Kafka DLQ or from the projector's table."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


KAFKA = "kafka"
PROJECTOR = "projector"
Headers = tuple[tuple[str, bytes | None], ...]  # None: a header without a value


@dataclass(frozen=True)
class DeadLetter:
    store: str  # KAFKA or PROJECTOR
    topic: str  # where it sits: the DLQ topic, or for the projector the source topic
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers  # for Kafka DLQs, the original headers plus the pressroom_dlq_* ones
    reason: str
    failed_at: datetime | None
    source: tuple[str, int, int] | None  # the record that failed: topic, partition, offset
    redriven: str | None = None  # ops.redriven result, once re-driven

    @property
    def ref(self) -> str:
        """What `pressroom dlq show` takes."""
        prefix = f"{PROJECTOR}:" if self.store == PROJECTOR else ""
        return f"{prefix}{self.topic}:{self.partition}:{self.offset}"

    @property
    def record(self) -> KafkaRecord:
        """The original record, DLQ headers stripped: what re-drive decodes."""
        return original_of(KafkaRecord(self.key, self.value, list(self.headers)))

    def header(self, name: str) -> str | None:
        return KafkaRecord(self.key, self.value, list(self.headers)).header(name)

    @property
    def ce_type(self) -> str:
        return self.header("ce_type") or "?"

    @property
    def release(self) -> str:
        return (self.key or b"").decode("utf-8", errors="replace")


def from_kafka(record: Any) -> DeadLetter:
    """A record of a pressroom.<svc>.dlq topic (an aiokafka ConsumerRecord)."""
    # A header without a value stays None: re-drive sends the record back as it came.
    headers = tuple((str(k), None if v is None else bytes(v)) for k, v in (record.headers or ()))
    text = {
        k: v.decode("utf-8", errors="replace")
        for k, v in dict(headers).items()
        if k in DLQ_HEADERS and v is not None
    }
    source = None
    if {SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET} <= text.keys():
        source = (
            text[SOURCE_TOPIC],
            int(text[SOURCE_PARTITION]),
            int(text[SOURCE_OFFSET]),
        )
    return DeadLetter(
        KAFKA,
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        headers,
        text.get(REASON, "(no reason recorded)"),
        _time(text.get(FAILED_AT)),
        source,
    )


def from_projector(row: Any) -> DeadLetter:
    """A row of projections.dead_letters (headers as JSON text)."""
    headers = tuple(
        (h["key"], None if h["value"] is None else base64.b64decode(h["value"]))
        for h in json.loads(row["headers"] or "[]")
    )
    where = (row["topic"], row["partition"], row["offset"])
    return DeadLetter(
        PROJECTOR,
        *where,
        row["key"],
        row["value"],
        headers,
        row["reason"],
        row["failed_at"],
        where,
    )


def _time(text: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment if moment is not None and moment.utcoffset() is not None else None
