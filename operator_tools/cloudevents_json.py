"""One Kafka record ⇄ one CloudEvent in the JSON event format (structured mode), losslessly.

A Pressroom record's `ce_*` headers become attributes of the same name, `content-type` becomes
`datacontenttype`, the value becomes `data` (JSON). Where the record sat travels in extension
attributes: `partitionkey` (the Partitioning extension: the Kafka key), `kafkatopic`,
`kafkapartition`, `kafkaoffset`, `kafkatimestamp`; other headers in `kafkaheaders` (a JSON
string). A record that is not a CloudEvent (a test's garbage, a tombstone) is still exported,
as type `pressroom.export.RawRecord.v1` with its bytes in base64, so an import is complete."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from events.kafka import REQUIRED

RAW_TYPE = "pressroom.export.RawRecord.v1"
_ATTRIBUTE = re.compile(r"^[a-z0-9]{1,20}$")
_PLACEMENT = ("kafkatopic", "kafkapartition", "kafkaoffset", "kafkatimestamp")
_NOT_HEADERS = frozenset(
    {
        "data",
        "data_base64",
        "datacontenttype",
        "partitionkey",
        "kafkaheaders",
        "kafkarawkey",
        *_PLACEMENT,
    }
)


@dataclass(frozen=True)
class LogRecord:
    """A record with its place in the log."""

    topic: str
    partition: int
    offset: int
    timestamp: int  # ms since the epoch (CreateTime)
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]  # a header may have no value


def to_cloudevent(record: LogRecord) -> dict[str, Any]:
    placement = dict(
        zip(
            _PLACEMENT,
            (record.topic, record.partition, record.offset, record.timestamp),
            strict=True,
        )
    )
    structured = _structured(record)
    return {**structured, **placement} if structured else {**_raw(record), **placement}


def from_cloudevent(event: dict[str, Any]) -> LogRecord:
    """The record exactly as it was exported (header order aside for non-`ce_` headers)."""
    place = (
        str(event["kafkatopic"]),
        int(event["kafkapartition"]),
        int(event["kafkaoffset"]),
        int(event["kafkatimestamp"]),
    )
    if event.get("type") == RAW_TYPE:
        return LogRecord(*place, *_raw_parts(event))
    headers = [
        (_header_name(name), str(value).encode())
        for name, value in event.items()
        if name == "datacontenttype" or name not in _NOT_HEADERS
    ]
    extra = json.loads(event.get("kafkaheaders", "[]"))
    headers += [(str(name), str(value).encode()) for name, value in extra]
    key = event["partitionkey"].encode() if "partitionkey" in event else None
    return LogRecord(*place, key, _value(event), tuple(headers))


def _header_name(attribute: str) -> str:
    return "content-type" if attribute == "datacontenttype" else f"ce_{attribute}"


def _structured(record: LogRecord) -> dict[str, Any] | None:
    """None when the record cannot be one CloudEvent with identical bytes on the way back."""
    texts = _utf8_headers(record.headers)
    if texts is None or record.key is None or not set(REQUIRED) <= dict(texts).keys():
        return None
    data = _canonical_json(record.value)
    if data is _NOT_JSON:
        return None
    event = _attributes(texts)
    key = _utf8(record.key)
    if event is None or key is None:
        return None
    event["partitionkey"] = key
    return {**event, "data": data}


def _attributes(texts: list[tuple[str, str]]) -> dict[str, Any] | None:
    """Headers as attributes, in header order; None if a `ce_` header cannot be one."""
    event: dict[str, Any] = {}
    extra = []
    for name, text in texts:
        attribute = name.removeprefix("ce_")
        if name.startswith("ce_"):
            if not _ATTRIBUTE.match(attribute) or attribute in event or attribute in _NOT_HEADERS:
                return None
            event[attribute] = text
        elif name == "content-type" and "datacontenttype" not in event:
            event["datacontenttype"] = text
        else:
            extra.append([name, text])
    if extra:
        event["kafkaheaders"] = json.dumps(extra, ensure_ascii=False)
    return event


def _raw(record: LogRecord) -> dict[str, Any]:
    headers = [[name, None if value is None else base64.b64encode(value).decode()]
               for name, value in record.headers]  # fmt: skip
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"{record.topic}:{record.partition}:{record.offset}",
        "source": "/pressroom/export",
        "type": RAW_TYPE,
        "kafkaheaders": json.dumps(headers),
    }
    if record.key is not None:
        event["kafkarawkey"] = base64.b64encode(record.key).decode()
    if record.value is not None:
        event["data_base64"] = base64.b64encode(record.value).decode()
    return event


def _raw_parts(event: dict[str, Any]) -> tuple[bytes | None, bytes | None, tuple[Any, ...]]:
    key = base64.b64decode(event["kafkarawkey"]) if "kafkarawkey" in event else None
    value = base64.b64decode(event["data_base64"]) if "data_base64" in event else None
    headers = tuple(
        (n, None if v is None else base64.b64decode(v))
        for n, v in json.loads(event["kafkaheaders"])
    )
    return key, value, headers


_NOT_JSON = object()


def _canonical_json(value: bytes | None) -> Any:
    """The parsed value if writing it back gives the very same bytes, else _NOT_JSON."""
    if value is None:
        return _NOT_JSON
    try:
        parsed = json.loads(value)
        canonical = _dumps(parsed) == value
    # Nested deeper than Python recurses (poison input): kept raw like any other non-JSON.
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _NOT_JSON
    return parsed if canonical else _NOT_JSON


def _value(event: dict[str, Any]) -> bytes | None:
    if "data_base64" in event:
        return base64.b64decode(event["data_base64"])
    return _dumps(event["data"]) if "data" in event else None


def _dumps(data: Any) -> bytes:
    # The same form events/kafka.py writes: compact, UTF-8, key order kept.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _utf8_headers(
    headers: tuple[tuple[str, bytes | None], ...],
) -> list[tuple[str, str]] | None:
    texts = []
    for name, value in headers:
        text = None if value is None else _utf8(value)  # no value: only the raw form keeps it
        if text is None:
            return None
        texts.append((name, text))
    return texts


def _utf8(value: bytes) -> str | None:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return None
