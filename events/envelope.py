"""The CloudEvents 1.0 envelope around every message, and its metadata."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Generic, TypeVar

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

    @field_validator("time")
    @classmethod
    def _store_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @property
    def type(self) -> str:
        return self.data.ce_type()


def deterministic_id(*parts: str) -> str:
    """A UUIDv5 from its parts: the same command at the same position gives the same event id."""
    return str(uuid.uuid5(PRESSROOM_NAMESPACE, "\x1f".join(parts)))


def source_of(service: str) -> str:
    return f"/pressroom/{service}"
