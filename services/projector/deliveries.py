"""The `deliveries` and `subscribers` read models: pure, one change per event, in log order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from events.base import Message
from events.envelope import Envelope
from events.publication import DeliveryAttempted, DeliveryEvent, DeliveryFailed, DeliverySucceeded
from events.subscribers import SubscriberEvent, SubscriberRegistered, SubscriberRemoved


@dataclass(frozen=True)
class DeliveryChange:
    """The row after one delivery event (attempts and times are the event's own)."""

    delivery_id: str
    release_id: str
    subscriber_id: str
    edition: int
    notice: str
    status: str  # retrying | succeeded | failed
    attempts: int
    last_detail: str
    failure_reason: str | None
    at: datetime
    stream_version: int


@dataclass(frozen=True)
class SubscriberChange:
    subscriber_id: str
    registered: SubscriberRegistered | None  # None: removed
    at: datetime
    stream_version: int


ReadModelChange = DeliveryChange | SubscriberChange


def delivery_change(envelope: Envelope[Message]) -> ReadModelChange | None:
    """None for every event that is not a delivery or a subscriber's."""
    event, version = envelope.data, envelope.sequence
    if version is None:
        return None
    if isinstance(event, DeliveryEvent):
        return _delivery(event, envelope.time, version)
    if isinstance(event, SubscriberEvent):
        return _subscriber(event, envelope.time, version)
    return None


def _delivery(event: DeliveryEvent, at: datetime, version: int) -> DeliveryChange | None:
    match event:
        case DeliveryAttempted():
            status = "succeeded" if event.succeeded else "retrying"
            attempts, detail, reason = event.attempt, event.detail, None
        case DeliverySucceeded():
            status, attempts, detail, reason = "succeeded", event.attempt, "", None
        case DeliveryFailed():
            status, attempts, detail, reason = "failed", 0, "", event.reason
        case _:
            return None
    return DeliveryChange(
        event.delivery_id, event.release_id, event.subscriber_id, event.edition, event.notice,
        status, attempts, detail, reason, at, version,
    )  # fmt: skip


def _subscriber(event: SubscriberEvent, at: datetime, version: int) -> SubscriberChange | None:
    match event:
        case SubscriberRegistered():
            return SubscriberChange(event.subscriber_id, event, at, version)
        case SubscriberRemoved():
            return SubscriberChange(event.subscriber_id, None, at, version)
        case _:
            return None  # a redelivery shows in the deliveries that follow it
