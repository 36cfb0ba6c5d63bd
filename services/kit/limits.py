"""How large one Kafka record may be, set on purpose in one place so every limit agrees.

Content limits count characters; Kafka counts bytes, and JSON may spend six bytes on one
character (a control character as \\u0001). So the size of what a command would write is checked
at decide time, on the encoded records, and a command over it is refused (422) instead of
leaving the relay with a record Kafka will never take (docs/reliability.md).
"""

from __future__ import annotations

from events.base import Event
from events.envelope import Envelope
from events.kafka import KafkaRecord, encode
from events.replies import OutcomeStatus, Rejection

# One event as a record (value, key and headers) may be at most this large. Below the producer's
# limit by more than a record batch's own overhead (61 bytes, plus ~30 per record).
MAX_EVENT_BYTES = 1_000_000
# aiokafka's max_request_size: the largest record batch the relay's producer sends (1 MiB).
PRODUCER_MAX_REQUEST_BYTES = 1_048_576
# Every topic's max.message.bytes, and the broker's message.max.bytes of the local stack:
# Kafka's own default, written down so it is a choice and not an accident.
TOPIC_MAX_MESSAGE_BYTES = 1_048_588


class EventTooLarge(Rejection):
    """What the command would write cannot go to Kafka: refused, nothing recorded."""

    status = OutcomeStatus.INVALID
    problem_type = "urn:pressroom:problem:event-too-large"
    title = "The command would write an event too large to publish"


def record_bytes(record: KafkaRecord) -> int:
    """Bytes Kafka counts for one record's payload: value, key, header names and values."""
    headers = sum(len(name.encode()) + len(value or b"") for name, value in record.headers)
    return len(record.value or b"") + len(record.key or b"") + headers


def refuse_oversized(events: list[Envelope[Event]]) -> list[KafkaRecord]:
    """Raises EventTooLarge, naming the limit in bytes, if one of `events` is over it. Returns
    the records it measured, so that each event is encoded once (outbox and store reuse them)."""
    records = [encode(envelope) for envelope in events]
    for envelope, record in zip(events, records, strict=True):
        size = record_bytes(record)
        if size > MAX_EVENT_BYTES:
            raise EventTooLarge(
                f"{envelope.data.ce_type()} would be {size} bytes as a Kafka record; the limit"
                f" is {MAX_EVENT_BYTES} bytes. Shorten the content (control characters and"
                " non-ASCII text take several bytes each)."
            )
    return records
