"""Recorded examples: one record per event version, its key, headers and value exactly as the
outbox relay puts them on Kafka, and what it meant when it was recorded (the decoded envelope).

Recorded once, by an explicit step (`pressroom schemas record`), and never rewritten: the test
replays them through today's codec, so a change in encoding, decoding or an upcaster that alters
what an old record means breaks a test instead of a consumer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import KafkaRecord, decode, encode
from events.schemas.examples import examples
from services.kit.relay_rows import OUTBOX_ROW_KEY

# The relay adds its row's own key to every record (a random uuid; recordings made before it
# carry the older `pressroom_outbox_id`, schema:row id); a consumer must ignore either.
SAMPLE_OUTBOX_ROW = b"3b0c6a3e-8f4e-4a53-9c1e-2d1f6f0b7a10"


def recorded_versions() -> list[str]:
    """`<service>/<Name>.v<N>` of every version that Pressroom writes to an events topic."""
    return [
        m.schema_path().removesuffix(".json") for m in REGISTRY.all_models() if m.kind == "event"
    ]


def recording(envelope: Envelope[Any]) -> dict[str, Any]:
    """The record the relay would write for `envelope`, and what it decodes to."""
    record = encode(envelope)
    headers = [*record.headers, (OUTBOX_ROW_KEY, SAMPLE_OUTBOX_ROW)]
    meaning = decode(KafkaRecord(record.key, record.value, headers), REGISTRY)
    return {
        "ce_type": envelope.data.ce_type(),
        "key": (record.key or b"").decode("utf-8"),
        "headers": [[name, (value or b"").decode("utf-8")] for name, value in headers],
        "value": (record.value or b"").decode("utf-8"),
        "meaning": meaning_of(meaning),
    }


def meaning_of(envelope: Envelope[Any]) -> dict[str, Any]:
    """Every attribute and every field of the data (dumped as its own model, not as Message).
    The trace context only when there is one: optional attributes added since the recordings."""
    unset = {name for name in ("traceparent", "tracestate") if getattr(envelope, name) is None}
    return envelope.model_dump(mode="json", exclude=unset) | {"data": envelope.data.data()}


def record_missing(folder: Path) -> list[str]:
    """Writes a recording for every event version that has none; an existing one is kept."""
    stories = examples()
    written = []
    for version in recorded_versions():
        path = folder / f"{version}.json"
        if path.exists():
            continue
        ce_type = "pressroom." + version.replace("/", ".")
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(recording(stories[ce_type]), indent=2, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(version)
    return written


def replay(recorded: dict[str, Any]) -> KafkaRecord:
    """The recorded record, as bytes again."""
    return KafkaRecord(
        key=recorded["key"].encode("utf-8"),
        value=recorded["value"].encode("utf-8"),
        headers=[(name, value.encode("utf-8")) for name, value in recorded["headers"]],
    )
