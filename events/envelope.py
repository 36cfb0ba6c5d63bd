"""The CloudEvents 1.0 envelope around every message, and its metadata."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from events.base import Message
from events.text import to_utc

M = TypeVar("M", bound=Message)

# Namespace of every deterministic id Pressroom derives (event ids, ids from idempotency keys).
PRESSROOM_NAMESPACE = uuid.UUID("6f1c7c9e-3d4b-5a8e-9f20-7e5d0c1b2a39")
_NAMESPACE_BYTES = PRESSROOM_NAMESPACE.bytes


class Envelope(BaseModel, Generic[M]):
    """One CloudEvent: the attributes travel as Kafka headers, `data` as the record value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    source: str
    time: AwareDatetime
    subject: str
    data: M
    sequence: int | None = None  # the stream version this event got; None for commands
    correlation_id: str
    causation_id: str | None = None
    actor: str
    # The CloudEvents distributed-tracing extension: the W3C trace context of the message's
    # making. Optional; one that is malformed is dropped, as W3C says (never a dead letter).
    traceparent: str | None = None
    tracestate: str | None = None

    @field_validator("traceparent", mode="before")
    @classmethod
    def _valid_traceparent(cls, value: Any) -> Any:
        return value if value is None or is_traceparent(value) else None

    @field_validator("tracestate", mode="before")
    @classmethod
    def _valid_tracestate(cls, value: Any) -> Any:
        return value if value is None or is_tracestate(value) else None

    @field_validator("time")
    @classmethod
    def _store_utc(cls, value: datetime) -> datetime:
        # A ValueError, so a ce_time such as 0001-01-01T00:30:00+01:00 is a dead letter: the
        # OverflowError of `astimezone` escaped decoding and stopped the projector for good.
        return to_utc(value)

    @property
    def type(self) -> str:
        return self.data.ce_type()


# The parametrised classes envelopes are built with, made once: `Envelope[X]` written at a call
# looks the class up in pydantic's generic cache every time (1-2 µs, more than the rest of
# wrapping an event), and every event, command and reply is wrapped.
ENVELOPE_OF_ANY = Envelope[Any]
ENVELOPE_OF_MESSAGE = Envelope[Message]


# W3C Trace Context, version 00 (a later version's traceparent starts with the same fields).
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[ -~]*)?")
_TRACESTATE_MAX = 512  # W3C: a tracestate may be cut to 512 characters; longer is not passed on


def is_traceparent(value: object) -> bool:
    return isinstance(value, str) and _TRACEPARENT.fullmatch(value) is not None


def is_tracestate(value: object) -> bool:
    return isinstance(value, str) and len(value) <= _TRACESTATE_MAX and value.isprintable()


def deterministic_id(*parts: str) -> str:
    """A UUIDv5 from its parts: the same command at the same position gives the same event id.
    Exactly `str(uuid.uuid5(PRESSROOM_NAMESPACE, "\x1f".join(parts)))` (RFC 4122: SHA-1 of the
    namespace and the name, version and variant bits set), at a third of its cost: every event,
    every policy's command and every deadline gets one, and `uuid.UUID`'s checks and integer
    round trip were most of it (tests/unit/test_deterministic_ids.py)."""
    name = "\x1f".join(parts).encode("utf-8")
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def source_of(service: str) -> str:
    return f"/pressroom/{service}"
