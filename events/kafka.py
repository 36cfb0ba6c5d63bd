"""CloudEvents Kafka protocol binding, binary mode: attributes in `ce_` headers, data as value."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pydantic_core
from pydantic import ValidationError

from events.base import Message
from events.envelope import ENVELOPE_OF_MESSAGE, Envelope
from events.registry import Registry, UnknownType

# Kafka allows a header without a value (None): every reader must expect one.
Headers = list[tuple[str, bytes | None]]
CONTENT_TYPE = "application/json"
REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type")
SEQUENCE_DIGITS = 10
# PostgreSQL's integer, which every store keeps a stream version in (its events' `version`, the
# read model's `stream_version` columns).
MAX_STREAM_VERSION = 2**31 - 1


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on (or came off) a topic."""

    key: bytes | None
    value: bytes | None
    headers: Headers

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name and value is not None:  # Kafka allows a header without a value
                return value.decode("utf-8", errors="replace")
        return None

    def header_texts(self) -> dict[str, str]:
        """What `header` finds for every name, read in one pass: for a reader that asks for
        many (a signature check asks for nine; scanning the list for each was a third of its
        cost beside libsodium's). Built backwards so that the first of a name is written last."""
        return {
            key: value.decode("utf-8", errors="replace")
            for key, value in reversed(self.headers)
            if value is not None
        }


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
    if envelope.traceparent is not None:  # the distributed-tracing extension, when traced
        attributes["ce_traceparent"] = envelope.traceparent
        if envelope.tracestate is not None:
            attributes["ce_tracestate"] = envelope.tracestate
    headers: Headers = [(name, value.encode("utf-8")) for name, value in attributes.items()]
    # orjson writes the bytes `json.dumps(…, ensure_ascii=False, separators=(",", ":"))` encoded
    # as UTF-8 did (tests/unit/test_codec_fast_paths.py), at a fifth of the cost: every event
    # and every command on the bus is encoded here.
    value = orjson.dumps(data.data())
    return KafkaRecord(key=envelope.subject.encode("utf-8"), value=value, headers=headers)


def decode(record: KafkaRecord, registry: Registry) -> Envelope[Message]:
    """Reads any version of a registered type as its latest version, or says why it cannot."""
    return decode_parts(record.headers, record.value, registry)


def decode_parts(
    headers: Sequence[tuple[str, bytes | None]], value: bytes | None, registry: Registry
) -> Envelope[Message]:
    """`decode` of a record's headers and value, for a consumer holding them already."""
    attributes = _attributes(headers)
    missing = [name for name in REQUIRED if name not in attributes]
    if missing:
        raise UndecodableMessage(f"missing CloudEvents headers: {', '.join(missing)}")
    if attributes["ce_specversion"] != "1.0":
        raise UndecodableMessage(f"unsupported ce_specversion {attributes['ce_specversion']!r}")
    try:
        if value is None:
            raise UndecodableMessage("the record has no value (tombstone)")
        data = registry.read_json(attributes["ce_type"], value, _json_object)
    except UnknownType as error:
        raise UndecodableMessage(str(error)) from error
    except ValidationError as error:
        raise UndecodableMessage(f"data does not match its schema: {_summary(error)}") from error
    try:
        return _envelope(attributes, data)
    except ValidationError as error:
        # Not the data's fault: a header (ce_time, most often) is missing or malformed.
        raise UndecodableMessage(f"invalid CloudEvents attributes: {_summary(error)}") from error


def _attributes(headers: Sequence[tuple[str, bytes | None]]) -> dict[str, str]:
    """Every header as text, the first of a repeated name winning as in `KafkaRecord.header`:
    decoded once per record, since scanning the list for each attribute was a fifth of a
    rebuild's decoding. Built backwards so that the first of a name is written last."""
    # A null header value (Kafka allows one) is malformed, not absent: read as absent, a null
    # ce_subject would let the data name the stream whatever the sender meant.
    nulls = [name for name, value in headers if value is None and name.startswith("ce_")]
    if nulls:
        raise UndecodableMessage(f"headers without a value: {', '.join(nulls)}")
    try:  # strictly: a header read "with replacement" would be acted on as something else
        return {
            name: value.decode("utf-8") for name, value in reversed(headers) if value is not None
        }
    except UnicodeDecodeError as error:
        raise UndecodableMessage(f"a header is not UTF-8 text: {error}") from error


def _envelope(attributes: dict[str, str], data: Message) -> Envelope[Message]:
    """The envelope of the attributes. Validated from a dict, not through the model's
    `__init__`, and without the absent optional attributes (their defaults are None, and each
    one given costs its validator a call): a quarter less of the envelope's cost on every record
    every consumer reads, to the same model or the same error."""
    get = attributes.get
    fields: dict[str, Any] = {
        "id": attributes["ce_id"],
        "source": attributes["ce_source"],
        "time": get("ce_time") or "",
        "subject": get("ce_subject") or data.model_dump().get("release_id", ""),
        "data": data,
        "sequence": _stream_version_or_none(get("ce_sequence")),
        "correlation_id": get("ce_correlationid") or attributes["ce_id"],
        "actor": get("ce_actor") or "unknown",
    }
    for name, header in _OPTIONAL_ATTRIBUTES:
        if header in attributes:
            fields[name] = attributes[header]
    return ENVELOPE_OF_MESSAGE.model_validate(fields)


_OPTIONAL_ATTRIBUTES = (
    ("causation_id", "ce_causationid"),
    ("traceparent", "ce_traceparent"),
    ("tracestate", "ce_tracestate"),
)


def _json_object(value: bytes) -> dict[str, Any]:
    try:
        # pydantic-core's parser reads UTF-8 JSON at half the cost of `json.loads`, to the same
        # values; it is stricter (no BOM, no UTF-16, no lone surrogates), so whatever it refuses
        # is read by `json.loads` as before, which accepts it or says why not.
        parsed = pydantic_core.from_json(value)
    except ValueError:
        parsed = _json_loads(value)
    if not isinstance(parsed, dict):
        raise UndecodableMessage(f"value is JSON {type(parsed).__name__}, not an object")
    return parsed


def _json_loads(value: bytes) -> Any:
    try:
        return json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UndecodableMessage(f"value is not JSON: {error}") from error
    except RecursionError as error:  # nested deeper than any message of the contract
        raise UndecodableMessage("value is JSON nested too deeply to read") from error


def _stream_version_or_none(text: str | None) -> int | None:
    """ce_sequence as the contract writes it: ASCII digits, a version from 1 to what every
    store's integer holds. `int` alone took "-5", "+5", " 5", "5_000" and other scripts' digits,
    and a version past the integer stopped the projector at its write, record after record."""
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()):
        raise UndecodableMessage(f"ce_sequence {text!r} is not a stream version (digits only)")
    version = int(text)
    if not 1 <= version <= MAX_STREAM_VERSION:
        raise UndecodableMessage(
            f"ce_sequence {text!r} is out of range: a stream version is 1 to {MAX_STREAM_VERSION}"
        )
    return version


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _summary(error: ValidationError) -> str:
    parts = [f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in error.errors()]
    return "; ".join(parts[:5]) + ("; …" if len(parts) > 5 else "")
