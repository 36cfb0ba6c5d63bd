"""The publication columns of a release row (`apply_publication`): pure. The public page and
feed have their own table (public_feed.py); the board only says where the release stands."""

from __future__ import annotations

from typing import assert_never

from events.publication import ReleasePublished, ReleaseUnpublished, ReleaseWithdrawn
from services.projector.release_row import ReleaseRow, changed

# Only these move the row. Publication's notes (of approvals, content, embargoes) follow each
# drafting, approval or embargo event at once: stamping them would make the row's updated_at
# depend on which topic the projector happened to read first, and a rebuild would differ.
PublicEvent = ReleasePublished | ReleaseWithdrawn | ReleaseUnpublished


def apply_publication(row: ReleaseRow, event: PublicEvent) -> ReleaseRow:
    """The row after an edition, a withdrawal or an unpublishing."""
    match event:
        case ReleasePublished():
            return changed(
                row,
                publication_status="published",
                public_edition=event.edition,
                public_revision=event.revision,
                public_slug=event.slug,
                first_published_at=event.first_published_at,
                public_updated_at=event.public_updated_at,
            )
        case ReleaseWithdrawn():
            return changed(row, publication_status="withdrawn")
        case ReleaseUnpublished():
            return changed(row, publication_status=event.unpublish_type)
        case _:
            assert_never(event)
