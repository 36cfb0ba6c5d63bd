"""The consumer kit's entry point: `decode(record)` turns a record from any Kafka client (with
`headers` and `value`, as aiokafka's ConsumerRecord has) into a typed envelope whose data is the
latest version of its type, older versions upcast on the way.

    from events.consumer import decode, UndecodableMessage
    envelope = decode(record)          # Envelope[Message]
    match envelope.data:
        case DraftRevised(revision=revision): ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from events.base import Message
from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import UndecodableMessage, decode_parts

__all__ = ["RecordLike", "UndecodableMessage", "decode"]


class RecordLike(Protocol):
    """What decode needs of a Kafka record: its headers and its value."""

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...

    @property
    def value(self) -> bytes | None: ...


def decode(record: RecordLike) -> Envelope[Message]:
    """The record as a typed, upcast envelope, or UndecodableMessage saying why it is not one."""
    return decode_parts(record.headers, record.value, REGISTRY)
