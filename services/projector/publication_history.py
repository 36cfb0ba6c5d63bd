"""The audit timeline's line for each publication event; None for any other service's."""

from __future__ import annotations

from events.base import Event
from events.publication import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    DeliveryAttempted,
    DeliveryFailed,
    DeliverySucceeded,
    EmbargoCancellationNoted,
    EmbargoLiftNoted,
    EmbargoNoted,
    PublicationClearanceNoted,
    PublicationEvent,
    PublicationRequested,
    ReleasePublished,
    ReleaseUnpublished,
    ReleaseWithdrawn,
    RevisionContentNoted,
)

PUBLICATION_NOTES = (
    ApprovedRevisionNoted,
    ApprovalWithdrawnNoted,
    RevisionContentNoted,
    EmbargoNoted,
    EmbargoCancellationNoted,
    EmbargoLiftNoted,
    PublicationClearanceNoted,
)
_UNPUBLISHED = {
    "gone": "gone (410)",
    "redirect": "redirected",
    "vanish": "removed as if never public",
}


def publication_summary(event: Event) -> str | None:
    """E.g. "Edition 2 published by paul (minor update)"."""
    if not isinstance(event, PublicationEvent):
        return None
    match event:
        case ReleasePublished():
            note = f": {event.change_note}" if event.update_type == "major" else ""
            return (
                f"Edition {event.edition} published as /{event.slug} by {event.published_by}"
                f" ({event.update_type} update){note}"
            )
        case PublicationRequested():
            return (
                f"Publication of revision {event.revision} asked for by {event.requested_by}:"
                " waiting for embargo's word"
            )
        case ReleaseWithdrawn():
            return f"Edition {event.edition} withdrawn by {event.withdrawn_by}: {event.explanation}"
        case ReleaseUnpublished():
            where = f" to {event.redirect_url}" if event.redirect_url else ""
            how = _UNPUBLISHED[event.unpublish_type]
            return f"Unpublished by {event.unpublished_by}: {how}{where}"
        case DeliveryAttempted():
            return (
                f"Attempt {event.attempt} to tell {event.subscriber_id} ({event.notice}, edition "
                f"{event.edition}) failed: {event.detail or 'no answer'}"
            )
        case DeliverySucceeded():
            return (
                f"Told {event.subscriber_id}: {event.notice}, edition {event.edition} "
                f"(attempt {event.attempt})"
            )
        case DeliveryFailed():
            return (
                f"Delivery to {event.subscriber_id} failed ({event.notice}, edition "
                f"{event.edition}): {event.reason}"
            )
        case _:
            return None


def is_publication_note(event: Event) -> bool:
    """Publication's record of another service's event: that event is on the timeline already,
    so its echo would only double the line (the publication stream keeps it for replays). A
    successful attempt is left off too: its DeliverySucceeded says the same."""
    if isinstance(event, DeliveryAttempted):
        return event.succeeded
    return isinstance(event, PUBLICATION_NOTES)
