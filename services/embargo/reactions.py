"""Embargo's reactions to approval's events: pure functions from an event to embargo's command."""

from __future__ import annotations

from events.approval import ApprovalInvalidated, ReleaseApproved, ReleaseForceApproved
from events.base import Message
from events.embargo import ClearPublication, NoteApproval, NoteApprovalWithdrawn
from events.envelope import Envelope
from events.publication import PublicationRequested
from services.embargo.rules import SYSTEM_ACTOR


def note_approval(approved: ReleaseApproved | ReleaseForceApproved) -> NoteApproval:
    """Forced or not, it is approved: copies may go out and the release may lift."""
    return NoteApproval(
        release_id=approved.release_id,
        actor=SYSTEM_ACTOR,
        revision=approved.revision,
        content_hash=approved.content_hash,
    )


def note_withdrawal(invalidated: ApprovalInvalidated) -> NoteApprovalWithdrawn:
    """Sent even for a request that was still pending: decide ignores what withdraws nothing."""
    return NoteApprovalWithdrawn(
        release_id=invalidated.release_id,
        actor=SYSTEM_ACTOR,
        revision=invalidated.revision,
        content_hash=invalidated.content_hash,
        new_revision=invalidated.new_revision,
    )


def reaction_to_approval(event: Envelope[Message]) -> Message | None:
    """The policy agent's reaction; a retrospective approval changes nothing embargo holds."""
    match event.data:
        case ReleaseApproved() | ReleaseForceApproved() as approved:
            return note_approval(approved)
        case ApprovalInvalidated() as invalidated:
            return note_withdrawal(invalidated)
        case _:
            return None


def reaction_to_publication(event: Envelope[Message]) -> Message | None:
    """Publication asks before a first edition goes public by hand; embargo answers with an event
    publication hears (PublicationCleared or PublicationHeld). Other events are publication's."""
    match event.data:
        case PublicationRequested() as asked:
            return ClearPublication(
                release_id=asked.release_id, actor=SYSTEM_ACTOR, revision=asked.revision,
                content_hash=asked.content_hash, requested_by=asked.requested_by,
            )  # fmt: skip
        case _:
            return None
