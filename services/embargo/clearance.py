"""The one decision of when a release may go public, taken on embargo's stream.

Publication asks (PublicationRequested → ClearPublication) before it publishes a first edition
by hand; embargo answers from its own state, in the same order as every SetEmbargo of the
release. So of a publish and an embargo sent at the same moment exactly one wins: a publish
cleared first makes a later SetEmbargo `already-released`; an embargo set first holds the publish.
"""

from __future__ import annotations

from datetime import datetime

from events.embargo import ClearPublication, PublicationCleared, PublicationHeld
from services.embargo.rules import Embargo, Status, require_system


def clearance(
    command: ClearPublication, state: Embargo, now: datetime
) -> PublicationCleared | PublicationHeld:
    """Held while an embargo is active (even one whose lift is due: its lift publishes);
    cleared otherwise, after which the release is never embargoed again."""
    require_system(command.actor, "clear a publication")
    if state.status is Status.ACTIVE and state.terms is not None:
        return PublicationHeld(
            release_id=command.release_id, revision=command.revision,
            content_hash=command.content_hash, requested_by=command.requested_by,
            lift_at=state.terms.lift_at,
        )  # fmt: skip
    return PublicationCleared(
        release_id=command.release_id, revision=command.revision,
        content_hash=command.content_hash, requested_by=command.requested_by, cleared_at=now,
    )  # fmt: skip
