"""CloudEvents Kafka protocol binding, binary mode: attributes in `ce_` headers, data as value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from events.base import Message
from events.envelope import Envelope
from events.registry import Registry, UnknownType

Headers = list[tuple[str, bytes]]
CONTENT_TYPE = "application/json"
REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type")
SEQUENCE_DIGITS = 10


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on (or came off) a topic."""

    key: bytes | None
    value: bytes | None
    headers: Headers

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", errors="replace")
        return None


def format_sequence(version: int) -> str:
    """Zero-padded: the CloudEvents sequence extension must sort as a string ("2" < "10" fails)."""
    return f"{version:0{SEQUENCE_DIGITS}d}"


class UndecodableMessage(ValueError):
    """The record is not a Pressroom CloudEvent: the reason goes to the dead-letter entry."""


def encode(envelope: Envelope[Any]) -> KafkaRecord:
    data: Message = envelope.data
    attributes = {
        "ce_specversion": "1.0",
        "ce_id": envelope.id,
        "ce_source": envelope.source,
        "ce_type": data.ce_type(),
        "ce_time": _rfc3339(envelope.time),
        "ce_subject": envelope.subject,
        "ce_dataschema": data.dataschema(),
        "ce_correlationid": envelope.correlation_id,
        "ce_actor": envelope.actor,
        "content-type": CONTENT_TYPE,
    }
    if envelope.sequence is not None:
        attributes["ce_sequence"] = format_sequence(envelope.sequence)
    if envelope.causation_id is not None:
        attributes["ce_causationid"] = envelope.causation_id
    headers = [(name, value.encode("utf-8")) for name, value in attributes.items()]
    value = json.dumps(data.data(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return KafkaRecord(key=envelope.subject.encode("utf-8"), value=value, headers=headers)


def decode(record: KafkaRecord, registry: Registry) -> Envelope[Message]:
    """Reads any version of a registered type as its latest version, or says why it cannot."""
    missing = [name for name in REQUIRED if record.header(name) is None]
    if missing:
        raise UndecodableMessage(f"missing CloudEvents headers: {', '.join(missing)}")
    if record.header("ce_specversion") != "1.0":
        raise UndecodableMessage(f"unsupported ce_specversion {record.header('ce_specversion')!r}")
    try:
        data = registry.read(str(record.header("ce_type")), _json_object(record.value))
    except UnknownType as error:
        raise UndecodableMessage(str(error)) from error
    except ValidationError as error:
        raise UndecodableMessage(f"data does not match its schema: {_summary(error)}") from error
    try:
        return _envelope(record, data)
    except ValidationError as error:
        # Not the data's fault: a header (ce_time, most often) is missing or malformed.
        raise UndecodableMessage(f"invalid CloudEvents attributes: {_summary(error)}") from error


def _envelope(record: KafkaRecord, data: Message) -> Envelope[Message]:
    return Envelope[Message](
        id=str(record.header("ce_id")),
        source=str(record.header("ce_source")),
        time=record.header("ce_time") or "",
        subject=record.header("ce_subject") or data.model_dump().get("release_id", ""),
        data=data,
        sequence=_int_or_none(record.header("ce_sequence")),
        correlation_id=record.header("ce_correlationid") or str(record.header("ce_id")),
        causation_id=record.header("ce_causationid"),
        actor=record.header("ce_actor") or "unknown",
    )


def _json_object(value: bytes | None) -> dict[str, Any]:
    if value is None:
        raise UndecodableMessage("the record has no value (tombstone)")
    try:
        parsed = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UndecodableMessage(f"value is not JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise UndecodableMessage(f"value is JSON {type(parsed).__name__}, not an object")
    return parsed


def _int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError as error:
        raise UndecodableMessage(f"ce_sequence {text!r} is not an integer") from error


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _summary(error: ValidationError) -> str:
    parts = [f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in error.errors()]
    return "; ".join(parts[:5]) + ("; …" if len(parts) > 5 else "")
