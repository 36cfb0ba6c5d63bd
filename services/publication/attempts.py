"""What one delivery attempt adds to a release's stream: pure, from the worker's report."""

from __future__ import annotations

from events.publication import (
    DeliveryAttempted,
    DeliveryFailed,
    DeliverySucceeded,
    PublicationEvents,
    RecordDeliveryAttempt,
)
from services.publication.rules import require_system


def record_attempt(command: RecordDeliveryAttempt) -> list[PublicationEvents]:
    """Every attempt is recorded; a success closes the delivery; the last failed attempt of a
    round gives up with DeliveryFailed (the reason says what the subscriber answered)."""
    require_system(command.actor, "record a delivery attempt")
    which = {
        "release_id": command.release_id, "subscriber_id": command.subscriber_id,
        "edition": command.edition, "notice": command.notice, "delivery_id": command.delivery_id,
    }  # fmt: skip
    attempted = DeliveryAttempted(
        **which, attempt=command.attempt, succeeded=command.succeeded, detail=command.detail
    )
    if command.succeeded:
        return [attempted, DeliverySucceeded(**which, attempt=command.attempt)]
    if command.round_attempt < command.max_attempts:
        return [attempted]
    last = command.detail or "no answer"
    reason = f"gave up after {command.round_attempt} attempts; last: {last}"
    return [attempted, DeliveryFailed(**which, reason=reason, attempts=command.round_attempt)]
