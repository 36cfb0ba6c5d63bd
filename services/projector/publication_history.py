"""The audit timeline's line for each publication event; None for any other service's."""

from __future__ import annotations

from events.base import Event
from events.publication import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    EmbargoCancellationNoted,
    EmbargoLiftNoted,
    EmbargoNoted,
    PublicationEvent,
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
        case ReleaseWithdrawn():
            return f"Edition {event.edition} withdrawn by {event.withdrawn_by}: {event.explanation}"
        case ReleaseUnpublished():
            where = f" to {event.redirect_url}" if event.redirect_url else ""
            how = _UNPUBLISHED[event.unpublish_type]
            return f"Unpublished by {event.unpublished_by}: {how}{where}"
        case _:
            return None


def is_publication_note(event: Event) -> bool:
    """Publication's record of another service's event: that event is on the timeline already,
    so its echo would only double the line (the publication stream keeps it for replays)."""
    return isinstance(event, PUBLICATION_NOTES)
