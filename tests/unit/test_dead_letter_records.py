"""A dead letter is the record as it came: a header without a value (Kafka allows one) stays
without a value through `pressroom dlq list`, `show` and re-drive. Reading such a DLQ record
raised TypeError (`bytes(None)`), and the projector's parked copy came back with an empty value."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

from events.kafka import KafkaRecord
from services.kit.dlq import REASON, RecordOrigin, dead_letter, from_kafka, from_projector

ORIGINAL = KafkaRecord(
    b"r-1", b"{}", [("ce_id", b"c-1"), ("ce_correlationid", None), ("ce_type", b"t")]
)
FAILED_AT = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)


def test_a_kafka_dead_letter_keeps_a_header_without_a_value() -> None:
    dead = dead_letter(
        ORIGINAL, RecordOrigin("pressroom.approval.commands", 2, 41), "why", FAILED_AT
    )
    consumed = SimpleNamespace(
        topic="pressroom.approval.dlq", partition=0, offset=7, key=dead.key, value=dead.value,
        headers=tuple(dead.headers),  # as aiokafka hands them over
    )  # fmt: skip
    letter = from_kafka(consumed)
    assert (letter.reason, letter.source) == ("why", ("pressroom.approval.commands", 2, 41))
    assert letter.header(REASON) == "why"
    assert letter.record == ORIGINAL  # what re-drive sends back


def test_a_projector_dead_letter_keeps_a_header_without_a_value() -> None:
    stored = [  # as services/projector/store.py writes them: base64, or null
        {"key": "ce_id", "value": "Yy0x"},
        {"key": "ce_correlationid", "value": None},
        {"key": "ce_type", "value": "dA=="},
    ]
    row = {
        "topic": "pressroom.drafting.events", "partition": 1, "offset": 5, "key": b"r-1",
        "value": b"{}", "headers": json.dumps(stored), "reason": "why", "failed_at": FAILED_AT,
    }  # fmt: skip
    assert from_projector(row).record == ORIGINAL
