"""The CloudEvents 1.0 envelope around every message, and its metadata."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from events.base import Message

M = TypeVar("M", bound=Message)

# Namespace of every deterministic id Pressroom derives (event ids, ids from idempotency keys).
PRESSROOM_NAMESPACE = uuid.UUID("6f1c7c9e-3d4b-5a8e-9f20-7e5d0c1b2a39")


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
        return value.astimezone(UTC)

    @property
    def type(self) -> str:
        return self.data.ce_type()


# W3C Trace Context, version 00 (a later version's traceparent starts with the same fields).
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[ -~]*)?")
_TRACESTATE_MAX = 512  # W3C: a tracestate may be cut to 512 characters; longer is not passed on


def is_traceparent(value: object) -> bool:
    return isinstance(value, str) and _TRACEPARENT.fullmatch(value) is not None


def is_tracestate(value: object) -> bool:
    return isinstance(value, str) and len(value) <= _TRACESTATE_MAX and value.isprintable()


def deterministic_id(*parts: str) -> str:
    """A UUIDv5 from its parts: the same command at the same position gives the same event id."""
    return str(uuid.uuid5(PRESSROOM_NAMESPACE, "\x1f".join(parts)))


def source_of(service: str) -> str:
    return f"/pressroom/{service}"
